#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Turns a text file into a C string constant: embed.py INPUT OUTPUT SYMBOL.
import sys

src, out, symbol = sys.argv[1:4]
data = open(src, 'rb').read()
with open(out, 'w') as f:
    f.write('/* Generated from %s by embed.py. */\n' % src.split('/')[-1])
    f.write('const char %s[] = {\n' % symbol)
    for i in range(0, len(data), 16):
        f.write('\t' + ' '.join('%d,' % b for b in data[i:i + 16]) + '\n')
    f.write('\t0\n};\n')
