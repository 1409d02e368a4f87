#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Latency of /series and /compare (#14) on a store (the 2,000 x 5 store: budgetctl import
# --fresh --db X.sqlite /work/bench-data/*.json), with the answer cache off (--cache-mb 0) so
# that every request is built from the store: p50/p99 over 300 departments, beside a table
# (/tables/6) measured in the same run as the baseline. A measurement, not a test: exits 0.
#
#   tests/bench/series.py --bin build/server/budgetd --store X.sqlite [--seed 7]
import argparse, http.client, random, socket, subprocess, time

ap = argparse.ArgumentParser()
ap.add_argument('--bin', default='build/server/budgetd')
ap.add_argument('--store', required=True)
ap.add_argument('--departments', type=int, default=2000)
ap.add_argument('--seed', type=int, default=7)
args = ap.parse_args()

s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close()
srv = subprocess.Popen([args.bin, '--port', str(port), '--db', args.store, '--cache-mb', '0',
                        '--access-log', 'off'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(100):
        try:
            socket.create_connection(('127.0.0.1', port), timeout=0.1).close(); break
        except OSError:
            time.sleep(0.05)
    c = http.client.HTTPConnection('127.0.0.1', port)

    def get(u):
        t = time.perf_counter(); c.request('GET', u); r = c.getresponse(); b = r.read()
        assert r.status == 200, (u, r.status, b[:200])
        return (time.perf_counter() - t) * 1000

    random.seed(args.seed)
    depts = [f'dept-{i:05d}' for i in random.sample(range(1, args.departments + 1), 300)]
    measures = ['revenue', 'basic', 'sangong', 'sangong.reception', 'operating_costs', 'row&code=201']
    groups = {
        'table 6 (baseline)': [f'/api/v1/departments/{d}/budgets/2019/tables/6' for d in depts],
        'series, 6 measures': [f'/api/v1/departments/{d}/series?measure={measures[i % 6]}' for i, d in enumerate(depts)],
        'series revenue, CSV': [f'/api/v1/departments/{d}/series?measure=revenue&format=csv' for d in depts],
        'compare 2017 vs 2021': [f'/api/v1/compare?a=/departments/{d}/budgets/2017&b=/departments/{d}/budgets/2021' for d in depts],
        'compare two departments': [f'/api/v1/compare?a=/departments/{d}/budgets/2019&b=/departments/{depts[-1 - i]}/budgets/2019' for i, d in enumerate(depts)],
    }
    base = None
    print('| request | n | p50 ms | p99 ms | p99 / baseline p99 |')
    print('| --- | ---: | ---: | ---: | ---: |')
    for name, urls in groups.items():
        for u in urls[:20]:
            get(u)  # the page cache warm, as for every group
        ts = sorted(get(u) for u in urls)
        p50, p99 = ts[len(ts) // 2], ts[int(len(ts) * 0.99) - 1]
        base = base or p99
        print(f'| {name} | {len(ts)} | {p50:.2f} | {p99:.2f} | {p99 / base:.1f}x |', flush=True)
finally:
    srv.terminate(); srv.wait()
