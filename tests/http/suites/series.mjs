// i. Across disclosures (#14): a department's figure over five years in one request, and two
// disclosures side by side. The series store holds tests/http/fixtures/series-office-20XX-
// budget.json (five 预算 written by hand: tables in 万元 in 2021, 2022 and 2024, in 元 in 2023
// and 2025; 2022 has no 2010301 row) and the bundled 普陀区商务委员会 2025 部门 and 单位
// disclosures (db/data/putuo-commerce-2025-budget-{dept,unit}.json). Every expected figure is
// worked out by hand below from those files, never copied from an answer.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ownStore } from '../lib/ownstore.mjs';
import { checkCsv } from '../lib/csv.mjs';

const YEARS = [2021, 2022, 2023, 2024, 2025];
const SERIES = '/api/v1/departments/series-office/series';

function buildSeriesStore({ ctl, root, dir }) {
  const store = path.join(dir, 'store.sqlite');
  const files = [
    ...YEARS.map((y) => path.join(root, 'tests', 'http', 'fixtures', `series-office-${y}-budget.json`)),
    path.join(root, 'db', 'data', 'putuo-commerce-2025-budget-dept.json'),
    path.join(root, 'db', 'data', 'putuo-commerce-2025-budget-unit.json'),
  ];
  return new Promise((resolve, reject) => {
    execFile(ctl, ['import', '--fresh', '--db', store, ...files], { timeout: 20_000 },
      (err, stdout, stderr) => (err
        ? reject(new Error(`budgetctl import failed (${err.code ?? err.signal}): ${stderr}`))
        : resolve(store)));
  });
}

/** The number tokens of key in a body's text, in order, as printed (never through a double). */
const tokens = (text, key) => [...text.matchAll(new RegExp(`"${key}":(-?[0-9.]+|null)[,}]`, 'g'))].map((m) => m[1]);

export default function series(ctx) {
  describe('across disclosures: series and compare (#14)', () => {
    const own = ownStore(ctx, 'budgetd-series-', (dir) => buildSeriesStore({ ctl: ctx.ctl, root: ctx.root, dir }));
    const { get } = own;

    it("a department's totals over five years is one request, in 万元, with exact changes", async () => {
      const { json, text } = await get(`${SERIES}?measure=revenue`);
      assert.equal(json.unit, '万元');
      assert.deepEqual(json.converted_from, ['元']);
      assert.deepEqual(json.items.map((i) => [i.year, i.kind, i.level, i.published_unit]), [
        [2021, 'budget', 'department', '万元'], [2022, 'budget', 'department', '万元'],
        [2023, 'budget', 'department', '元'], [2024, 'budget', 'department', '万元'],
        [2025, 'budget', 'department', '元']]);
      // 收入总计: 1000.00 万元; 1100.50 万元; 12,345,678.90 元 = 1234.56789 万元;
      // 1234.567890 万元; 11,111,111.11 元 = 1111.111111 万元 (totals are canonical)
      assert.deepEqual(tokens(text, 'value'), ['1000', '1100.5', '1234.56789', '1234.56789', '1111.111111']);
      // 1100.5 - 1000 = 100.5; 1234.56789 - 1100.5 = 134.06789; 0;
      // 1111.111111 - 1234.56789 = -123.456779
      assert.deepEqual(tokens(text, 'change'), ['null', '100.5', '134.06789', '0', '-123.456779']);
      // 100.5 / 1000 = 10.05%; 134.06789 / 1100.5 = 12.1824..% -> 12.18; 0%;
      // -123.456779 / 1234.56789 = -9.99999..% -> -10 (half away from zero, to 0.01)
      assert.deepEqual(tokens(text, 'change_percent'), ['null', '10.05', '12.18', '0', '-10']);
      assert.deepEqual(json.items.map((i) => i.previous_year), [null, 2021, 2022, 2023, 2024]);
      assert.equal(json.items[2].links.disclosure, '/api/v1/departments/series-office/budgets/2023');
      // the series agrees with each disclosure's own totals
      const d = await get('/api/v1/departments/series-office/budgets/2023');
      assert.equal(d.json.totals.revenue, json.items[2].value);
    });

    it('a table row by code: units converted exactly to 万元, a missing year null, never / 0', async () => {
      const { json, text } = await get(`${SERIES}?measure=row&code=2010301`);
      assert.equal(json.unit, '万元');
      assert.deepEqual(json.converted_from, ['元']);
      assert.deepEqual(json.items.map((i) => i.column), ['total', 'total', 'total', 'total', 'total']);
      // 500.00 万元 (as published); no row in 2022; 5,200,000.00 元 = 520 万元; "0" 万元;
      // 3,000,000.00 元 = 300 万元
      assert.deepEqual(tokens(text, 'value'), ['500.00', 'null', '520', '0', '300']);
      // 2023 against 2022 (null): null; 0 - 520 = -520 (-100%); 300 - 0 = 300, percent null
      // (the previous figure is 0: no division)
      assert.deepEqual(tokens(text, 'change'), ['null', 'null', 'null', '-520', '300']);
      assert.deepEqual(tokens(text, 'change_percent'), ['null', 'null', 'null', '-100', 'null']);
      const basic = await get(`${SERIES}?measure=row&code=2010301&column=basic&table=budget_expenditure&kind=budget`);
      assert.deepEqual(tokens(basic.text, 'value'), ['500.00', 'null', '520', '0', '300']);
    });

    it('三公 parts and 机关运行经费 over the years; CSV', async () => {
      const { text } = await get(`${SERIES}?measure=sangong.reception`);
      // 公务接待费 2.00, 0, 1.50, 1.5, 2.25 万元: -2 (-100%), 1.5 (from 0: no percent), 0, 0.75 (50%)
      assert.deepEqual(tokens(text, 'value'), ['2.00', '0', '1.50', '1.5', '2.25']);
      assert.deepEqual(tokens(text, 'change'), ['null', '-2', '1.5', '0', '0.75']);
      assert.deepEqual(tokens(text, 'change_percent'), ['null', '-100', 'null', '0', '50']);
      const csv = await own.client.api(`${SERIES}?measure=operating_costs&format=csv`);
      assert.equal(csv.status, 200);
      const rows = checkCsv(csv);
      assert.deepEqual(rows[0], ['年度', '公开类型', '层级', '金额（万元）', '原单位', '栏目', '上一年度', '增减（万元）', '增减率（%）']);
      // 80.00, 80.00, 79.5, 0, 60.00 万元; -0.5 / 80 = -0.625% -> -0.63 (half away from zero)
      assert.deepEqual(rows.slice(1).map((r) => [r[0], r[3], r[6], r[7], r[8]]), [
        ['2021', '80.00', '', '', ''], ['2022', '80.00', '2021', '0', '0'],
        ['2023', '79.5', '2022', '-0.5', '-0.63'], ['2024', '0', '2023', '-79.5', '-100'],
        ['2025', '60.00', '2024', '60', '']]);
    });

    it('a series of 单位 disclosures (?level=unit) links to them', async () => {
      const { json, text } = await get('/api/v1/departments/putuo-commerce/series?measure=operating_costs&level=unit');
      // putuo-commerce-2025-budget-unit.json: operating_costs {"amount": "171.01", "unit": "万元"}
      assert.deepEqual(json.items.map((i) => [i.year, i.kind, i.level]), [[2025, 'budget', 'unit']]);
      assert.deepEqual(tokens(text, 'value'), ['171.01']);
      assert.equal(json.items[0].links.disclosure, '/api/v1/departments/putuo-commerce/budgets/2025?level=unit');
      assert.equal(json.links.self, '/api/v1/departments/putuo-commerce/series?measure=operating_costs&level=unit');
      // 表一 收入总计 371,514,655.00 元 = 37151.4655 万元
      const rev = await get('/api/v1/departments/putuo-commerce/series?measure=revenue&level=unit&kind=budget');
      assert.deepEqual(tokens(rev.text, 'value'), ['37151.4655']);
    });

    it('a percentage column is never converted: its unit is %', async () => {
      // 表三 2010301 比上年增减% (measure change_percent): 2024 "-100.00" in a 万元 table,
      // 2025 "12.5" in a 元 table; 2021-2023 have no such column. Moving the decimal point
      // would make 12.5 into 0.00125.
      const { json, text } = await get(`${SERIES}?measure=row&code=2010301&column=change_percent`);
      assert.equal(json.unit, '%');
      assert.deepEqual(json.converted_from, []);
      assert.deepEqual(tokens(text, 'value'), ['null', 'null', 'null', '-100.00', '12.5']);
      // 12.5 - (-100) = 112.5 points; 112.5 / -100 = -112.5%
      assert.deepEqual(tokens(text, 'change'), ['null', 'null', 'null', 'null', '112.5']);
    });

    it('series: 400s and 404s say what is wrong', async () => {
      const cases = [
        ['', 400, /^measure is required/],
        ['?measure=zz', 400, /^measure must be one of revenue/],
        ['?measure=row', 400, /^measure=row needs code/],
        ['?measure=row&code=20103011', 400, /^code must be a 类, 款 or 项 code/],
        ['?measure=revenue&code=201', 400, /^code, table and column go with measure=row/],
        ['?measure=row&code=201&table=nope', 400, /^table must be a table type/],
        ['?measure=revenue&kind=both', 400, /^kind must be budget or final/],
        ['?measure=revenue&zz=1', 400, /^unknown parameter "zz"/],
        ['?measure=revenue&kind=final', 404, /has no final disclosure at level department/],
      ];
      for (const [q, status, detail] of cases) {
        const { json } = await get(`${SERIES}${q}`, status);
        assert.match(json.detail, detail, q);
      }
      const { json } = await get('/api/v1/departments/nope/series?measure=revenue', 404);
      assert.equal(json.detail, 'no department "nope"');
    });

    const A = '/departments/putuo-commerce/budgets/2025';
    const B = '/departments/putuo-commerce/budgets/2025%3Flevel=unit';
    it('compare: the 普陀区商务委员会 2025 部门 and 单位 disclosures side by side', async () => {
      const { json } = await get(`/api/v1/compare?a=${A}&b=${B}`);
      assert.equal(json.a.level, 'department');
      assert.equal(json.b.level, 'unit');
      assert.equal(json.b.links.self, '/api/v1/departments/putuo-commerce/budgets/2025?level=unit');
      // both publish 表一..表九 of the same types (db/data/putuo-commerce-2025-budget-*.json)
      assert.deepEqual(json.tables.map((t) => [t.type, t.in, t.unit]).slice(0, 3), [
        ['budget_summary', 'both', '元'], ['budget_income', 'both', '元'], ['budget_expenditure', 'both', '元']]);
      const exp = json.tables.find((t) => t.type === 'budget_expenditure');
      // 表三 2011301 行政运行: 9,389,913.00 元 on both sides
      const row = exp.rows.find((r) => r.code === '2011301');
      assert.equal(row.in, 'both');
      assert.deepEqual(row.amounts.total, { a: 9389913, b: 9389913, difference: 0 });
      // 表一: the 部门 prints "1.一般公共预算资金" 371,514,655.00 under its 财政拨款收入; the
      // 单位 table does not: kept, marked a
      const sum = json.tables.find((t) => t.type === 'budget_summary');
      const only = sum.rows.find((r) => r.name === '1.一般公共预算资金');
      assert.equal(only.in, 'a');
      assert.equal(only.index_b, null);
      assert.deepEqual(only.amounts.income, { a: 371514655, b: null, difference: null });
    });

    it('compare across units: 万元 against 元 converted exactly, difference b - a', async () => {
      const { json, text } = await get('/api/v1/compare?a=/departments/series-office/budgets/2024&b=/departments/series-office/budgets/2025');
      const exp = json.tables.find((t) => t.type === 'budget_expenditure');
      assert.deepEqual([exp.a.unit, exp.b.unit, exp.unit], ['万元', '元', '万元']);
      // 合计 basic: 634.567890 万元 against 5,555,555.55 元 = 555.555555 万元: -79.012335
      assert.match(text, /"basic":\{"a":634\.567890,"b":555\.555555,"difference":-79\.012335\}/);
      // 合计 比上年增减%: 5.5 and -10.00 as published, in percent (not moved four places
      // as the amounts are): -15.5
      assert.match(text, /"change_percent":\{"a":5\.5,"b":-10\.00,"difference":-15\.5\}/);
      assert.equal(exp.columns.find((c) => c.key === 'change_percent').measure, 'change_percent');
      const csv = await own.client.api(`/api/v1/compare?a=${A}&b=${B}&format=csv`);
      assert.equal(csv.status, 200);
      const rows = checkCsv(csv);
      assert.deepEqual(rows[0], ['表类型', '表名', '所在表', '收支', '科目编码', '科目名称', '所在行', '栏目键', '栏目', 'A', 'B', '差额（B-A）', '单位']);
      const line = rows.find((r) => r[4] === '2011301' && r[7] === 'total' && r[0] === 'budget_expenditure');
      assert.deepEqual(line.slice(9), ['9389913.00', '9389913.00', '0', '元']);
    });

    it('compare: 400s and 404s name a or b', async () => {
      const cases = [
        ['', 400, /^a is required/],
        [`?a=${A}`, 400, /^b is required/],
        [`?a=putuo-commerce&b=${A}`, 400, /^a must be a disclosure written/],
        [`?a=${A}&b=/departments/putuo-commerce/budgets/02025`, 400, /^b must be a disclosure/],
        [`?a=${A}&b=${A}%3Flevel=x`, 400, /^b must be a disclosure/],
        [`?a=${A}&b=/departments/putuo-commerce/finals/2025`, 404, /^b: no final 2025 of department "putuo-commerce"/],
        [`?a=/departments/nope/budgets/2025&b=${A}`, 404, /^a: no budget 2025 of department "nope"/],
      ];
      for (const [q, status, detail] of cases) {
        const { json } = await get(`/api/v1/compare${q}`, status);
        assert.match(json.detail, detail, q);
      }
    });
  });
}
