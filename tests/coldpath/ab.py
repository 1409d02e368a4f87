#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Cold answers of two (or three) budgetd builds, interleaved in one run (#17).

    tests/coldpath/ab.py --a OLD/budgetd --b NEW/budgetd [--c OTHER/budgetd] --db STORE \
        --url PATH... [--rounds 5] [--duration 3] [--gzip] [--connections N]

With --a-db, --b-db (and --c-db) instead of --db, each build serves its own store of the
same files (a schema change: a build reads only its own schema version).

Both servers run on CPU 0 (--threads 1 --cache-mb 0 --access-log off), wrk -t1 -c4 on
CPU 1 (-c4 unless --connections). Each round runs wrk on every build for every URL, the
builds in turn first (A B, B A; with --c a third build: A B C, B C A, C A B);
CPU time per request is the server's utime + stime (/proc/PID/stat) over the run divided by
the requests answered. Prints a Markdown table: medians of req/s, CPU us/request and p99,
and the median of the per-round ratio to A of each build. A measurement, not a test.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

TICK = os.sysconf("SC_CLK_TCK")


def start(binary, db):
    p = subprocess.Popen(["taskset", "-c", "0", binary, "--port", "0", "--bind", "127.0.0.1",
                          "--db", db, "--threads", "1", "--cache-mb", "0", "--access-log",
                          "off"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in p.stdout:
        if "listening on" in line:
            return p, int(line.rsplit(":", 1)[1].split()[0].strip("/"))
    p.kill()
    sys.exit(f"{binary}: no 'listening on' line")


def cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def ms(v, unit):
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run(proc, port, url, duration, gz, conns):
    hdr = ["-H", "Accept-Encoding: gzip"] if gz else []
    c0 = cpu(proc.pid)
    out = subprocess.run(["taskset", "-c", "1", "wrk", "-t1", f"-c{conns}", f"-d{duration}s",
                          "--latency", *hdr, f"http://127.0.0.1:{port}{url}"],
                         capture_output=True, text=True).stdout
    c1 = cpu(proc.pid)
    n = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        sys.exit(f"{url}: {non2xx.group(1)} answers not 2xx")
    return rps, (c1 - c0) * 1e6 / max(n, 1), ms(*p99.groups())


def table(res, urls, names, gz):
    """Medians per build, and each build's per-round req/s ratio to A."""
    med = statistics.median
    head = ["resource" + (" (gzip)" if gz else "")]
    head += [f"{n} req/s" for n in names] + [f"{n}/A req/s per round" for n in names[1:]]
    head += [f"{n} CPU us/req" for n in names] + [f"{n} p99 ms" for n in names]
    print("| " + " | ".join(head) + " |")
    print("| --- |" + " ---: |" * (len(head) - 1))
    for u in urls:
        row = [f"`{u}`"] + [f"{med(x[0] for x in res[u][n]):,.0f}" for n in names]
        for n in names[1:]:
            ratios = [y[0] / x[0] for x, y in zip(res[u]["A"], res[u][n])]
            row.append(f"{med(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})")
        row += [f"{med(x[1] for x in res[u][n]):,.0f}" for n in names]
        row += [f"{med(x[2] for x in res[u][n]):.2f}" for n in names]
        print("| " + " | ".join(row) + " |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--c", help="a third build (e.g. the branch before B), in the same rounds")
    ap.add_argument("--db")
    for n in ("a", "b", "c"):
        ap.add_argument(f"--{n}-db", help=f"the store build {n.upper()} serves (default --db)")
    ap.add_argument("--url", action="append", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--duration", type=int, default=3)
    ap.add_argument("--gzip", action="store_true")
    ap.add_argument("--connections", type=int, default=4,
                    help="wrk -c (1: one request at a time, for the latency of one answer)")
    args = ap.parse_args()
    names = ["A", "B"] + (["C"] if args.c else [])
    dbs = {n: getattr(args, n.lower() + "_db") or args.db for n in names}
    if None in dbs.values():
        ap.error("give --db, or a store for every build (--a-db, --b-db, --c-db)")
    servers = {n: start(getattr(args, n.lower()), dbs[n]) for n in names}
    res = {u: {n: [] for n in names} for u in args.url}
    try:
        for r in range(args.rounds):
            order = names[r % len(names):] + names[:r % len(names)]  # each first in turn
            for u in args.url:
                for who in order:
                    res[u][who].append(run(*servers[who], u, args.duration, args.gzip,
                                           args.connections))
            print(f"round {r + 1} done, load {os.getloadavg()[0]:.1f}", file=sys.stderr)
    finally:
        for p, _ in servers.values():
            p.kill()
            p.wait()
    table(res, args.url, names, args.gzip)
    return 0


if __name__ == "__main__":
    sys.exit(main())
