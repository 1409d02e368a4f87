// j. 检索 (issue 14): /api/v1/search on the bundled store. What each query must find is
// computed here from the import files (db/data), place by place, as docs/api.md describes the
// index: the set of hits, their disclosures, links and places, and the total. The issue's
// queries that found nothing (业务运转经费, 公务用车, 2010399) and 视联网 are checked against that;
// the hand-checked facts behind them are in comments.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCsv, textCell } from '../lib/csv.mjs';

const SEARCH = '/api/v1/search';
const KASHI = '/api/v1/departments/kashi-urumqi-office/budgets/2021';

/** Every place of a disclosure the index holds: [hit, place, texts]. */
function places(doc) {
  const out = [];
  const add = (hit, place, ...texts) => out.push({ hit, place, texts: texts.filter((t) => typeof t === 'string') });
  const d = doc.department;
  add('department', null, d.name, d.short_name, d.region, d.parent);
  add('disclosure', null, doc.title, doc.source?.document);
  if (doc.operating_costs?.reason) add('disclosure', { part: 'operating_costs' }, doc.operating_costs.reason);
  if (doc.performance?.text) add('disclosure', { part: 'performance' }, doc.performance.text);
  if (doc.withheld) add('disclosure', { part: 'withheld' }, doc.withheld.legal_source, doc.withheld.basis, doc.withheld.text);
  for (const t of doc.tables ?? []) {
    const table = t.position ?? t.number;
    add('table', { table }, t.title, t.note, t.unplaced_note);
    t.rows.forEach((r, row) => {
      const code = Array.isArray(r.codes) ? r.codes.join('') : r.codes;
      add('row', { table, row }, code, r.code_printed, r.name, r.project_name);
    });
  }
  for (const p of doc.projects ?? []) {
    if (!p.name) continue;
    add('project', { project: p.id }, p.name, p.summary, p.plan, p.policy_basis, p.executing_unit,
      p.allocation?.text, ...(p.allocation?.items ?? []).map((a) => a.item), p.performance?.objective);
    (p.performance?.indicators ?? []).forEach((x, indicator) => {
      if (x.name) add('indicator', { project: p.id, indicator }, x.name, x.value);
    });
  }
  for (const e of doc.explanations ?? []) {
    add('explanation', { explanation: e.key }, e.title);
    (e.paragraphs ?? []).forEach((x, paragraph) => add('explanation', { explanation: e.key, paragraph }, x));
    (e.figures ?? []).forEach((f, figure) => add('explanation', { explanation: e.key, figure }, f.label, f.reason, f.detail));
  }
  (doc.glossary ?? []).forEach((g, glossary) => add('glossary', { glossary }, g.term, g.definition));
  const ov = doc.overview ?? {};
  (ov.functions ?? []).forEach((x, index) => add('overview', { overview: 'functions', index }, x));
  const org = ov.organization ?? {};
  if (org.text) add('overview', { overview: 'organization' }, org.text);
  (org.internal_units ?? []).forEach((x, index) => add('overview', { overview: 'internal_units', index }, x));
  (org.units ?? []).forEach((u, index) => add('overview', { overview: 'units', index }, u.name, u.type, u.note));
  for (const i of doc.sangong?.items ?? []) add('sangong', { sangong: i.key }, i.label, i.reason);
  return out;
}

const sorted = (o) => (o === null ? null : Object.fromEntries(Object.entries(o).sort()));
const keyOf = (dept, year, kind, level, hit, place) =>
  `${dept} ${year} ${kind} ${level} ${hit} ${JSON.stringify(sorted(place))}`;

/** Where text is said in the bundled store, as keys; filter(doc, entry) narrows it. */
function expected(bundled, text, filter = () => true) {
  const keys = [];
  for (const doc of bundled) {
    const level = doc.level ?? 'department';
    for (const e of places(doc)) {
      if (e.texts.some((t) => t.includes(text)) && filter(doc, e)) {
        keys.push(keyOf(doc.department.id, doc.year, doc.kind, level, e.hit, e.place));
      }
    }
  }
  return keys.sort();
}

const hitKey = (h) => keyOf(h.department.id, h.year, h.kind, h.level, h.hit, h.place);
const chars = (s) => Array.from(s);

export default function search(ctx) {
  const get = async (query, status = 200) => {
    const res = await ctx.client.api(`${SEARCH}?${query}`);
    assert.equal(res.status, status, `${query}: ${res.text.slice(0, 300)}`);
    return res;
  };
  const all = async (q, extra = '') => {
    const { json } = await get(`q=${encodeURIComponent(q)}&limit=100${extra}`);
    assert.ok(json.total <= 100, `${q}: one page holds every hit`);
    return json;
  };

  describe('检索 search across the store (bundled store; expectations from db/data)', () => {
    it('every project that mentions 视联网 is one request: the Kashgar project, nothing else', async () => {
      // By hand in kashi-urumqi-office-2021-budget.json: only service-upgrade-retention says
      // 视联网 (its name, 政策依据, 资金分配 and 绩效目标); no other project of db/data does.
      const { json } = await get(`q=${encodeURIComponent('视联网')}&in=project`);
      assert.deepEqual(json.items.map((h) => [h.department.id, h.year, h.kind, h.level, h.place.project]),
        [['kashi-urumqi-office', 2021, 'budget', 'department', 'service-upgrade-retention']]);
      assert.equal(json.total, 1);
      assert.equal(json.match, 'text');
      const [h] = json.items;
      assert.equal(h.name, '服务保障提升项目质保金及视联网会议室项目缺口资金及质保金');
      assert.equal(h.link, `${KASHI}/projects/service-upgrade-retention`);
      assert.equal(h.department.name, '新疆维吾尔自治区喀什地区行政公署驻乌鲁木齐办事处');
      assert.deepEqual(expected(ctx.bundled, '视联网', (d, e) => e.hit === 'project'), [hitKey(h)]);
      // the link leads to that project
      assert.equal((await ctx.client.api(h.link)).json.name, h.name);
    });

    for (const q of ['视联网', '业务运转经费', '公务用车', '2010399']) {
      it(`${q}: every place of the store that says it, each once, with its disclosure`, async () => {
        const json = await all(q);
        const want = expected(ctx.bundled, q);
        assert.ok(want.length > 0, `${q} is in db/data`);
        assert.deepEqual(json.items.map(hitKey).sort(), want);
        assert.equal(json.total, want.length);
        assert.equal(json.capped, false);
      });
    }

    it('2010399 finds its rows in every table that prints it, 部门 and 单位 alike', async () => {
      // By hand: Kashgar prints 201 03 99 in 表二 row 4, 表三 row 4, 表五 row 3 and 表七 rows
      // 3..11 (one per project); Putuo 区政府办公室 2025 prints 2010399 in 表二, 表三, 表五, row 5,
      // in its 部门 and its 单位 disclosures: 18 rows.
      const json = await all('2010399');
      assert.equal(json.total, 18);
      assert.ok(json.items.every((h) => h.hit === 'row' && h.name.startsWith('2010399 ')));
      const kashi = json.items.filter((h) => h.department.id === 'kashi-urumqi-office')
        .map((h) => [h.place.table, h.place.row]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      assert.deepEqual(kashi, [[2, 4], [3, 4], [5, 3], [7, 3], [7, 4], [7, 5], [7, 6], [7, 7], [7, 8], [7, 9], [7, 10], [7, 11]]);
      const unit = json.items.find((h) => h.level === 'unit');
      assert.match(unit.link, /^\/api\/v1\/departments\/putuo-govt-office\/budgets\/2025\/tables\/[235]\?level=unit$/);
      const row = (await ctx.client.api(unit.link)).json.rows[unit.place.row];
      assert.equal(row.code, '2010399');
      // split codes as printed: 20103 is in the code of every 201 03 row
      const kuan = await all('20103', '&department=kashi-urumqi-office&in=row');
      assert.ok(kuan.items.some((h) => h.name.startsWith('20103 ')), '20103 政府办公厅（室）及相关机构事务 itself');
      assert.equal(kuan.total, expected(ctx.bundled, '20103', (d, e) => d.department.id === 'kashi-urumqi-office' && e.hit === 'row').length);
    });

    it('ranked: the project named 业务运转经费项目 first; snippets mark what matched', async () => {
      const json = await all('业务运转经费');
      assert.deepEqual([json.items[0].hit, json.items[0].place], ['project', { project: 'business-operations' }]);
      for (const h of json.items) {
        assert.ok(h.highlights.length > 0, `${h.hit} ${JSON.stringify(h.place)}: a highlight`);
        for (const [s, e] of h.highlights) assert.equal(chars(h.snippet).slice(s, e).join(''), '业务运转经费');
      }
    });

    it('filters: in, kind, year and department, as in /api/v1/audit', async () => {
      const q = encodeURIComponent('公务用车');
      const count = async (f) => (await get(`q=${q}&${f}`)).json.total;
      const want = (f) => expected(ctx.bundled, '公务用车', f).length;
      assert.equal(await count('kind=final'), want((d) => d.kind === 'final'));
      assert.ok(await count('kind=final') > 0, 'the Putuo 2024 决算 says 公务用车');
      assert.equal(await count('year=2021'), want((d) => d.year === 2021));
      assert.equal(await count('year=2020'), 0);
      assert.equal(await count('in=glossary'), want((d, e) => e.hit === 'glossary'));
      assert.equal(await count('in=sangong&department=kashi-urumqi-office'),
        want((d, e) => e.hit === 'sangong' && d.department.id === 'kashi-urumqi-office'));
      assert.equal(await count('department=nobody'), 0);
      const sangong = (await get(`q=${q}&in=sangong&year=2021`)).json.items;
      // Kashgar 2021 三公: 公务用车购置费 (vehicle_purchase) and 公务用车运行费 (vehicle_operation)
      assert.deepEqual(sangong.map((h) => h.place.sangong).sort(), ['vehicle_operation', 'vehicle_purchase']);
      assert.ok(sangong.every((h) => h.link === `${KASHI}/sangong`));
    });

    it('1 or 2 characters: department and project names only, departments first', async () => {
      const json = (await get(`q=${encodeURIComponent('喀什')}&limit=100`)).json;
      assert.equal(json.match, 'names');
      const want = expected(ctx.bundled, '喀什', (d, e) => (e.hit === 'department' && d.department.name.includes('喀什')) ||
        (e.hit === 'project' && e.texts[0].includes('喀什')));
      assert.deepEqual(json.items.map(hitKey).sort(), want);
      const hits = json.items.map((h) => h.hit);
      assert.deepEqual(hits, [...hits].sort((a, b) => (a === b ? 0 : a === 'department' ? -1 : 1)));
      for (const h of json.items) {
        for (const [s, e] of h.highlights) assert.equal(chars(h.snippet).slice(s, e).join(''), '喀什');
      }
      const one = (await get(`q=${encodeURIComponent('局')}`)).json;
      assert.equal(one.match, 'names');
      // two short terms: both must be in the name
      const two = (await get(`q=${encodeURIComponent('喀什 项目')}`)).json;
      assert.ok(two.items.every((h) => h.name.includes('喀什') && h.name.includes('项目')));
    });

    it('q is literal text: FTS syntax, quotes and spaces are never an error', async () => {
      for (const q of ['"', '""', '*', '视联网*', 'NEAR(视联网 会议室)', '(视联网', '视联网"', 'a OR b', "'; DROP", '^视联网', '-视联网', '视联网:', 'name:视联网', '\\']) {
        const { json } = await get(`q=${encodeURIComponent(q)}`);
        assert.equal(typeof json.total, 'number', q);
      }
      // 视联网 and 会议室 both: the project and what else says both
      const both = await all('视联网 会议室');
      assert.deepEqual(both.items.map(hitKey).sort(), expected(ctx.bundled, '视联网').filter((k) =>
        expected(ctx.bundled, '会议室').includes(k)));
      assert.equal((await get(`q=${encodeURIComponent('视联网*')}`)).json.total, 0);
      assert.equal((await get('q=%E3%80%80%E8%A7%86%E8%81%94%E7%BD%91%20')).json.total, expected(ctx.bundled, '视联网').length);
    });

    it('errors: q missing, blank or too long, bad filters and limits are 400', async () => {
      const detail = async (query) => (await get(query, 400)).json.detail;
      assert.match(await detail(''), /^q is required/);
      assert.match(await detail('limit=5'), /^q is required/);
      assert.equal(await detail('q=%20%20%20'), 'q must contain more than spaces');
      assert.equal(await detail(`q=${'a'.repeat(201)}`), 'q must be at most 200 characters');
      await get(`q=${encodeURIComponent('视'.repeat(200))}`);
      assert.equal(await detail('q=%01x'), 'q must be UTF-8 text without control characters');
      assert.equal(await detail('q=%FFabc'), 'q must be UTF-8 text without control characters');
      assert.match(await detail('q=abc&in=rows'), /^in must be one of department, /);
      assert.equal(await detail('q=abc&kind=budgets'), 'kind must be budget or final');
      assert.equal(await detail('q=abc&year=21'), 'year must be a number from 1990 to 2100');
      assert.equal(await detail('q=abc&limit=0'), 'limit must be a number from 1 to 100');
      assert.equal(await detail('q=abc&limit=101'), 'limit must be a number from 1 to 100');
      assert.match(await detail('q=abc&department=A'), /^department must be/);
      assert.match(await detail('q=abc&severity=error'), /^unknown parameter "severity"/);
      assert.equal(await detail('q=abc&format=xml'), 'format must be json or csv');
    });

    it('paged: next link and Link header; the pages make up the whole answer', async () => {
      const q = encodeURIComponent('公务用车');
      const whole = (await get(`q=${q}&limit=100`)).json;
      const first = await get(`q=${q}&limit=7`);
      assert.equal(first.json.links.next, `${SEARCH}?q=${q}&limit=7&offset=7`);
      assert.equal(first.headers.get('link'), `<${SEARCH}?q=${q}&limit=7&offset=7>; rel="next"`);
      assert.equal(first.json.links.self, `${SEARCH}?q=${q}&limit=7&offset=0`);
      const items = [...first.json.items];
      for (let next = first.json.links.next; next;) {
        const page = (await ctx.client.api(next)).json;
        items.push(...page.items);
        next = page.links.next;
      }
      assert.deepEqual(items, whole.items);
      const past = (await get(`q=${q}&offset=1000`)).json;
      assert.deepEqual([past.items, past.total, past.links.next], [[], whole.total, null]);
    });

    it('CSV: a header, one line per hit as in JSON, BOM, « » around matches, formula guard', async () => {
      const q = encodeURIComponent('视联网');
      const json = (await get(`q=${q}`)).json;
      const res = await ctx.client.api(`${SEARCH}?q=${q}&format=csv`);
      const records = checkCsv(res, 'search CSV', { titleIncludes: '检索' });
      assert.deepEqual(records[0], ['命中', '部门编号', '部门名称', '年度', '公开类型', '层级', '名称', '摘要', '链接', '位置']);
      assert.equal(records.length, json.items.length + 1);
      json.items.forEach((h, i) => {
        const cs = chars(h.snippet);
        let marked = '';
        let at = 0;
        for (const [s, e] of h.highlights) {
          marked += `${cs.slice(at, s).join('')}«${cs.slice(s, e).join('')}»`;
          at = e;
        }
        marked += cs.slice(at).join('');
        assert.deepEqual(records[i + 1], [h.hit, h.department.id, textCell(h.department.name), String(h.year), h.kind, h.level,
          textCell(h.name), textCell(marked), h.link, h.place ? JSON.stringify(h.place) : '']);
      });
      const byAccept = await ctx.client.api(`${SEARCH}?q=${q}`, { headers: { accept: 'text/csv' } });
      assert.ok(byAccept.buf.equals(res.buf), 'the same CSV by Accept: text/csv');
      // Kashgar's indicator 人均 value is printed =0.03万元/人: a spreadsheet must not run it
      const guard = checkCsv(await ctx.client.api(`${SEARCH}?q=${encodeURIComponent('0.03万元')}&in=indicator&format=csv`), 'guard');
      assert.ok(guard.length > 1);
      assert.ok(guard.slice(1).every((r) => r[7].startsWith("'=")), guard.map((r) => r[7]).join(' | '));
    });
  });
}
