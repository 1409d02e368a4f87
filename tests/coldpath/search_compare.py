#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Do two stores (or two builds on them) give byte for byte the same search answers? (#17)

    tests/coldpath/search_compare.py --a OLD/budgetd --a-db OLD.sqlite
                                     --b NEW/budgetd --b-db NEW.sqlite [--n 1000] [--seed 14]

For a change in how import builds the search index: the same files imported by two builds,
each store served by its own build (read only, --cache-mb 0, ports picked by the kernel).
Asks both the same N distinct searches, made from the A store's own texts the way
tests/bench/search makes them (pieces of department, project and row names, codes,
explanation text, 1-2 character queries, queries with no hit), with and without filters
(in=, year=, kind=, department=) and pages (offset=, limit=), and compares status, type and
body. Prints the first differences and a count; exit 0 when every answer is the same, 1 when
one differs, 2 when it could not run. A tool beside the suite (it needs two builds and two
stores); check_search test_bulk_build_is_the_same_index is the suite's version.
"""
import argparse
import http.client
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
            return p, int(line.rsplit(":", 1)[1].split()[0].strip("/"))
    p.kill()
    sys.exit(f"{binary}: no 'listening on' line")


def urls(db, n, seed):
    rnd = random.Random(seed)
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    names = [r[0] for r in c.execute("SELECT name FROM department_record WHERE name IS NOT NULL "
                                      "ORDER BY disclosure_id LIMIT 400")]
    projects = [r[0] for r in c.execute("SELECT DISTINCT name FROM project WHERE name IS NOT "
                                        "NULL ORDER BY 1 LIMIT 2000")]
    rows = [r[0] for r in c.execute("SELECT DISTINCT name FROM table_row WHERE name IS NOT NULL "
                                    "ORDER BY 1 LIMIT 2000")]
    codes = [r[0] for r in c.execute("SELECT DISTINCT code1 || ifnull(code2, '') || "
                                     "ifnull(code3, '') FROM table_row WHERE code1 IS NOT NULL "
                                     "ORDER BY 1")]
    texts = [r[0] for r in c.execute("SELECT value FROM explanation_paragraph ORDER BY id "
                                     "LIMIT 400")]
    slugs = [r[0] for r in c.execute("SELECT slug FROM department ORDER BY id")]
    c.close()

    def piece(s, lo, hi):
        s = s.strip()
        k = rnd.randint(min(lo, len(s)), min(hi, len(s)))
        i = rnd.randint(0, len(s) - k)
        return s[i:i + k]

    kinds = [
        lambda: piece(rnd.choice(names), 3, 8),
        lambda: piece(rnd.choice(projects), 3, 8),
        lambda: piece(rnd.choice(rows), 3, 6),
        lambda: rnd.choice(codes)[: rnd.choice([3, 5, 7])],
        lambda: piece(rnd.choice(texts), 3, 6),
        lambda: piece(rnd.choice(texts), 3, 4) + " " + piece(rnd.choice(texts), 1, 2),
        lambda: piece(rnd.choice(names + projects), 1, 2),
        lambda: "无此%05d词" % rnd.randint(0, 99999),
    ]
    filters = ["", "", "", "&in=project", "&in=row", "&in=explanation", "&in=department",
               "&year=2019", "&kind=budget", "&kind=final", "&offset=20", "&offset=40",
               "&limit=50"]
    seen, out = set(), []
    while len(out) < n:
        q = rnd.choice(kinds)()
        if not q.strip():
            continue
        dep = "&department=" + rnd.choice(slugs) if rnd.random() < 0.15 else ""
        url = "/api/v1/search?q=" + urllib.parse.quote(q) + rnd.choice(filters) + dep
        if url not in seen:
            seen.add(url)
            out.append(url)
    return out


def fetch(conn, url):
    conn.request("GET", url)
    r = conn.getresponse()
    return r.status, r.getheader("Content-Type"), r.read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True)
    ap.add_argument("--a-db", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--b-db", required=True)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()
    pa, porta = start(args.a, args.a_db)
    pb, portb = start(args.b, args.b_db)
    differ = hits = 0
    try:
        ca = http.client.HTTPConnection("127.0.0.1", porta)
        cb = http.client.HTTPConnection("127.0.0.1", portb)
        for url in urls(args.a_db, args.n, args.seed):
            a, b = fetch(ca, url), fetch(cb, url)
            hits += a[0] == 200 and b'"hit"' in a[2]
            if a != b:
                differ += 1
                if differ <= 5:
                    print(f"differs: {url}\n  a {a[0]} {a[2][:200]!r}\n  b {b[0]} {b[2][:200]!r}")
    finally:
        pa.kill()
        pb.kill()
    print(f"{args.n} searches ({hits} with hits): {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
