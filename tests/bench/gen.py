#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Scale dataset for the budgetd benchmark.

    gen.py --departments N --years Y --out DIR [--seed S] [--from FILE]

Writes N*Y import files, one per department x year (kind budget, years ending at 2021), to
DIR as dept-00001-2017-budget.json ... They are derived from the bundled seed disclosure
(db/data/kashi-urumqi-office-2021-budget.json) and keep its structure exactly: the same
tables, rows, projects, explanations and text. What varies:

- the department: id dept-00001..., a name built from lists of real regions and real kinds of
  government units (新疆维吾尔自治区和田地区财政局, 甘肃省酒泉市审计局, ...), its short name
  and region; every occurrence of the seed's name in the text is replaced;
- the year: every year written in the text and the dates move with the disclosure's year;
- the figures: every amount is scaled by a per-department factor (log-uniform, 0.2x..20x),
  a per-year growth and a small per-figure jitter, and written with 2 decimals. Where the
  seed's figures add up (a table row and the rows under it, a total row and the top-level
  rows, 表七 and the projects, a project and its 资金分配, 三公, 政府采购, 不予公开), the
  scaled total is recomputed from the scaled parts within that table or object, and a seed
  figure that is such a total elsewhere takes that recomputed value; so a disclosure stays
  consistent across its tables, text figures and projects (where the seed breaks one figure
  down two ways, as 表三 and 表六 do for 345.08, the two may differ by the jitter).
  Percentages, counts, indicator values and paragraphs (which keep the seed's figures) are
  kept.

Everything is deterministic for a given --seed. Stdlib only; the seed is parsed once and
each file is a join of precomputed JSON pieces, so 10,000 files take a few seconds.
"""

import argparse
import json
import math
import os
import random
import re
import sys
import time
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SEED_FILE = os.path.join(HERE, "..", "..", "db", "data",
                                 "kashi-urumqi-office-2021-budget.json")
LAST_YEAR = 2021

# (full region prefix, short region prefix): prefecture-level regions.
REGIONS = [
    ("新疆维吾尔自治区喀什地区", "喀什地区"),
    ("新疆维吾尔自治区和田地区", "和田地区"),
    ("新疆维吾尔自治区阿克苏地区", "阿克苏地区"),
    ("新疆维吾尔自治区塔城地区", "塔城地区"),
    ("新疆维吾尔自治区阿勒泰地区", "阿勒泰地区"),
    ("新疆维吾尔自治区伊犁哈萨克自治州", "伊犁州"),
    ("新疆维吾尔自治区昌吉回族自治州", "昌吉州"),
    ("新疆维吾尔自治区巴音郭楞蒙古自治州", "巴州"),
    ("新疆维吾尔自治区博尔塔拉蒙古自治州", "博州"),
    ("新疆维吾尔自治区克孜勒苏柯尔克孜自治州", "克州"),
    ("新疆维吾尔自治区哈密市", "哈密市"),
    ("新疆维吾尔自治区吐鲁番市", "吐鲁番市"),
    ("新疆维吾尔自治区克拉玛依市", "克拉玛依市"),
    ("甘肃省兰州市", "兰州市"),
    ("甘肃省酒泉市", "酒泉市"),
    ("甘肃省天水市", "天水市"),
    ("青海省西宁市", "西宁市"),
    ("青海省海西蒙古族藏族自治州", "海西州"),
    ("宁夏回族自治区银川市", "银川市"),
    ("宁夏回族自治区固原市", "固原市"),
    ("内蒙古自治区呼和浩特市", "呼和浩特市"),
    ("内蒙古自治区包头市", "包头市"),
    ("陕西省西安市", "西安市"),
    ("陕西省延安市", "延安市"),
    ("四川省成都市", "成都市"),
    ("四川省绵阳市", "绵阳市"),
    ("四川省凉山彝族自治州", "凉山州"),
    ("云南省昆明市", "昆明市"),
    ("云南省大理白族自治州", "大理州"),
    ("贵州省贵阳市", "贵阳市"),
    ("贵州省遵义市", "遵义市"),
    ("广西壮族自治区南宁市", "南宁市"),
    ("广西壮族自治区桂林市", "桂林市"),
    ("湖南省长沙市", "长沙市"),
    ("湖北省宜昌市", "宜昌市"),
    ("河南省洛阳市", "洛阳市"),
    ("河北省保定市", "保定市"),
    ("山东省潍坊市", "潍坊市"),
    ("山西省大同市", "大同市"),
    ("江西省赣州市", "赣州市"),
    ("安徽省芜湖市", "芜湖市"),
    ("浙江省温州市", "温州市"),
    ("江苏省徐州市", "徐州市"),
    ("福建省泉州市", "泉州市"),
    ("广东省韶关市", "韶关市"),
    ("黑龙江省齐齐哈尔市", "齐齐哈尔市"),
    ("吉林省吉林市", "吉林市"),
    ("辽宁省鞍山市", "鞍山市"),
]

# Units of a prefecture-level government.
UNITS = [
    "财政局", "教育局", "公安局", "民政局", "司法局", "人力资源和社会保障局", "自然资源局",
    "生态环境局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局",
    "文化体育广播电视和旅游局", "卫生健康委员会", "退役军人事务局", "应急管理局", "审计局",
    "市场监督管理局", "统计局", "医疗保障局", "林业和草原局", "发展和改革委员会",
    "工业和信息化局", "科学技术局", "民族宗教事务委员会", "档案馆", "地方志编纂委员会办公室",
    "机关事务管理局", "信访局", "人民政府办公室", "驻乌鲁木齐办事处", "供销合作社联合社",
    "粮食和物资储备局", "乡村振兴局", "人民防空办公室", "政务服务和公共资源交易中心",
    "疾病预防控制中心", "气象局", "地震局", "住房公积金管理中心", "城市管理局",
    "国有资产监督管理委员会", "图书馆", "博物馆", "妇幼保健院", "人民医院", "职业技术学院",
    "广播电视台", "残疾人联合会",
]

ORDINALS = "一二三四五六七八九十"


def chinese_number(n):
    """1..99 in Chinese numerals (第二, 第十二, ...); larger numbers in digits."""
    if n < 1 or n > 99:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return ORDINALS[ones - 1]
    head = "" if tens == 1 else ORDINALS[tens - 1]
    return head + "十" + (ORDINALS[ones - 1] if ones else "")


def department_names(n, rng):
    """n distinct (name, short_name, region) tuples, deterministic for rng."""
    regions = REGIONS[:]
    units = UNITS[:]
    rng.shuffle(regions)
    rng.shuffle(units)
    out = []
    per_round = len(regions) * len(units)
    for i in range(n):
        k, j = divmod(i, per_round)
        region, short_region = regions[j % len(regions)]
        unit = units[(j // len(regions)) % len(units)]
        suffix = "" if k == 0 else "第%s办事处" % chinese_number(k + 1)
        out.append((region + unit + suffix, short_region + unit + suffix, region))
    return out


# Amount fields, by the object they live in (see db/disclosure.schema.json). Percentages
# (share, change_percent), counts, building_area and indicator numbers are not scaled.
SIGNED_KEYS = {"change"}
FIGURE_KEYS = ("amount", "change")
PROJECT_KEYS = ("amount",)
FUNDING_KEYS = ("funding_total", "funding_fiscal", "funding_other")
PROCUREMENT_KEYS = ("amount", "goods", "works", "services", "sme_reserved",
                    "small_micro_reserved")
ASSET_KEYS = ("building_value", "furniture_value", "other_value", "planned_vehicle_purchase")

TOKEN_RE = re.compile(r"@@(NAME|SHORT|REGION|ID|A(\d+)([+-]))@@")
YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)(?=年|-\d\d-\d\d)")


class Template:
    """The seed as JSON pieces: literal text, and slots for names and amounts."""

    def __init__(self, seed_text):
        doc = json.loads(seed_text)
        dep = doc["department"]
        self.seed_year = doc["year"]
        self.seed_text = seed_text
        self.names = [(dep["name"], "@@NAME@@")]
        if dep.get("short_name"):
            self.names.append((dep["short_name"], "@@SHORT@@"))
        self.micros = []       # distinct absolute seed amounts, in millionths
        self.micro_index = {}  # millionths -> index in micros
        self.slots = []        # (scope, index in micros); scope: a table number or 0
        self.slot_index = {}   # (scope, index in micros) -> slot
        self.rules = {}        # slot -> slots it is the sum of (same scope)
        self.alias = {}        # slot outside tables with no rule -> a table slot with one
        self._collect_rules(doc)
        self.pieces = {}  # year -> list of str | (kind, slot, negative)

    # -- amounts --------------------------------------------------------------------------
    # A seed figure is scaled the same way wherever it appears. Totals are recomputed from
    # their parts within one table (scope = the table number): 表三 and 表六 both break
    # 345.08 down, into different parts, and each table's own total row should add up.
    # Figures outside the tables (scope 0) follow their own rules (三公, 政府采购, ...).
    def _micro(self, s):
        return int(Decimal(s).copy_abs() * 1000000)

    def _slot(self, s, scope):
        v = self._micro(s)
        m = self.micro_index.setdefault(v, len(self.micros))
        if m == len(self.micros):
            self.micros.append(v)
        key = (scope, m)
        if key not in self.slot_index:
            self.slot_index[key] = len(self.slots)
            self.slots.append(key)
        return self.slot_index[key]

    def _token(self, s, scope=0):
        return "@@A%d%s@@" % (self._slot(s, scope), "-" if s.startswith("-") else "+")

    def _rule(self, total, parts, scope=0):
        """total (a seed string) is the sum of parts (seed strings) in the seed."""
        parts = [p for p in parts if p is not None]
        if not parts or total is None:
            return
        t = self._micro(total)
        if t == 0 or sum(self._micro(p) for p in parts) != t:
            return
        ti = self._slot(total, scope)
        pi = [self._slot(p, scope) for p in parts if self._micro(p) != 0]
        if ti in pi:  # a part equal to the total: nothing to recompute
            return
        self.rules.setdefault(ti, pi)

    def finalize(self):
        """Call once every year's pieces exist. A slot with no rule of its own takes the
        value of the same seed figure where it is a total: outside the tables first, else
        in the lowest-numbered table that adds it up."""
        best = {}
        for slot, (scope, m) in enumerate(self.slots):
            if slot in self.rules:
                prev = best.get(m)
                if prev is None or scope < self.slots[prev][0]:
                    best[m] = slot
        for slot, (scope, m) in enumerate(self.slots):
            if slot not in self.rules and m in best:
                self.alias[slot] = best[m]

    def _collect_rules(self, doc):
        for table in doc.get("tables", []):
            self._table_rules(table)
        for p in doc.get("projects", []):
            alloc = p.get("allocation") or {}
            items = alloc.get("items") or []
            if items and "amount" in p:
                self._rule(p["amount"], [it.get("amount") for it in items])
        projects = doc.get("projects", [])
        if doc.get("withheld"):
            self._rule(doc["withheld"]["amount"],
                       [p.get("amount") for p in projects if p.get("withheld")])
        if doc.get("performance"):
            self._rule(doc["performance"]["amount"],
                       [p.get("amount") for p in projects if not p.get("withheld")])
        if doc.get("sangong"):
            sg = doc["sangong"]
            self._rule(sg["amount"], [it.get("amount") for it in sg.get("items", [])])
        if doc.get("procurement"):
            pr = doc["procurement"]
            self._rule(pr["amount"], [pr.get(k) for k in ("goods", "works", "services")])

    def _table_rules(self, table):
        rows = table.get("rows", [])
        children = {}
        for i, r in enumerate(rows):
            if r.get("kind") == "total":
                continue
            side, codes, level = r.get("side"), r.get("codes"), r.get("level", 0)
            parent = None
            for j in range(i - 1, -1, -1):
                q = rows[j]
                if q.get("side") != side or q.get("kind") == "total":
                    continue
                if codes:
                    if len(codes) > 1 and q.get("codes") == codes[:-1]:
                        parent = j
                        break
                elif not q.get("codes") and q.get("level") == level - 1:
                    parent = j
                    break
            if parent is not None:
                children.setdefault(parent, []).append(r)
        groups = [(rows[p], kids) for p, kids in children.items()]
        for t in rows:
            if t.get("kind") == "total":
                top = [r for r in rows if r.get("kind") != "total" and r.get("level") == 1
                       and r.get("side") == t.get("side")]
                groups.append((t, top))
        for parent, kids in groups:
            for key, total in (parent.get("amounts") or {}).items():
                self._rule(total, [(k.get("amounts") or {}).get(key) for k in kids],
                           table["number"])

    def _tokenize(self, doc):
        """Replaces every amount of doc by a token; names too."""
        dep = doc["department"]
        dep["id"] = "@@ID@@"
        if "region" in dep:
            dep["region"] = "@@REGION@@"

        def sub(obj, keys):
            if obj:
                for k in keys:
                    if isinstance(obj.get(k), str):
                        obj[k] = self._token(obj[k])

        for table in doc.get("tables", []):
            n = table["number"]
            for r in table.get("rows", []):
                if r.get("amounts"):
                    r["amounts"] = {k: self._token(v, n) for k, v in r["amounts"].items()}
                if r.get("unplaced"):
                    r["unplaced"] = [self._token(v, n) for v in r["unplaced"]]
        for sec in doc.get("explanations", []):
            for fig in sec.get("figures", []):
                sub(fig, FIGURE_KEYS)
        for p in doc.get("projects", []):
            sub(p, PROJECT_KEYS)
            if p.get("economic"):
                p["economic"] = {k: self._token(v) for k, v in p["economic"].items()}
            alloc = p.get("allocation") or {}
            for it in alloc.get("items") or []:
                sub(it, ("amount",))
            sub(p.get("performance"), FUNDING_KEYS)
        sub(doc.get("withheld"), ("amount",))
        sg = doc.get("sangong")
        sub(sg, ("amount", "change"))
        for it in (sg or {}).get("items", []):
            sub(it, ("amount", "change"))
        sub(doc.get("operating_costs"), ("amount", "change"))
        sub(doc.get("procurement"), PROCUREMENT_KEYS)
        assets = doc.get("assets")
        sub(assets, ASSET_KEYS)
        for v in (assets or {}).get("vehicles", []):
            sub(v, ("value",))
        sub(doc.get("performance"), ("amount",))

    def for_year(self, year):
        if year in self.pieces:
            return self.pieces[year]
        shift = year - self.seed_year
        text = self.seed_text
        for name, token in self.names:  # the full name first: it contains the short one
            text = text.replace(name, token)
        text = YEAR_RE.sub(lambda m: str(int(m.group(1)) + shift), text)
        doc = json.loads(text)
        doc["year"] = year
        self._tokenize(doc)
        out = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        pieces, pos = [], 0
        for m in TOKEN_RE.finditer(out):
            # an amount token stands for a JSON string: keep the quotes around it
            pieces.append(out[pos:m.start()])
            if m.group(2) is not None:
                pieces.append(("A", int(m.group(2)), m.group(3) == "-"))
            else:
                pieces.append((m.group(1), 0, False))
            pos = m.end()
        pieces.append(out[pos:])
        self.pieces[year] = pieces
        return pieces


def cents_text(c):
    if c == 0:
        return "0"
    return "%s%d.%02d" % ("-" if c < 0 else "", abs(c) // 100, abs(c) % 100)


def scaled_values(tpl, factor, rng):
    """Cents for every slot: parts scaled, totals recomputed from their parts."""
    jitter = [1.0 + rng.uniform(-0.1, 0.1) for _ in tpl.micros]
    n = len(tpl.slots)
    res = [None] * n

    def val(i, visiting):
        if res[i] is None:
            rule = tpl.rules.get(i)
            if rule and i not in visiting:
                visiting.add(i)
                s = sum(val(c, visiting) for c in rule)
                visiting.discard(i)
                res[i] = s
            elif i in tpl.alias:
                res[i] = val(tpl.alias[i], visiting)
            else:
                m = tpl.slots[i][1]
                res[i] = int(round(tpl.micros[m] * factor * jitter[m] / 10000.0))
        return res[i]

    for i in range(n):
        val(i, set())
    return res


def main(argv):
    ap = argparse.ArgumentParser(description="Writes N x Y budgetd import files derived "
                                 "from the bundled seed disclosure.")
    ap.add_argument("--departments", type=int, required=True, metavar="N")
    ap.add_argument("--years", type=int, required=True, metavar="Y",
                    help="years %d-Y+1 .. %d" % (LAST_YEAR, LAST_YEAR))
    ap.add_argument("--out", required=True, metavar="DIR")
    ap.add_argument("--seed", type=int, default=1, metavar="S")
    ap.add_argument("--from", dest="source", default=DEFAULT_SEED_FILE, metavar="FILE",
                    help="the seed disclosure (default: the bundled one)")
    args = ap.parse_args(argv)
    if not 1 <= args.departments <= 999999:
        ap.error("--departments must be 1..999999")
    if not 1 <= args.years <= LAST_YEAR - 1990 + 1:
        ap.error("--years must be 1..%d" % (LAST_YEAR - 1990 + 1))

    started = time.monotonic()
    with open(args.source, encoding="utf-8") as f:
        tpl = Template(f.read())
    os.makedirs(args.out, exist_ok=True)
    years = list(range(LAST_YEAR - args.years + 1, LAST_YEAR + 1))
    for year in years:  # registers every amount slot before any figure is computed
        tpl.for_year(year)
    tpl.finalize()
    names = department_names(args.departments, random.Random("names:%d" % args.seed))
    width = max(5, len(str(args.departments)))
    total_bytes = 0
    for d in range(args.departments):
        dept_id = "dept-%0*d" % (width, d + 1)
        name, short, region = names[d]
        drng = random.Random("dept:%d:%s" % (args.seed, dept_id))
        base = math.exp(drng.uniform(math.log(0.2), math.log(20.0)))
        growth = drng.uniform(-0.05, 0.12)
        subst = {"NAME": name, "SHORT": short, "REGION": region, "ID": dept_id}
        for year in years:
            factor = base * (1.0 + growth) ** (year - LAST_YEAR)
            rng = random.Random("fig:%d:%s:%d" % (args.seed, dept_id, year))
            cents = scaled_values(tpl, factor, rng)
            texts = [cents_text(c) for c in cents]
            out = []
            for p in tpl.for_year(year):
                if p.__class__ is str:
                    out.append(p)
                elif p[0] == "A":
                    t = texts[p[1]]
                    out.append("-" + t if p[2] and t != "0" else t)
                else:
                    out.append(subst[p[0]])
            data = "".join(out).encode("utf-8")
            with open(os.path.join(args.out, "%s-%d-budget.json" % (dept_id, year)),
                      "wb") as f:
                f.write(data)
            total_bytes += len(data)
    n = args.departments * len(years)
    print("gen.py: wrote %d files (%d departments x %d years, %.1f MB) to %s in %.1f s"
          % (n, args.departments, len(years), total_bytes / 1e6, args.out,
             time.monotonic() - started), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
