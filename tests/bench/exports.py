#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Per-request cost of the bulk and standard formats of issue #14 on a store of generated
# departments (tests/bench/gen.py): one client in sequence, ROUNDS rounds over random
# departments and years, the representations in random order within each round; p50 and p99
# in ms, and the p50 as a ratio to the table's JSON taken in the same run (BENCHMARKS.md).
#
#   budgetd --db bench.sqlite --port 18932 --cache-mb 0 --access-log off &
#   tests/bench/exports.py 18932 300
#
# The store-wide long CSV's import-time cost is read off the files' modification times after
# `budgetctl import --fresh --db bench.sqlite FILE...`: the store's, the snapshot's and the
# long CSV's (each renamed into place when its stage ends).
port = int(sys.argv[1]); n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
random.seed(1)
c = http.client.HTTPConnection('127.0.0.1', port)
c.request('GET', '/api/v1/departments?limit=500'); ids = [d['id'] for d in json.loads(c.getresponse().read())['items']]
reps = {
 'table 3 JSON (baseline)': '/tables/3',
 'table 3 CSV': '/tables/3?format=csv',
 'amounts.csv (disclosure)': '/amounts.csv',
 'datapackage.json (disclosure)': '/datapackage.json',
 'table 3 XLSX': '/tables/3?format=xlsx',
 'all tables XLSX': '/tables?format=xlsx',
}
samples = {k: [] for k in reps}; sizes = {}
for i in range(n):
    dept = random.choice(ids); year = 2017 + random.randrange(5)  # gen.py --years 5: 2017..2021
    base = f'/api/v1/departments/{dept}/budgets/{year}'
    order = list(reps.items()); random.shuffle(order)
    for k, p in order:
        t = time.perf_counter(); c.request('GET', base + p); r = c.getresponse(); b = r.read(); dt = time.perf_counter() - t
        if r.status != 200: print('status', r.status, base + p, b[:200]); sys.exit(1)
        samples[k].append(dt * 1000); sizes[k] = len(b)
base_p50 = sorted(samples['table 3 JSON (baseline)'])[n // 2]
for k, s in samples.items():
    s.sort(); p50 = s[n // 2]; p99 = s[min(n - 1, int(n * 0.99))]
    print(f'| {k} | {sizes[k]:,} | {p50:.2f} | {p99:.2f} | {p50 / base_p50:.1f}x |')
