#!/bin/sh
# SPDX-License-Identifier: MIT
# Writes SQLite's amalgamation (sqlite3.c, sqlite3.h) from its source tree SRC into OUT:
# its own configure and `make sqlite3.c`, which needs tclsh (Debian's tcl).
set -eu
src=$(cd "$1" && pwd)
out=$(cd "$2" && pwd)
work=$out/amalgamation
rm -rf "$work"
mkdir -p "$work"
cd "$work"
"$src/configure" --quiet --disable-tcl --disable-readline --disable-shared > configure.log 2>&1 ||
	{ cat configure.log >&2; exit 1; }
make -s sqlite3.c > make.log 2>&1 || { cat make.log >&2; exit 1; }
cp sqlite3.c sqlite3.h "$out/"
