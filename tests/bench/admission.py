#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""How large the answer cache's "seen once" window should be (issue #17, round 15).

A simulation of server/cache.c's admission, not a measurement of budgetd: a CLOCK cache of
C equal-sized entries that keeps every answer while it has room and, once full, only an
answer offered a second time while the seen-once table still remembers it (a table of
`window` slots indexed by the answer's hash, overwritten by the next refused answer that
lands there, cleared when its answer gets in). Requests pick among N answers, uniformly
(random.lua's traffic over a region's store) or by a Zipf law (a portal's traffic, where some
disclosures are read far more than others).

Prints, per workload, cache size and window (as a multiple of C): the hit rate, and the
admissions a request (each pushes an entry out: the churn a miss pays for).

    python3 tests/bench/admission.py [--requests 400000] [--answers 200000]
"""
import argparse
import bisect
import collections
import itertools
import random


def uniform(rng, n):
    while True:
        yield rng.randrange(n)


def zipf(rng, n, s):
    cum = list(itertools.accumulate(1 / (i + 1) ** s for i in range(n)))
    order = list(range(n))
    rng.shuffle(order)
    while True:
        yield order[bisect.bisect(cum, rng.random() * cum[-1])]


def simulate(requests, entries, window, n_requests):
    """(hit rate, admissions a request once full) of a cache of `entries` with a seen-once
    table of `window` slots."""
    used = collections.OrderedDict()  # key -> served since the hand passed; oldest first
    seen = [None] * window
    hits = admitted = 0
    for _ in range(n_requests):
        key = next(requests)
        if key in used:
            used[key] = True
            hits += 1
            continue
        if len(used) < entries:
            used[key] = False
            continue
        slot = hash((key, 0x5eed)) % window
        if seen[slot] != key:
            seen[slot] = key  # refused; remembered until overwritten
            continue
        seen[slot] = None
        while True:  # CLOCK: a used entry gets another round, the first unused one goes
            old, was_used = used.popitem(last=False)
            if not was_used:
                break
            used[old] = False
        used[key] = False
        admitted += 1
    return hits / n_requests, admitted / n_requests


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--requests", type=int, default=400000)
    ap.add_argument("--answers", type=int, default=200000)
    ap.add_argument("--entries", type=int, nargs="+", default=[1000, 5000, 20000])
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    workloads = [
        ("uniform", lambda rng: uniform(rng, args.answers)),
        ("zipf 0.9", lambda rng: zipf(rng, args.answers, 0.9)),
        ("zipf 0.7", lambda rng: zipf(rng, args.answers, 0.7)),
    ]
    print("| workload | entries | window | hit rate | admissions a request |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for entries in args.entries:
        for name, make in workloads:
            for times in (0.25, 0.5, 1, 2, 4):
                window = max(1, int(entries * times))
                hit, churn = simulate(make(random.Random(args.seed)), entries, window,
                                      args.requests)
                print(f"| {name} | {entries} | {times:g} C | {hit:.4f} | {churn:.4f} |",
                      flush=True)
        # the window main used whatever the cache held
        for name, make in workloads:
            hit, churn = simulate(make(random.Random(args.seed)), entries, 16384, args.requests)
            print(f"| {name} | {entries} | 16,384 | {hit:.4f} | {churn:.4f} |", flush=True)


if __name__ == "__main__":
    main()
