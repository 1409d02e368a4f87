#!/usr/bin/env python3
"""Score an extracted disclosure (import format v2) against a hand-checked expected file.

usage: score.py EXTRACTED.json EXPECTED.json [--json] [-v]

EXTRACTED is what `budgetctl extract` writes (budgetd-disclosure/2): tables[] with position,
type, unit, title, columns[] {key, title, group, side, measure}, rows[] {side, codes, name,
amounts {column key: "decimal"}}.
EXPECTED is tests/extract/expected/*.json (see tests/extract/README.md): tables[] with
position, type, unit, title, columns[] {title, side}, rows[] {side, codes, name, cells[]}.

Matching:
  tables   by position;
  rows     by (side, joined codes (款/项 zero-padded), name with all whitespace removed, occurrence index among
           the rows of the table with that same key); side is ignored for tables whose
           expected columns carry no side;
  columns  by index among the columns of the row's side, in array order (expected column i
           <-> extracted column i of the same side);
  values   as exact decimals after removing thousands separators ("0.00" == "0").

Per table and per file: table found, right type, right unit; cells expected (non-blank
expected cells), exact, missed (expected figure, extractor blank or absent), wrong (both
present, different value, or an extracted value that is not a number), invented (a
non-blank extracted figure where the expected cell is blank, or in a row, column or table
the expected file does not have).

Exit status: 0 when the targets hold (every expected table found with the right type,
>= 99.5% of expected cells exact, 0 invented), 1 otherwise, 2 on a usage or I/O error.
Standard library only.
"""
import json
import re
import sys
from decimal import Decimal, InvalidOperation

TARGET_EXACT = Decimal("99.5")
_WS = re.compile(r"\s+")
_NUM = re.compile(r"^[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")


class UsageError(Exception):
    pass


def blank(v):
    return v is None or (isinstance(v, str) and v.strip() == "")


def to_dec(v):
    """Decimal of a printed figure, or None when it is not a number."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        v = repr(v)
    if not isinstance(v, str):
        return None
    s = v.strip()
    if not _NUM.match(s):
        return None
    try:
        return Decimal(s.replace(",", ""))
    except InvalidOperation:
        return None


def join_codes(c):
    """Canonical joined codes: 类 (3 digits) then 款 and 项 zero-padded to 2 digits.

    Expected files keep the digits as printed; a few tables print a 款 unpadded ("301" "2"
    for 30102), which joins to "3012". The import format wants 3, 5 or 7 digits, so an
    extractor will write "30102" or ["301", "02"]: all of these compare equal here."""
    if c is None:
        return ""
    if isinstance(c, list):
        parts = [_WS.sub("", str(x)) for x in c if str(x).strip() != ""]
        if not parts:
            return ""
        return parts[0] + "".join(x.zfill(2) for x in parts[1:])
    s = _WS.sub("", str(c))
    if s.isdigit() and len(s) in (4, 6):
        s = s[:-1] + "0" + s[-1]
    return s


def norm_name(n):
    return _WS.sub("", n or "")


def row_keys(rows, sided):
    """[(key, row)] with key = (side, codes, name, occurrence)."""
    seen = {}
    out = []
    for r in rows:
        side = r.get("side") if sided else None
        base = (side or "", join_codes(r.get("codes")), norm_name(r.get("name")))
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append((base + (n,), r))
    return out


def cols_of(columns, side, sided):
    if not sided:
        return list(columns)
    return [c for c in columns if (c.get("side") or "") == (side or "")]


def new_counts():
    return {"cells_expected": 0, "exact": 0, "missed": 0, "wrong": 0, "invented": 0}


def add(a, b):
    for k in a:
        a[k] += b[k]


def score_table(exp, ext, details):
    """Counts for one expected table against the extracted table (or None)."""
    pos = exp.get("position")
    res = {
        "position": pos,
        "type": exp.get("type"),
        "found": ext is not None,
        "type_ok": ext is not None and ext.get("type") == exp.get("type"),
        "unit_ok": ext is not None and ext.get("unit") == exp.get("unit"),
        "extracted_type": ext.get("type") if ext else None,
        "extracted_unit": ext.get("unit") if ext else None,
        "rows_expected": len(exp.get("rows", [])),
        "rows_extracted": len(ext.get("rows", [])) if ext else 0,
        "rows_matched": 0,
    }
    c = new_counts()
    ecols = exp.get("columns", [])
    sided = any(col.get("side") for col in ecols)
    xcols_all = (ext.get("columns") or []) if ext else []
    xrows = row_keys((ext.get("rows") or []) if ext else [], sided)
    xmap = {k: r for k, r in xrows}
    matched = set()

    def note(kind, key, col, want, got):
        details.append({"position": pos, "kind": kind, "side": key[0] or None, "codes": key[1],
                        "name": key[2], "occurrence": key[3], "column": col,
                        "expected": want, "extracted": got})

    for key, er in row_keys(exp.get("rows", []), sided):
        side = er.get("side") if sided else None
        ec = cols_of(ecols, side, sided)
        cells = er.get("cells", [])
        xr = xmap.get(key)
        if xr is not None:
            matched.add(key)
            res["rows_matched"] += 1
        xc = cols_of(xcols_all, side, sided) if xr is not None else []
        amounts = (xr.get("amounts") or {}) if xr is not None else {}
        for i in range(max(len(cells), len(xc))):
            want = cells[i] if i < len(cells) else None
            got = None
            if i < len(xc):
                got = amounts.get(xc[i].get("key"))
            if not blank(want):
                c["cells_expected"] += 1
                if blank(got):
                    c["missed"] += 1
                    note("missed", key, i, want, got)
                else:
                    dw, dg = to_dec(want), to_dec(got)
                    if dw is not None and dg is not None and dw == dg:
                        c["exact"] += 1
                    else:
                        c["wrong"] += 1
                        note("wrong", key, i, want, got)
            elif not blank(got):
                c["invented"] += 1
                note("invented", key, i, want, got)
        # amounts under keys that are not columns of this row's side
        if xr is not None:
            keys = {col.get("key") for col in xc}
            for k, v in amounts.items():
                if k not in keys and not blank(v):
                    c["invented"] += 1
                    note("invented", key, k, None, v)
    for key, xr in xrows:
        if key in matched:
            continue
        for k, v in (xr.get("amounts") or {}).items():
            if not blank(v):
                c["invented"] += 1
                note("invented", key, k, None, v)
        details.append({"position": pos, "kind": "extra_row", "side": key[0] or None,
                        "codes": key[1], "name": key[2], "occurrence": key[3]})
    for key, er in row_keys(exp.get("rows", []), sided):
        if key not in matched:
            details.append({"position": pos, "kind": "missing_row", "side": key[0] or None,
                            "codes": key[1], "name": key[2], "occurrence": key[3]})
    res.update(c)
    return res


def score(extracted, expected):
    """Score two parsed documents; returns a dict (see --json)."""
    if not isinstance(extracted, dict) or not isinstance(extracted.get("tables", []), list):
        raise UsageError("extracted: not a disclosure document (no tables[])")
    if not isinstance(expected, dict) or not isinstance(expected.get("tables"), list):
        raise UsageError("expected: not an expected file (no tables[])")
    xt = {}
    for t in extracted.get("tables", []) or []:
        p = t.get("position", t.get("number"))
        if p not in xt:
            xt[p] = t
    details = []
    tables = []
    total = new_counts()
    for et in expected["tables"]:
        r = score_table(et, xt.get(et.get("position")), details)
        tables.append(r)
        add(total, {k: r[k] for k in total})
    exp_pos = {t.get("position") for t in expected["tables"]}
    extra = []
    for p, t in xt.items():
        if p in exp_pos:
            continue
        n = 0
        for r in t.get("rows", []) or []:
            n += sum(1 for v in (r.get("amounts") or {}).values() if not blank(v))
        extra.append({"position": p, "type": t.get("type"), "invented": n})
        total["invented"] += n
        details.append({"position": p, "kind": "extra_table", "type": t.get("type"), "invented": n})
    ce = total["cells_expected"]
    pct = (Decimal(total["exact"]) * 100 / ce) if ce else Decimal(100)
    typed = sum(1 for t in tables if t["type_ok"])
    units = sum(1 for t in tables if t["unit_ok"])
    ok = typed == len(tables) and pct >= TARGET_EXACT and total["invented"] == 0
    return {
        "file": expected.get("file"),
        "tables_expected": len(tables),
        "tables_typed_right": typed,
        "tables_unit_right": units,
        "extra_tables": extra,
        "exact_percent": float(round(pct, 3)),
        **total,
        "targets_met": ok,
        "tables": tables,
        "details": details,
    }


def load(path, what):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise UsageError("%s: cannot read %s: %s" % (what, path, e))


def yn(b):
    return "yes" if b else "NO"


def report(res, verbose):
    out = []
    out.append("%s: tables typed right %d/%d, unit right %d/%d, cells %d, exact %d (%.2f%%), "
               "missed %d, wrong %d, invented %d -> %s" % (
                   res["file"], res["tables_typed_right"], res["tables_expected"],
                   res["tables_unit_right"], res["tables_expected"], res["cells_expected"],
                   res["exact"], res["exact_percent"], res["missed"], res["wrong"],
                   res["invented"], "targets met" if res["targets_met"] else "TARGETS NOT MET"))
    out.append("%4s %-32s %5s %5s %5s %9s %6s %6s %6s %6s %8s" % (
        "pos", "type", "found", "type", "unit", "rows e/x", "cells", "exact", "missed",
        "wrong", "invented"))
    for t in res["tables"]:
        tp = t["type"]
        if t["found"] and not t["type_ok"]:
            tp += " (got %s)" % t["extracted_type"]
        un = yn(t["unit_ok"])
        if t["found"] and not t["unit_ok"]:
            un = "NO:%s" % t["extracted_unit"]
        out.append("%4s %-32s %5s %5s %5s %9s %6d %6d %6d %6d %8d" % (
            t["position"], tp, yn(t["found"]), yn(t["type_ok"]), un,
            "%d/%d" % (t["rows_expected"], t["rows_extracted"]), t["cells_expected"],
            t["exact"], t["missed"], t["wrong"], t["invented"]))
    for e in res["extra_tables"]:
        out.append("%4s %-32s extra table, %d figures invented" % (e["position"], e["type"], e["invented"]))
    if verbose:
        for d in res["details"]:
            if d["kind"] in ("missed", "wrong", "invented"):
                out.append("  T%s %-8s %s %s %s#%d col %s: expected %s, extracted %s" % (
                    d["position"], d["kind"], d["side"] or "", d["codes"], d["name"],
                    d["occurrence"], d["column"], d["expected"], d["extracted"]))
            elif d["kind"] in ("extra_row", "missing_row"):
                out.append("  T%s %-8s %s %s %s#%d" % (d["position"], d["kind"], d["side"] or "",
                                                      d["codes"], d["name"], d["occurrence"]))
    return "\n".join(out)


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("-")]
    flags = [a for a in argv[1:] if a.startswith("-")]
    if len(args) != 2 or any(f not in ("--json", "-v", "--verbose") for f in flags):
        sys.stderr.write("usage: score.py EXTRACTED.json EXPECTED.json [--json] [-v]\n")
        return 2
    try:
        ext, exp = load(args[0], "extracted"), load(args[1], "expected")
        try:
            res = score(ext, exp)
        except (AttributeError, TypeError, KeyError) as e:
            raise UsageError("malformed document (%s: %s)" % (type(e).__name__, e))
    except UsageError as e:
        sys.stderr.write("score.py: %s\n" % e)
        return 2
    if "--json" in flags:
        json.dump(res, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print(report(res, "-v" in flags or "--verbose" in flags))
    return 0 if res["targets_met"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
