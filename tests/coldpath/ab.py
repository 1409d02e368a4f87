#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Cold answers of two budgetd builds, interleaved in one run (#17).

    tests/coldpath/ab.py --a OLD/budgetd --b NEW/budgetd --db STORE --url PATH... \
        [--rounds 5] [--duration 3] [--gzip]

Both servers run on CPU 0 (--threads 1 --cache-mb 0 --access-log off), wrk -t1 -c4 on
CPU 1 (-c4 unless --connections). Each round runs wrk on A then B (odd rounds) or B then A (even rounds) for every URL;
CPU time per request is the server's utime + stime (/proc/PID/stat) over the run divided by
the requests answered. Prints a Markdown table: medians of req/s, CPU us/request and p99,
and the median of the per-round ratio B/A. A measurement, not a test.
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--url", action="append", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--duration", type=int, default=3)
    ap.add_argument("--gzip", action="store_true")
    ap.add_argument("--connections", type=int, default=4,
                    help="wrk -c (1: one request at a time, for the latency of one answer)")
    args = ap.parse_args()
    servers = {"A": start(args.a, args.db), "B": start(args.b, args.db)}
    res = {u: {"A": [], "B": []} for u in args.url}
    try:
        for r in range(args.rounds):
            for u in args.url:
                for who in ("AB" if r % 2 == 0 else "BA"):
                    res[u][who].append(run(*servers[who], u, args.duration, args.gzip,
                                             args.connections))
            print(f"round {r + 1} done, load {os.getloadavg()[0]:.1f}", file=sys.stderr)
    finally:
        for p, _ in servers.values():
            p.kill()
            p.wait()
    med = statistics.median
    print(f"| resource{' (gzip)' if args.gzip else ''} | A req/s | B req/s | B/A req/s, per "
          "round: median (min-max) | A CPU us/req | B CPU us/req | A p99 ms | B p99 ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for u in args.url:
        a, b = res[u]["A"], res[u]["B"]
        ratios = [y[0] / x[0] for x, y in zip(a, b)]
        print(f"| `{u}` | {med(x[0] for x in a):,.0f} | {med(x[0] for x in b):,.0f} | "
              f"{med(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f}) | "
              f"{med(x[1] for x in a):,.0f} | {med(x[1] for x in b):,.0f} | "
              f"{med(x[2] for x in a):.2f} | {med(x[2] for x in b):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
