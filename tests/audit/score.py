#!/usr/bin/env python3
"""Score `budgetctl audit --json` against the hand-made labels in tests/audit/labels/.

    python3 tests/audit/score.py [--budgetctl PATH] [--pdf] [--json] [-v] [LABELS.json ...]

For every labels file (default: all of tests/audit/labels/*.json) it runs
`budgetctl audit --json DOCUMENT` on the document's import file (db/data/X.json) and, with
--pdf, also on the PDF (tests/extract/pdf/X.pdf) when the labels name one; the findings of
both runs are pooled (duplicates dropped). Each finding is matched to the labelled errors
and to the "clean" items (see README.md, "Matching"), and it reports per rule family and
overall:

  labelled  errors labelled;      found     labelled errors some finding matches (recall)
  findings  findings reported;    matched   findings that match a labelled error (precision)
  clean     clean items;          flagged   clean items a finding (matching no label) sits on

Labels marked "source": "pdf" are visible only in the PDF (the import file normalises them):
they count only with --pdf, and are listed as skipped otherwise.

Exit 0 when every counted labelled error is found and no clean item is flagged, 1 otherwise,
2 when budgetctl is missing, has no audit command, or cannot audit a document (usage, I/O).
Stdlib only; paths are relative to the repository root (found from this file).
"""

import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FAMILIES = ("table", "cross", "text", "document")


class NoAudit(Exception):
    pass


# ---------------------------------------------------------------- normalisation

def norm(s):
    """Whitespace-insensitive text: all whitespace removed; half-width brackets and
    punctuation mapped to their full-width forms, so （款) == （款）."""
    if s is None:
        return ""
    s = re.sub(r"\s+", "", str(s))
    return s.translate(str.maketrans({"(": "（", ")": "）", ",": "，", ":": "：", ";": "；"}))


def norm_codes(c):
    """Codes as digits, 款/项 zero-padded: "3012" == "30102" == ["301","2"] == ["301","02"]."""
    if c is None:
        return ""
    if isinstance(c, (list, tuple)):
        parts = [str(p) for p in c]
        if not parts:
            return ""
        return parts[0] + "".join(p.zfill(2) for p in parts[1:])
    c = re.sub(r"\s+", "", str(c))
    if not c.isdigit():
        return c
    if len(c) == 4:
        c = c[:3] + "0" + c[3]
    elif len(c) == 6:
        c = c[:5] + "0" + c[5]
    return c


def texts_agree(a, b):
    """Two quotes agree when one contains the other (whitespace-insensitive): a finding
    quotes the printed sentence, a label an exact part of it (or the finding a part of the
    label's). Partial overlaps do not count: sentences of one section share long runs
    ("比2023年预算执行数减少…经费减少"), and a table's note shares its title's words."""
    a, b = norm(a), norm(b)
    return bool(a) and bool(b) and (a in b or b in a)


NUMBERING = re.compile(r"^(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+[.、．])")


def section_norm(t):
    t = norm(t)
    while True:
        m = NUMBERING.match(t)
        if not m or not m.group(0):
            return t
        t = t[m.end():]


def titles_agree(a, b):
    """Section titles agree when equal once whitespace and their numbering (一、 （三） 2.)
    are removed: "收入支出决算总体情况说明" is not "财政拨款收入支出决算总体情况说明"."""
    a, b = section_norm(a), section_norm(b)
    return bool(a) and a == b


# ---------------------------------------------------------------- places

def label_places(item):
    """The places a label or clean item accepts: its `where` (+ its page), plus each
    entry of `also` (alternative places of the same inconsistency)."""
    base = dict(item.get("where") or {})
    if item.get("page") is not None and "page" not in base:
        base["page"] = item["page"]
    places = [base]
    for alt in item.get("also") or []:
        places.append(dict(alt))
    return places


def finding_place(f):
    p = f.get("place") or {}
    t = p.get("table") or {}
    r = p.get("row") or {}
    s = p.get("section") or {}
    return {
        "table_position": t.get("position"),
        "table_type": t.get("type"),
        "row_codes": r.get("codes"),
        "row_name": r.get("name"),
        "section_title": s.get("title"),
        "quote": p.get("quote"),
        "page": p.get("page") if p.get("page") is not None else
        ((p.get("box") or [None])[0] if p.get("box") else None),
    }


def place_agrees(lab, fp):
    """Does a finding's place agree with one labelled place (see README "Matching")?"""
    # page: only when both give one
    if lab.get("page") is not None and fp["page"] is not None and int(lab["page"]) != int(fp["page"]):
        return False
    has_table = lab.get("table_position") is not None or lab.get("table_type")
    has_row = lab.get("row_codes") or lab.get("row_name")
    has_text = lab.get("quote") or lab.get("section_title")
    if has_table:
        pos_ok = (lab.get("table_position") is not None and fp["table_position"] is not None
                  and int(lab["table_position"]) == int(fp["table_position"]))
        type_ok = bool(lab.get("table_type")) and lab.get("table_type") == fp["table_type"]
        if not (pos_ok or type_ok):
            # a text/document label naming a table may still be reported at its quote
            if not (has_text and lab.get("quote") and fp["quote"]
                    and texts_agree(lab["quote"], fp["quote"])):
                return False
    if has_row:
        ok = False
        if lab.get("row_codes") and fp["row_codes"]:
            ok = norm_codes(lab["row_codes"]) == norm_codes(fp["row_codes"])
        elif lab.get("row_name") and fp["row_name"]:
            ok = norm(lab["row_name"]) == norm(fp["row_name"])
        if not ok:
            return False
    if has_text and not has_table:
        compared = False
        if lab.get("section_title") and fp["section_title"]:
            if not titles_agree(lab["section_title"], fp["section_title"]):
                return False
            compared = True
        if lab.get("quote") and fp["quote"]:
            if not texts_agree(lab["quote"], fp["quote"]):
                return False
            compared = True
        return compared  # a text label needs the finding to name its sentence or section
    if has_text and has_table and lab.get("quote") and fp["quote"]:
        return texts_agree(lab["quote"], fp["quote"])
    if not has_table and not has_row and not has_text:
        return False  # a label with no place matches nothing
    return True


def matches(item, finding):
    if finding.get("family") != item.get("family"):
        return False
    fp = finding_place(finding)
    return any(place_agrees(p, fp) for p in label_places(item))


# ---------------------------------------------------------------- running budgetctl

def run_audit(ctl, path):
    try:
        cp = subprocess.run([ctl, "audit", "--json", path], capture_output=True, timeout=120)
    except FileNotFoundError:
        raise NoAudit("%s not found (build first, or pass --budgetctl)" % ctl)
    except PermissionError:
        raise NoAudit("%s is not executable" % ctl)
    except subprocess.TimeoutExpired:
        raise NoAudit("budgetctl audit %s took over 120 s" % path)
    err = cp.stderr.decode("utf-8", "replace")
    if cp.returncode == 64 and "unknown command" in err:
        raise NoAudit("%s has no audit command" % ctl)
    if cp.returncode not in (0, 1):
        raise NoAudit("budgetctl audit --json %s: exit %d: %s" % (path, cp.returncode, err.strip()[:300]))
    try:
        out = json.loads(cp.stdout.decode("utf-8"))
    except ValueError as e:
        raise NoAudit("budgetctl audit --json %s: output is not JSON (%s)" % (path, e))
    if not isinstance(out, list) or not all(isinstance(f, dict) for f in out):
        raise NoAudit("budgetctl audit --json %s: output is not an array of findings" % path)
    return out


def finding_key(f):
    p = finding_place(f)
    col = ((f.get("place") or {}).get("column") or {}).get("key")
    return json.dumps([f.get("rule"), p["table_position"], norm_codes(p["row_codes"]),
                       norm(p["row_name"]), col, norm(p["section_title"]), norm(p["quote"]),
                       f.get("expected"), f.get("actual")], ensure_ascii=False)


# ---------------------------------------------------------------- scoring

def score_document(labels, findings, use_pdf):
    errors = [e for e in labels.get("errors", []) if use_pdf or e.get("source") != "pdf"]
    skipped = [e for e in labels.get("errors", []) if not use_pdf and e.get("source") == "pdf"]
    clean = labels.get("clean", [])
    res = {"document": labels["document"], "errors": [], "findings": [], "clean": [],
           "skipped": [e["id"] for e in skipped]}
    for e in errors:
        hits = [i for i, f in enumerate(findings) if matches(e, f)]
        res["errors"].append({"id": e["id"], "family": e["family"], "page": e.get("page"),
                              "found": bool(hits), "by": hits})
    for i, f in enumerate(findings):
        lab = [e["id"] for e in errors if matches(e, f)]
        on_clean = [] if lab else [c.get("what", "")[:80] for c in clean if matches(c, f)]
        res["findings"].append({"index": i, "rule": f.get("rule"), "family": f.get("family"),
                                "matched": lab, "on_clean": on_clean,
                                "message": f.get("message_zh") or f.get("message_en") or ""})
    for c in clean:
        hits = [i for i, f in enumerate(findings)
                if matches(c, f) and not any(matches(e, f) for e in errors)]
        res["clean"].append({"family": c["family"], "what": c.get("what", ""), "flagged": bool(hits), "by": hits})
    return res


def totals(docs):
    fam = {k: {"labelled": 0, "found": 0, "findings": 0, "matched": 0, "clean": 0, "flagged": 0}
           for k in FAMILIES + ("other", "all")}
    for d in docs:
        for e in d["errors"]:
            for k in (e["family"] if e["family"] in fam else "other", "all"):
                fam[k]["labelled"] += 1
                fam[k]["found"] += e["found"]
        for f in d["findings"]:
            for k in (f["family"] if f["family"] in FAMILIES else "other", "all"):
                fam[k]["findings"] += 1
                fam[k]["matched"] += bool(f["matched"])
        for c in d["clean"]:
            for k in (c["family"] if c["family"] in fam else "other", "all"):
                fam[k]["clean"] += 1
                fam[k]["flagged"] += c["flagged"]
    for v in fam.values():
        v["recall"] = round(v["found"] / v["labelled"], 4) if v["labelled"] else None
        v["precision"] = round(v["matched"] / v["findings"], 4) if v["findings"] else None
    if not fam["other"]["labelled"] and not fam["other"]["findings"] and not fam["other"]["clean"]:
        del fam["other"]
    return fam


def load_labels(paths):
    out = []
    for p in paths:
        with open(p, encoding="utf-8") as fh:
            lab = json.load(fh)
        for k in ("document", "errors", "clean"):
            if k not in lab:
                raise ValueError("%s: no %r" % (p, k))
        out.append((p, lab))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description="precision and recall of budgetctl audit per rule family")
    ap.add_argument("--budgetctl", default=os.environ.get("BUDGETCTL", os.path.join(ROOT, "build/server/budgetctl")))
    ap.add_argument("--pdf", action="store_true", help="also audit the PDF of each labelled document")
    ap.add_argument("--json", action="store_true", help="print everything as JSON")
    ap.add_argument("-v", "--verbose", action="store_true", help="list missed labels, unmatched findings, flagged clean items")
    ap.add_argument("labels", nargs="*", help="labels files (default: tests/audit/labels/*.json)")
    a = ap.parse_args(argv)

    paths = a.labels or sorted(os.path.join(HERE, "labels", f)
                               for f in os.listdir(os.path.join(HERE, "labels")) if f.endswith(".json"))
    try:
        labelled = load_labels(paths)
    except (OSError, ValueError) as e:
        print("score: %s" % e, file=sys.stderr)
        return 2

    docs = []
    try:
        for p, lab in labelled:
            findings = run_audit(a.budgetctl, os.path.join(ROOT, lab["document"]))
            if a.pdf and lab.get("pdf"):
                seen = {finding_key(f) for f in findings}
                for f in run_audit(a.budgetctl, os.path.join(ROOT, lab["pdf"])):
                    k = finding_key(f)
                    if k not in seen:
                        seen.add(k)
                        findings.append(f)
            docs.append(score_document(lab, findings, a.pdf))
    except NoAudit as e:
        print("score: %s" % e, file=sys.stderr)
        return 2

    fam = totals(docs)
    ok = fam["all"]["found"] == fam["all"]["labelled"] and fam["all"]["flagged"] == 0
    if a.json:
        print(json.dumps({"ok": ok, "families": fam, "documents": docs}, ensure_ascii=False, indent=2))
        return 0 if ok else 1

    pct = lambda x: "   -  " if x is None else "%5.1f%%" % (100 * x)
    print("%-9s %8s %6s %7s %8s %7s %9s %6s %7s" % ("family", "labelled", "found", "recall",
                                                  "findings", "matched", "precision", "clean", "flagged"))
    for k, v in fam.items():
        print("%-9s %8d %6d %7s %8d %7d %9s %6d %7d" % (k, v["labelled"], v["found"], pct(v["recall"]),
                                                     v["findings"], v["matched"], pct(v["precision"]),
                                                     v["clean"], v["flagged"]))
    for d in docs:
        miss = [e["id"] for e in d["errors"] if not e["found"]]
        extra = [f for f in d["findings"] if not f["matched"]]
        flagged = [c for c in d["clean"] if c["flagged"]]
        print("%s: %d/%d found, %d finding(s) matching no label, %d clean item(s) flagged%s" % (
            d["document"], len(d["errors"]) - len(miss), len(d["errors"]), len(extra), len(flagged),
            ("; skipped (needs --pdf): " + ", ".join(d["skipped"])) if d["skipped"] else ""))
        if a.verbose:
            for m in miss:
                print("  missed  %s" % m)
            for f in extra:
                print("  extra   %s %s %s%s" % (f["rule"], f["family"], f["message"],
                                                ("  [on clean: %s]" % f["on_clean"][0]) if f["on_clean"] else ""))
            for c in flagged:
                print("  flagged %s (by finding %s)" % (c["what"], c["by"]))
    why = []
    if fam["all"]["found"] < fam["all"]["labelled"]:
        why.append("%d labelled error(s) not found" % (fam["all"]["labelled"] - fam["all"]["found"]))
    if fam["all"]["flagged"]:
        why.append("%d clean item(s) flagged" % fam["all"]["flagged"])
    print("OK" if ok else "FAIL: " + "; ".join(why))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
