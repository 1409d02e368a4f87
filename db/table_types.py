#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Turns db/table_types.tsv into C arrays: table_types.py INPUT OUTPUT.
import sys

src, out = sys.argv[1:3]
types, pats = [], []
for n, line in enumerate(open(src, encoding='utf-8'), 1):
    line = line.rstrip('\n')
    if not line or line.startswith('#'):
        continue
    f = line.split('\t')
    if len(f) < 4 or f[1] not in ('budget', 'final'):
        sys.exit('%s:%d: want id, family (budget|final), name, patterns...' % (src, n))
    for p in f[3:]:
        if any(p == q for q, _ in pats):
            sys.exit('%s:%d: pattern %s appears twice' % (src, n, p))
        pats.append((p, len(types)))
    types.append(f[:3])

def c(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'

with open(out, 'w', encoding='utf-8') as o:
    o.write('/* Generated from table_types.tsv by table_types.py. */\n#include "internal.h"\n\n')
    o.write('const struct db_table_type db_table_type_list[] = {\n')
    for t in types:
        o.write('\t{ %s, %s, %s },\n' % tuple(c(x) for x in t))
    o.write('\t{ NULL, NULL, NULL },\n};\n\n')
    o.write('const struct db_table_pattern db_table_pattern_list[] = {\n')
    for p, i in pats:
        o.write('\t{ %s, %d },\n' % (c(p), i))
    o.write('\t{ NULL, -1 },\n};\n')
