#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Do two budgetd builds answer byte for byte the same? (#17: main's bytes are the contract.)

    tests/coldpath/compare.py --a OLD/budgetd --b NEW/budgetd --db STORE [--sample N]
    tests/coldpath/compare.py --a OLD/budgetd --b NEW/budgetd --a-db OLD.sqlite
                              --b-db NEW.sqlite [--sample N] [--aggregates N]

Starts both on the store (read only, --cache-mb 0, ports picked by the kernel), or each on
its own with --a-db and --b-db (a schema change: each build serves its own store of the same
files; the disclosures are listed from A's, and an answer that carries the import time
differs unless the stores have the same, as a store and its upgraded copy do), lists every
disclosure of the store (every one, or N picked with a fixed seed with --sample), and fetches
from both every resource of each: the disclosure, its tables (each one as JSON, CSV and
XLSX), projects (the list and each project, JSON and CSV), 三公 (JSON and CSV), audit, the
long CSV, the data package, the page (/?dept=...), plus the department list and each
department; with --aggregates N, N sums (GET /api/v1/aggregate: every measure alone, then
measures, groups, filters, orders and pages drawn with the seed). Every URL is fetched plain and with Accept-Encoding: gzip (compared after
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


AGG_MEASURES = ["revenue", "expenditure", "basic", "project", "sangong", "sangong.abroad",
                "sangong.reception", "sangong.vehicle_operation", "sangong.vehicle_purchase",
                "operating_costs", "table:budget_expenditure:total",
                "table:budget_expenditure:basic", "table:budget_general_function:total",
                "table:budget_general_function:project", "table:budget_income:total",
                "table:budget_general_basic_economic:total",
                "table:budget_general_basic_economic:personnel"]
AGG_GROUPS = ["", "department", "year", "kind", "level", "region", "function", "economic",
              "year,department", "kind,year", "region,year", "level,kind", "function,year",
              "economic,region", "department,kind,level"]
AGG_CODES = ["201", "208", "213", "301", "20103", "2010301", "2080505", "30101", "9"]


def aggregate_urls(db, n, seed):
    """Every measure alone, then n sums drawn with seed over the store's years, regions and
    departments (answers with groups, filters, orders and pages, 400s and empty ones)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    years = [r[0] for r in con.execute("SELECT DISTINCT year FROM disclosure ORDER BY 1")]
    regions = [r[0] for r in con.execute("SELECT DISTINCT region FROM department_record "
                                         "WHERE region IS NOT NULL ORDER BY 1")]
    depts = [r[0] for r in con.execute("SELECT slug FROM department ORDER BY 1")]
    con.close()
    rng, out = random.Random(seed), []
    for m in AGG_MEASURES + ["no-such-measure"]:
        out.append("/api/v1/aggregate?" + urllib.parse.urlencode({"measure": m}))
    while len(out) < n:
        q = {"measure": rng.choice(AGG_MEASURES), "group": rng.choice(AGG_GROUPS)}
        pick = lambda p, k, vals: q.__setitem__(k, str(rng.choice(vals))) \
            if vals and rng.random() < p else None
        table = q["measure"].startswith("table:")
        if not table and rng.random() < 0.9:  # mostly what is answered, some 400s
            q["group"] = q["group"].replace("function", "year").replace("economic", "kind")
        pick(0.5 if table else 0.02, "code", AGG_CODES)
        if "function" in q["group"] or "economic" in q["group"] or rng.random() < 0.02:
            pick(0.7, "depth", ["1", "2", "3"])
        pick(0.4, "year", years)
        pick(0.2, "kind", ["budget", "final"])
        pick(0.3, "level", ["department", "unit", "all"])
        pick(0.2, "region", regions)
        pick(0.1, "department", depts)
        pick(0.5, "order", ["-sum", "sum", "key"])
        pick(0.5, "limit", ["1", "10", "100"])
        pick(0.2, "offset", ["0", "3", "50", "100000"])
        pick(0.1, "format", ["csv"])
        out.append("/api/v1/aggregate?" + urllib.parse.urlencode(
            {k: v for k, v in q.items() if v != ""}))
    return out


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
    ap.add_argument("--aggregates", type=int, default=0)
    args = ap.parse_args()
    db_a, db_b = args.a_db or args.db, args.b_db or args.db
    if db_a is None or db_b is None:
        ap.error("give --db, or --a-db and --b-db")
    discs = disclosures(db_a, args.sample, args.seed)
    aggs = aggregate_urls(db_a, args.aggregates, args.seed) if args.aggregates else []
    pa, port_a = start(args.a, db_a)
    pb, port_b = start(args.b, db_b)
    n = bad = nbytes = 0
    try:
        ca = http.client.HTTPConnection("127.0.0.1", port_a, timeout=60)
        cb = http.client.HTTPConnection("127.0.0.1", port_b, timeout=60)
        statuses = {}
        for url in list(urls(discs)) + aggs:
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
