#!/usr/bin/env python3
"""Self-test of score.py: every expected file scored against itself (converted to import
format v2 as an extractor would write it) must give 100% exact and 0 invented; mutated copies
must move the counts by exactly the mutation. Exit 0 when all checks pass, 1 otherwise.

usage: python3 tests/extract/check_score.py [EXPECTED.json ...]   (default: tests/extract/expected/*.json)
"""
import copy
import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import score  # noqa: E402

failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("  FAIL:", what)


def to_v2(exp, split_codes=False, strip_commas=False):
    """An import-format-v2 document holding exactly the expected figures."""
    doc = {"format": "budgetd-disclosure/2", "kind": exp.get("kind"), "level": exp.get("level"),
           "year": exp.get("year"), "tables": []}
    for t in exp["tables"]:
        cols = []
        for i, c in enumerate(t["columns"]):
            col = {"key": "c%d" % (i + 1), "title": c["title"]}
            if c.get("side"):
                col["side"] = c["side"]
            cols.append(col)
        rows = []
        for r in t["rows"]:
            side = r.get("side")
            mine = [c for c in cols if c.get("side") == side] if side else cols
            row = {"name": r["name"], "amounts": {}}
            if side:
                row["side"] = side
            if r.get("codes"):
                c = r["codes"]
                if split_codes and len(c) in (3, 5, 7):
                    row["codes"] = [c[0:3], c[3:5], c[5:7]][: (len(c) - 1) // 2]
                else:
                    row["codes"] = c
            for col, v in zip(mine, r["cells"]):
                if v is not None:
                    row["amounts"][col["key"]] = v.replace(",", "") if strip_commas else v
            rows.append(row)
        doc["tables"].append({"position": t["position"], "type": t["type"], "unit": t["unit"],
                              "title": t["title"], "columns": cols, "rows": rows})
    return doc


def cells(t):
    """[(row index, column index, value)] of an expected table."""
    return [(ri, ci, v) for ri, r in enumerate(t["rows"]) for ci, v in enumerate(r["cells"])]


def counts(res):
    return {k: res[k] for k in ("cells_expected", "exact", "missed", "wrong", "invented")}


def self_test(path):
    exp = json.load(open(path, encoding="utf-8"))
    name = os.path.basename(path)
    print(name)
    # 1. identical (joined codes, and split codes without thousands separators)
    for variant in ({}, {"split_codes": True, "strip_commas": True}):
        res = score.score(to_v2(exp, **variant), exp)
        check(res["exact"] == res["cells_expected"] and res["cells_expected"] > 0,
              "self %s: exact %d of %d" % (variant, res["exact"], res["cells_expected"]))
        check(res["missed"] == res["wrong"] == res["invented"] == 0, "self %s: %s" % (variant, counts(res)))
        check(res["tables_typed_right"] == len(exp["tables"]) == res["tables_unit_right"], "self: types/units")
        check(res["targets_met"], "self %s: targets not met" % variant)
    base = counts(score.score(to_v2(exp), exp))
    # pick a filled cell and a blank cell of a table with a blank
    filled = [(t, ri, ci, v) for t in exp["tables"] for ri, ci, v in cells(t) if v is not None]
    blanks = [(t, ri, ci) for t in exp["tables"] for ri, ci, v in cells(t) if v is None]
    check(filled and blanks, "file has both filled and blank cells")
    if not (filled and blanks):
        return
    ti = exp["tables"].index(filled[len(filled) // 2][0])
    _, ri, ci, v = filled[len(filled) // 2]
    _, bri, bci = blanks[len(blanks) // 2]
    bti = exp["tables"].index(blanks[len(blanks) // 2][0])
    _, dri, dci, dv = filled[-1]
    dti = exp["tables"].index(filled[-1][0])

    def mutate(fn):
        e2 = copy.deepcopy(exp)
        fn(e2)
        return counts(score.score(to_v2(e2), exp))

    def setcell(e2, t, r, c, val):
        e2["tables"][t]["rows"][r]["cells"][c] = val

    def bump(val):
        d = score.to_dec(val) + 1
        return str(d)

    # 2. one value changed
    got = mutate(lambda e2: setcell(e2, ti, ri, ci, bump(v)))
    want = dict(base, exact=base["exact"] - 1, wrong=1)
    check(got == want, "one value changed: %s, want %s" % (got, want))
    # 3. one cell dropped
    got = mutate(lambda e2: setcell(e2, dti, dri, dci, None))
    want = dict(base, exact=base["exact"] - 1, missed=1)
    check(got == want, "one cell dropped: %s, want %s" % (got, want))
    # 4. one cell added where the expected is blank
    got = mutate(lambda e2: setcell(e2, bti, bri, bci, "1.00"))
    want = dict(base, invented=1)
    check(got == want, "one cell added: %s, want %s" % (got, want))
    # 5. all three at once
    def three(e2):
        setcell(e2, ti, ri, ci, bump(v))
        setcell(e2, dti, dri, dci, None)
        setcell(e2, bti, bri, bci, "1.00")
    got = mutate(three)
    want = dict(base, exact=base["exact"] - 2, wrong=1, missed=1, invented=1)
    check(got == want, "three mutations: %s, want %s" % (got, want))
    # 6b. codes: printed "3012" == "30102" == ["301", "2"] == ["301", "02"]; "3012" != "30112"
    check(score.join_codes("3012") == score.join_codes("30102") == score.join_codes(["301", "2"])
          == score.join_codes(["301", "02"]) != score.join_codes("30112"), "code padding")
    check(score.join_codes(["201", "03", "01"]) == score.join_codes("2010301") == score.join_codes("201 03 01"),
          "split and joined codes")
    # 6. "0.00" equals "0"; "1,000.50" equals "1000.5"
    check(score.to_dec("0.00") == score.to_dec("0") and score.to_dec("1,000.50") == score.to_dec("1000.5"),
          "decimal equality")
    # 7. a row renamed: its figures are missed and invented, nothing else moves
    r0 = exp["tables"][ti]["rows"][ri]
    n = sum(1 for x in r0["cells"] if x is not None)
    got = mutate(lambda e2: e2["tables"][ti]["rows"][ri].__setitem__("name", r0["name"] + "X"))
    want = dict(base, exact=base["exact"] - n, missed=n, invented=n)
    check(got == want, "row renamed: %s, want %s" % (got, want))
    # 8. a table typed wrong: targets fail, counts do not move
    e2 = to_v2(exp)
    e2["tables"][0]["type"] = "other"
    res = score.score(e2, exp)
    check(res["tables_typed_right"] == len(exp["tables"]) - 1 and not res["targets_met"]
          and counts(res) == base, "wrong type")
    # 9. a missing table: its figures are missed
    e2 = to_v2(exp)
    gone = e2["tables"].pop(0)
    m = sum(1 for r in exp["tables"][0]["rows"] for x in r["cells"] if x is not None)
    res = score.score(e2, exp)
    check(counts(res) == dict(base, exact=base["exact"] - m, missed=m) and not res["tables"][0]["found"],
          "missing table: %s" % counts(res))
    # 10. an extra table: all its figures invented
    e2 = to_v2(exp)
    extra = copy.deepcopy(gone)
    extra["position"] = 99
    e2["tables"].append(extra)
    res = score.score(e2, exp)
    check(counts(res) == dict(base, invented=m), "extra table: %s" % counts(res))
    print("  %d cells, %s" % (base["cells_expected"], "ok" if not failures else "FAILURES"))


def main():
    paths = sys.argv[1:] or sorted(glob.glob(os.path.join(HERE, "expected", "*.json")))
    if not paths:
        print("check_score.py: no expected files")
        return 1
    for p in paths:
        self_test(p)
    print("check_score: %s" % ("all passed" if not failures else "%d failures" % failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
