#!/bin/sh
# SPDX-License-Identifier: MIT
# Writes SQLite's amalgamation (sqlite3.c, sqlite3.h) from its source tree SRC into OUT:
# its own configure and `make sqlite3.c`, which needs tclsh (Debian's tcl).
# The result depends on the source tree alone, so it is kept in that tree too
# (subprojects/sqlite3-*/, shared by every build directory and thrown away with it by
# `meson subprojects purge`): the second build directory copies it instead of spending half a
# minute of tclsh (CI sets up three, and the meson-install test a fourth).
set -eu
src=$(cd "$1" && pwd)
out=$(cd "$2" && pwd)
kept=$src/.budgetd-amalgamation
if [ -f "$kept/sqlite3.c" ] && [ -f "$kept/sqlite3.h" ]; then
	cp "$kept/sqlite3.c" "$kept/sqlite3.h" "$out/"
	exit 0
fi
work=$out/amalgamation
rm -rf "$work"
mkdir -p "$work"
cd "$work"
"$src/configure" --quiet --disable-tcl --disable-readline --disable-shared > configure.log 2>&1 ||
	{ cat configure.log >&2; exit 1; }
make -s sqlite3.c > make.log 2>&1 || { cat make.log >&2; exit 1; }
cp sqlite3.c sqlite3.h "$out/"
# Kept whole or not at all (a folder renamed into place; a source tree that cannot be written
# is only a slower next build).
tmp=$src/.budgetd-amalgamation.tmp-$$
if mkdir "$tmp" 2>/dev/null; then
	cp sqlite3.c sqlite3.h "$tmp/" && mv -T "$tmp" "$kept" 2>/dev/null || true
	rm -rf "$tmp"
fi
