#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Do two budgetd builds answer byte for byte the same? (#17: main's bytes are the contract.)

    tests/coldpath/compare.py --a OLD/budgetd --b NEW/budgetd --db STORE [--sample N]
    tests/coldpath/compare.py --a OLD/budgetd --b NEW/budgetd --a-db OLD.sqlite
                              --b-db NEW.sqlite [--sample N]

Starts both on the store (read only, --cache-mb 0, ports picked by the kernel), or each on
its own with --a-db and --b-db (a schema change: each build serves its own store of the same
files; the disclosures are listed from A's, and an answer that carries the import time
differs unless the stores have the same, as a store and its upgraded copy do), lists every
disclosure of the store (every one, or N picked with a fixed seed with --sample), and fetches
from both every resource of each: the disclosure, its tables (each one as JSON, CSV and
XLSX), projects (the list and each project, JSON and CSV), 三公 (JSON and CSV), audit, the
long CSV, the data package, the page (/?dept=...), plus the department list and each
department. Every URL is fetched plain and with Accept-Encoding: gzip (compared after
inflating, and the Content-Encoding must agree). Prints the first differences and a count;
exit 0 when every answer is the same, 1 when one differs, 2 when it could not run.
This is a tool beside the suite (it needs main's build), not a test of the suite.
"""
import argparse
import gzip
import http.client
import json
import random
import sqlite3
import subprocess
import sys
import urllib.parse


def start(binary, db):
    p = subprocess.Popen([binary, "--port", "0", "--bind", "127.0.0.1", "--db", db,
                          "--threads", "1", "--cache-mb", "0", "--access-log", "off"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in p.stdout:
        if "listening on" in line:
            port = int(line.rsplit(":", 1)[1].split()[0].strip("/"))
            return p, port
    p.kill()
    sys.exit(f"{binary}: no 'listening on' line")


def disclosures(db, sample, seed):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = con.execute(
        "SELECT p.slug, d.year, d.kind, d.level, d.id FROM disclosure d "
        "JOIN department p ON p.id = d.department_id ORDER BY p.slug, d.year, d.kind, d.level"
    ).fetchall()
    if sample and sample < len(rows):
        rows = random.Random(seed).sample(rows, sample)
    out = []
    for slug, year, kind, level, did in rows:
        tables = [r[0] for r in con.execute(
            "SELECT number FROM budget_table WHERE disclosure_id = ? ORDER BY position", (did,))]
        projects = [r[0] for r in con.execute(
            "SELECT slug FROM project WHERE disclosure_id = ? ORDER BY position", (did,))]
        out.append((slug, year, kind, level, tables, projects))
    return out


def urls(discs):
    q = urllib.parse.quote
    yield "/api/v1/departments"
    yield "/api/v1/departments?format=csv"
    yield "/api/v1/departments?limit=1000"
    yield "/api/v1/departments/no-such-department/budgets/2021/tables/6"
    yield "/api/v1/departments/no-such-department/finals/2021/tables/6?format=csv&level=unit"
    seen = set()
    for slug, year, kind, level, tables, projects in discs:
        if slug not in seen:
            seen.add(slug)
            yield f"/api/v1/departments/{q(slug)}"
        base = f"/api/v1/departments/{q(slug)}/{kind}s/{year}"
        lv = "level=unit&" if level == "unit" else ""
        yield f"/?dept={q(slug)}&year={year}&kind={kind}" + ("&level=unit" if lv else "")
        for path, formats in (("", ("json", "xlsx")), ("/tables", ("json", "xlsx")),
                              ("/projects", ("json", "csv")), ("/sangong", ("json", "csv")),
                              ("/audit", ("json", "csv"))):
            for f in formats:
                yield f"{base}{path}?{lv}format={f}"
        yield f"{base}/amounts.csv" + ("?level=unit" if lv else "")
        yield f"{base}/datapackage.json" + ("?level=unit" if lv else "")
        for n in tables + [max(tables, default=0) + 1]:  # and one it does not have (404)
            for f in ("json", "csv", "xlsx"):
                yield f"{base}/tables/{n}?{lv}format={f}"
        for p in projects:
            for f in ("json", "csv"):
                yield f"{base}/projects/{q(p)}?{lv}format={f}"


def fetch(conn, url, gz):
    headers = {"Accept-Encoding": "gzip"} if gz else {}
    conn.request("GET", url, headers=headers)
    r = conn.getresponse()
    body = r.read()
    enc = r.getheader("Content-Encoding") or ""
    if enc == "gzip":
        body = gzip.decompress(body)
    return r.status, r.getheader("Content-Type"), enc, body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--db")
    ap.add_argument("--a-db")
    ap.add_argument("--b-db")
    ap.add_argument("--sample", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    db_a, db_b = args.a_db or args.db, args.b_db or args.db
    if db_a is None or db_b is None:
        ap.error("give --db, or --a-db and --b-db")
    discs = disclosures(db_a, args.sample, args.seed)
    pa, port_a = start(args.a, db_a)
    pb, port_b = start(args.b, db_b)
    n = bad = nbytes = 0
    try:
        ca = http.client.HTTPConnection("127.0.0.1", port_a, timeout=60)
        cb = http.client.HTTPConnection("127.0.0.1", port_b, timeout=60)
        statuses = {}
        for url in urls(discs):
            for gz in (False, True):
                a, b = fetch(ca, url, gz), fetch(cb, url, gz)
                n += 1
                nbytes += len(a[3])
                statuses[a[0]] = statuses.get(a[0], 0) + 1
                if a != b:
                    bad += 1
                    if bad <= 10:
                        print(f"DIFFERS {'gzip ' if gz else ''}{url}: status {a[0]}/{b[0]}, "
                              f"type {a[1]}/{b[1]}, encoding {a[2]!r}/{b[2]!r}, "
                              f"{len(a[3])}/{len(b[3])} bytes")
        print(f"{len(discs)} disclosures, {n} answers ({nbytes} bytes from A; statuses "
              f"{json.dumps(statuses, sort_keys=True)}), {bad} differ")
    finally:
        pa.kill()
        pb.kill()
        pa.wait()
        pb.wait()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
