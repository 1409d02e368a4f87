#!/usr/bin/env python3
"""Self-test of tests/audit/score.py, without the rules engine.

    python3 tests/audit/check_score.py

A stand-in budgetctl (a small Python script written to a temporary directory) answers
`budgetctl audit --json FILE` with a finding list this test chose for FILE (from a JSON map
in $FAKE_FINDINGS: file basename -> findings array, or {"exit": N, "stderr": "..."}).
Each case runs score.py on the real labels with such a stand-in and asserts its exit code
and counts. Stdlib only.
"""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCORE = os.path.join(HERE, "score.py")
LABELS = os.path.join(HERE, "labels")

FAKE = r'''#!/usr/bin/env python3
import json, os, sys
if len(sys.argv) < 2 or sys.argv[1] != "audit":
    sys.stderr.write('budgetctl: unknown command "%s"\n' % (sys.argv[1] if len(sys.argv) > 1 else ""))
    sys.exit(64)
if os.environ.get("FAKE_NO_AUDIT"):
    sys.stderr.write('budgetctl: unknown command "audit"\n\nUsage: ...\n')
    sys.exit(64)
m = json.load(open(os.environ["FAKE_FINDINGS"]))
name = os.path.basename(sys.argv[-1])
v = m.get(name, [])
if isinstance(v, dict):
    sys.stderr.write(v.get("stderr", ""))
    sys.exit(v["exit"])
print(json.dumps(v, ensure_ascii=False))
sys.exit(1 if v else 0)
'''

failures = 0


def check(what, cond):
    global failures
    if not cond:
        failures += 1
        print("FAIL: %s" % what)
    else:
        print("ok   %s" % what)


def labels():
    out = {}
    for f in sorted(os.listdir(LABELS)):
        if f.endswith(".json"):
            with open(os.path.join(LABELS, f), encoding="utf-8") as fh:
                out[f[:-5]] = json.load(fh)
    return out


def finding_for(item, family=None, quote_only=False, page=True):
    """A finding placed exactly where a label (or clean item) says, as the engine would."""
    w = item["where"]
    place = {}
    if not quote_only and (w.get("table_position") is not None or w.get("table_type")):
        place["table"] = {"position": w.get("table_position"), "type": w.get("table_type")}
    if not quote_only and (w.get("row_codes") or w.get("row_name")):
        place["row"] = {"index": 0}
        if w.get("row_codes"):
            place["row"]["codes"] = w["row_codes"]
        if w.get("row_name"):
            place["row"]["name"] = w["row_name"]
    if w.get("section_title"):
        place["section"] = {"index": 0, "title": w["section_title"]}
    if w.get("quote"):
        place["quote"] = w["quote"]
    if page and item.get("page"):
        place["page"] = item["page"]
    f = {"rule": "X01", "family": family or item["family"], "severity": "error",
         "message_zh": "fake: " + (item.get("id") or item.get("what", ""))[:40], "place": place}
    if item.get("expected") is not None:
        f["expected"] = item["expected"]
    if item.get("actual") is not None:
        f["actual"] = item["actual"]
    return f


def perfect(labs, pdf=False):
    """Map document basename -> findings that hit every labelled error once."""
    m = {}
    for name, lab in labs.items():
        doc = os.path.basename(lab["document"])
        m[doc] = [finding_for(e) for e in lab["errors"] if e.get("source") != "pdf"]
        if pdf and lab.get("pdf"):
            m[os.path.basename(lab["pdf"])] = [finding_for(e) for e in lab["errors"]]
    return m


def run(findings, *args, env_extra=None):
    with tempfile.TemporaryDirectory() as d:
        ctl = os.path.join(d, "budgetctl")
        with open(ctl, "w") as fh:
            fh.write(FAKE)
        os.chmod(ctl, 0o755)
        fj = os.path.join(d, "findings.json")
        with open(fj, "w", encoding="utf-8") as fh:
            json.dump(findings, fh, ensure_ascii=False)
        env = dict(os.environ, FAKE_FINDINGS=fj)
        env.update(env_extra or {})
        cp = subprocess.run([sys.executable, SCORE, "--budgetctl", ctl, "--json"] + list(args),
                            capture_output=True, env=env)
        out = None
        if cp.stdout.strip():
            try:
                out = json.loads(cp.stdout.decode("utf-8"))
            except ValueError:
                out = None
        return cp.returncode, out, cp.stderr.decode("utf-8", "replace")


def fam(out, k="all"):
    return out["families"][k]


def main():
    labs = labels()
    n_json = sum(1 for l in labs.values() for e in l["errors"] if e.get("source") != "pdf")
    n_all = sum(len(l["errors"]) for l in labs.values())
    n_clean = sum(len(l["clean"]) for l in labs.values())
    check("labels present (%d errors, %d without the PDF, %d clean)" % (n_all, n_json, n_clean),
          n_all > 0 and n_clean > 0)

    # 1. every label hit exactly once, nothing else
    rc, out, err = run(perfect(labs))
    check("perfect findings: exit 0", rc == 0)
    check("perfect findings: recall 100%%, precision 100%%, 0 flagged",
          out and fam(out)["labelled"] == n_json and fam(out)["found"] == n_json
          and fam(out)["findings"] == n_json and fam(out)["matched"] == n_json and fam(out)["flagged"] == 0)
    check("perfect findings: pdf-only labels skipped without --pdf",
          out and sum(len(d["skipped"]) for d in out["documents"]) == n_all - n_json)

    # 2. with --pdf the PDF run's findings are pooled, duplicates dropped
    rc, out, err = run(perfect(labs, pdf=True), "--pdf")
    check("--pdf: exit 0, all %d labels found, duplicates of the JSON run dropped" % n_all,
          rc == 0 and out and fam(out)["labelled"] == n_all and fam(out)["found"] == n_all
          and fam(out)["findings"] == n_all)

    # 3. no findings at all: recall 0, exit 1
    rc, out, err = run({})
    check("no findings: exit 1, found 0, findings 0, precision undefined",
          rc == 1 and out and fam(out)["found"] == 0 and fam(out)["findings"] == 0 and fam(out)["precision"] is None)

    # 4. one label missed -> found-1, exit 1
    m = perfect(labs)
    cpc = "putuo-cpc-social-work-2024-final-dept.json"
    dropped = m[cpc].pop(0)
    rc, out, err = run(m)
    check("one finding dropped (%s): found = labelled - 1, exit 1" % dropped["message_zh"],
          rc == 1 and fam(out)["found"] == n_json - 1 and fam(out)["matched"] == n_json - 1
          and fam(out, "table")["found"] == fam(out, "table")["labelled"] - 1)

    # 5. a spurious finding nowhere near a label: precision drops, recall stays, exit 0
    m = perfect(labs)
    m[cpc].append({"rule": "T99", "family": "table", "severity": "error",
                   "place": {"table": {"position": 2, "type": "final_income"}, "row": {"codes": "208", "name": "社会保障和就业支出"}},
                   "expected": "1", "actual": "2"})
    rc, out, err = run(m)
    check("spurious finding: findings +1, matched unchanged, recall 100%, exit 0 (no clean item there)",
          rc == 0 and fam(out)["findings"] == n_json + 1 and fam(out)["matched"] == n_json
          and fam(out)["found"] == n_json and fam(out, "table")["precision"] < 1)

    # 6. a finding on each clean item: every clean item flagged, exit 1
    m = perfect(labs)
    for name, lab in labs.items():
        m[os.path.basename(lab["document"])] += [finding_for(c) for c in lab["clean"]]
    rc, out, err = run(m)
    check("a finding on every clean item: flagged = %d, exit 1" % n_clean,
          rc == 1 and fam(out)["flagged"] == n_clean and fam(out)["found"] == n_json)

    # 7. the Kashgar non-error: 178.18 vs 118.18 reported -> flagged
    m = perfect(labs)
    kd = "kashi-urumqi-office-2021-budget.json"
    m[kd].append({"rule": "X05", "family": "text", "severity": "warning",
                  "place": {"section": {"index": 6, "title": "一般公共预算当年拨款具体使用情况"},
                            "quote": "1.一般公共服务支出（类）政府办公厅（室）及相关机构事务（款）其他政府办公厅（室）及相关机构事务支出（项）：2021年预算数为355.86万元，比上年预算增加178.18万元，增长100.28%，主要原因是：增加了项目支出。"},
                  "expected": "118.18", "actual": "178.18"})
    rc, out, err = run(m)
    kdoc = [d for d in out["documents"] if d["document"].endswith(kd)][0] if out else None
    check("Kashgar 178.18 vs 118.18 reported: that clean item flagged, exit 1",
          rc == 1 and kdoc and sum(c["flagged"] for c in kdoc["clean"]) == 1
          and "178.18" in [c for c in kdoc["clean"] if c["flagged"]][0]["what"])

    # 8. matching details
    lab_cpc1 = labs["putuo-cpc-social-work-2024-final-dept"]["errors"][0]
    variants = {
        "codes as a list [\"302\"] and name with spaces": dict(row={"codes": ["302"], "name": "商品和 服务支出"}),
        "type only, no position": dict(table={"type": "final_general_basic"}),
        "position only, no type": dict(table={"position": 6}),
        "no page": dict(page=None),
    }
    for what, change in variants.items():
        f = finding_for(lab_cpc1)
        for k, v in change.items():
            if v is None:
                f["place"].pop(k, None)
            else:
                f["place"][k] = v
        m = perfect(labs)
        m[cpc][0] = f
        rc, out, err = run(m)
        check("match: %s -> found" % what, rc == 0 and fam(out)["found"] == n_json)
    wrong = {
        "other family (cross)": lambda f: f.__setitem__("family", "cross"),
        "other row (301)": lambda f: f["place"].__setitem__("row", {"codes": "301", "name": "工资福利支出"}),
        "other table (position 5, type final_general_function)": lambda f: f["place"].__setitem__("table", {"position": 5, "type": "final_general_function"}),
        "other page (14)": lambda f: f["place"].__setitem__("page", 14),
        "no row given": lambda f: f["place"].pop("row"),
    }
    for what, mut in wrong.items():
        f = finding_for(lab_cpc1)
        mut(f)
        m = perfect(labs)
        m[cpc][0] = f
        rc, out, err = run(m)
        check("no match: %s -> missed, finding unmatched, exit 1" % what,
              rc == 1 and fam(out)["found"] == n_json - 1 and fam(out)["matched"] == n_json - 1)

    # padded codes: wanli's 款 printed "2" (label 30102) found by a PDF finding with codes "3012"
    wl = labs["putuo-wanli-subdistrict-2024-budget-dept"]
    w3 = [e for e in wl["errors"] if e["id"] == "wanli-3"][0]
    f = finding_for(w3)
    f["place"]["row"]["codes"] = "3012"
    m = perfect(labs, pdf=True)
    wd = os.path.basename(wl["document"])
    m[wd] = [x for x in m[wd] if not x["message_zh"].endswith("wanli-3")]  # only the PDF's
    m[os.path.basename(wl["pdf"])] = [f]
    rc, out, err = run(m, "--pdf")
    check("codes \"3012\" == \"30102\" (款 zero-padded)", rc == 0 and fam(out)["found"] == n_all)

    # text labels: the finding quotes the whole printed sentence; or only names the section
    w4 = [e for e in wl["errors"] if e["id"] == "wanli-4"][0]
    f = finding_for(w4)
    f["place"]["quote"] = ("31.“住房保障支出（类）住房改革支出（款）住房公积金（项）”350.35万元，主要用于住房公积金。"
                           "2023年当年预算执行数为 348.52万元，2024年预算安排352.67万元，比2023年预算执行数增加0.53%。")
    m = perfect(labs)
    wd = os.path.basename(wl["document"])
    m[wd] = [f if x["message_zh"].endswith("wanli-4") else x for x in m[wd]]
    rc, out, err = run(m)
    check("text: a longer quote (with line-break spaces) containing the label's quote -> found",
          rc == 0 and fam(out)["found"] == n_json)
    f = finding_for(w4)
    f["place"]["quote"] = "2024年预算安排320.17万元"   # item 32's sentence, not item 31's
    m[wd] = [f if x["message_zh"].endswith("wanli-4") else x for x in perfect(labs)[wd]]
    rc, out, err = run(m)
    check("text: another sentence of the same section -> not found", rc == 1 and fam(out)["found"] == n_json - 1)

    # sentences of one section share long runs: item 2's whole sentence is not item 4's label
    w5 = [e for e in wl["errors"] if e["id"] == "wanli-5"][0]
    f = finding_for(w5)
    f["place"]["quote"] = ("2023年当年预算执行数为45.41万元，2024年预算安排42.60万元，比2023年预算执行数减少6.19%。"
                           "主要原因是：群众团体事务一般行政管理事务经费减少。")
    m = perfect(labs)
    m[wd] = [f if x["message_zh"].endswith("wanli-5") else x for x in m[wd]]
    rc, out, err = run(m)
    check("text: a sibling sentence sharing 比2023年预算执行数减少 -> not found", rc == 1 and fam(out)["found"] == n_json - 1)

    # a table's note shares words with its title: the note finding (wanli-1) is not the title label (wanli-2)
    w1 = [e for e in wl["errors"] if e["id"] == "wanli-1"][0]
    m = perfect(labs)
    m[wd] = [x for x in m[wd] if not x["message_zh"].endswith("wanli-2")]
    rc, out, err = run(m)
    check("document: the 表9 note's finding does not find the title-year label (wanli-2)",
          rc == 1 and [e["id"] for d in out["documents"] for e in d["errors"] if not e["found"]] == ["wanli-2"])

    # the section tells apart quotes that contain one another (cpc-7 is part of cpc-8's text)
    cp7 = [e for e in labs["putuo-cpc-social-work-2024-final-dept"]["errors"] if e["id"] == "cpc-7"][0]
    cp8 = [e for e in labs["putuo-cpc-social-work-2024-final-dept"]["errors"] if e["id"] == "cpc-8"][0]
    m = perfect(labs)
    m[cpc] = [x for x in m[cpc] if not x["message_zh"].endswith("cpc-7")]
    rc, out, err = run(m)
    check("text: cpc-8's finding (section 财政拨款收入支出决算总体情况说明) does not find cpc-7",
          rc == 1 and [e["id"] for d in out["documents"] for e in d["errors"] if not e["found"]] == ["cpc-7"])
    f = finding_for(cp7)
    f["place"]["section"]["title"] = "一、" + cp7["where"]["section_title"]
    m[cpc].append(f)
    rc, out, err = run(m)
    check("text: section title with its numbering 一、 -> found", rc == 0 and fam(out)["found"] == n_json)

    # cross label with alternative places: cpc-2 reported at 表3 合计 (page 8)
    c2 = [e for e in labs["putuo-cpc-social-work-2024-final-dept"]["errors"] if e["id"] == "cpc-2"][0]
    f = {"rule": "C03", "family": "cross", "place": {"table": {"position": 3, "type": "final_expenditure"},
                                                     "row": {"index": 0, "name": "合计"}, "page": 8}}
    m = perfect(labs)
    m[cpc] = [f if x["message_zh"].endswith("cpc-2") else x for x in m[cpc]]
    rc, out, err = run(m)
    check("cross: cpc-2 found at its alternative place (表3 合计, p8)", rc == 0 and fam(out)["found"] == n_json)

    # two findings on one label: both count as matched
    m = perfect(labs)
    m[cpc].append(finding_for(lab_cpc1))
    rc, out, err = run(m)
    check("two findings on one label: findings +1, matched +1", rc == 0 and fam(out)["matched"] == n_json + 1)

    # 9. exit 2: no audit command, missing budgetctl, engine failure
    rc, out, err = run({}, env_extra={"FAKE_NO_AUDIT": "1"})
    check("no audit command: exit 2 with a message", rc == 2 and "no audit command" in err)
    cp = subprocess.run([sys.executable, SCORE, "--budgetctl", "/nonexistent/budgetctl"], capture_output=True)
    check("budgetctl missing: exit 2", cp.returncode == 2 and b"not found" in cp.stderr)
    rc, out, err = run({cpc: {"exit": 65, "stderr": "bad input"}})
    check("audit exits 65 on a document: exit 2", rc == 2 and "exit 65" in err)

    # 10. readable output
    with tempfile.TemporaryDirectory() as d:
        ctl = os.path.join(d, "budgetctl")
        open(ctl, "w").write(FAKE)
        os.chmod(ctl, 0o755)
        fj = os.path.join(d, "f.json")
        json.dump(perfect(labs), open(fj, "w"), ensure_ascii=False)
        cp = subprocess.run([sys.executable, SCORE, "--budgetctl", ctl, "-v"], capture_output=True,
                            env=dict(os.environ, FAKE_FINDINGS=fj))
        txt = cp.stdout.decode("utf-8")
        check("readable output: a line per family and OK", cp.returncode == 0 and txt.rstrip().endswith("OK")
              and all(("\n%s " % k) in "\n" + txt for k in ("table", "cross", "text", "document", "all")))

    print("%d failure(s)" % failures if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
