#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The URL lists of issue #17's benchmarks, read from a budgetd store (read-only).

  urls.py STORE            one line per disclosure: PATH<TAB>LEVEL<TAB>TABLE NUMBERS (random.lua)
  urls.py STORE --all      every URL random.lua can ask for, one a line (the byte checks)
  urls.py STORE --all --limit N   the same for the first N disclosures (by department, year)

Python standard library only."""
import argparse
import sqlite3
import sys

KINDS = {"budget": "budgets", "final": "finals"}


def disclosures(store):
    db = sqlite3.connect("file:%s?mode=ro" % store, uri=True)
    rows = db.execute(
        "SELECT d.slug, s.kind, s.year, s.level,"
        " (SELECT group_concat(number, ',') FROM"
        "   (SELECT number FROM budget_table t WHERE t.disclosure_id = s.id ORDER BY number))"
        " FROM disclosure s JOIN department d ON d.id = s.department_id"
        " ORDER BY d.slug, s.year, s.kind, s.level").fetchall()
    db.close()
    for slug, kind, year, level, numbers in rows:
        path = "/api/v1/departments/%s/%s/%d" % (slug, KINDS[kind], year)
        yield path, level, (numbers or "").split(",") if numbers else []


def every_url(path, level, numbers):
    unit = level == "unit"
    plain = "?level=unit" if unit else ""
    csv = "?format=csv&level=unit" if unit else "?format=csv"
    for n in numbers:
        yield "%s/tables/%s%s" % (path, n, plain)
        yield "%s/tables/%s%s" % (path, n, csv)
    yield path + plain
    yield path + "/projects" + plain


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store")
    parser.add_argument("--all", action="store_true")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    out = sys.stdout
    for i, (path, level, numbers) in enumerate(disclosures(args.store)):
        if args.limit and i >= args.limit:
            break
        if not numbers:
            continue
        if args.all:
            for url in every_url(path, level, numbers):
                out.write(url + "\n")
        else:
            out.write("%s\t%s\t%s\n" % (path, level, ",".join(numbers)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
