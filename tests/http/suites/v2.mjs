// h. Format 2 disclosures: three small files written by hand (tests/http/fixtures/), imported
// with budgetctl into a store of their own next to the bundled one: a 预算 whose tables are
// in 元 (at positions 1, 3 and 9), a 决算 in 万元 (三公 at 表七, 政府性基金 at 表八) and a 单位
// disclosure. Every expected figure below is written out by hand from those files: the
// totals in 万元 are the 元 figures with the decimal point moved four places.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ownStore } from '../lib/ownstore.mjs';
import { checkCsv, expectTableCsv } from '../lib/csv.mjs';
import { writeCorpus } from '../lib/corpus.mjs';

export const FIXTURES = ['fixture-office-2025-budget.json', 'fixture-office-2024-final.json',
  'fixture-office-2025-budget-unit.json'];
const DEPT = '/api/v1/departments/fixture-office';
const BUDGET = `${DEPT}/budgets/2025`;
const FINAL = `${DEPT}/finals/2024`;

/**
 * Imports the bundled seed, the fixtures and the corpus disclosure (lib/corpus.mjs) into
 * dir/store.sqlite; resolves to its path.
 */
export async function buildV2Store({ ctl, seedPath, root, dir }) {
  const store = path.join(dir, 'store.sqlite');
  const files = [...FIXTURES.map((f) => path.join(root, 'tests', 'http', 'fixtures', f)), ...writeCorpus(root, dir)];
  await new Promise((resolve, reject) => {
    execFile(ctl, ['import', '--fresh', '--db', store, seedPath, ...files], { timeout: 20_000 },
      (err, stdout, stderr) => (err
        ? reject(new Error(`budgetctl import failed (${err.code ?? err.signal}): ${stderr}`))
        : resolve()));
  });
  return store;
}

/** The JSON number token of key in a body's text, as printed (never through a double). */
const token = (text, key) => {
  const m = new RegExp(`"${key}":(-?[0-9.]+)[,}]`).exec(text);
  return m ? m[1] : null;
};

export default function v2(ctx) {
  describe('format 2 disclosures (tests/http/fixtures, written by hand)', () => {
    const own = ownStore(ctx, 'budgetd-v2-', (dir) => buildV2Store({ ctl: ctx.ctl, seedPath: ctx.seedPath, root: ctx.root, dir }));
    const { get } = own;

    it('a 预算 in 元: the tables list says each table\'s type, position and unit', async () => {
      const { json } = await get(`${BUDGET}/tables`);
      assert.deepEqual(json.items.map((t) => [t.number, t.position, t.type, t.unit]), [
        [1, 1, 'budget_summary', '元'],
        [3, 3, 'budget_expenditure', '元'],
        [9, 9, 'budget_sangong', '万元'],
      ]);
      assert.equal(json.items[0].type_name, '财务收支预算总表');
      assert.equal(json.items[2].links.self, `${BUDGET}/tables/9`);
    });

    it('a 预算 in 元: /tables/{n} by position, amounts in 元 as published; 404 for an absent position', async () => {
      const { json, text } = await get(`${BUDGET}/tables/3`);
      assert.equal(json.position, 3);
      assert.equal(json.type, 'budget_expenditure');
      assert.equal(json.unit, '元');
      assert.deepEqual(json.columns.map((c) => [c.key, c.measure]), [['total', 'budget'], ['basic', 'budget'], ['project', 'budget']]);
      assert.match(text, /"amounts":\{"total":189767551\.00,"basic":91016775\.35,"project":98750775\.65\}/,
        'the 合计 row in 元, separators gone, digits and decimals kept (189,767,551.00)');
      // codes printed joined ("2010301") are split 3-2-2
      const row = json.rows.find((r) => r.name === '行政运行');
      assert.deepEqual(row.codes, ['201', '03', '01']);
      assert.equal(row.code, '2010301');
      for (const n of [2, 4, 10, 99]) {
        const res = await get(`${BUDGET}/tables/${n}`, 404);
        assert.equal(res.json.detail, `this disclosure has no table ${n}`);
      }
    });

    it('a 预算 in 元: headline totals converted exactly to 万元, and saying so', async () => {
      const { json, text } = await get(BUDGET);
      // 189,767,551.00 元 = 18976.7551 万元; 91,016,775.35 元 = 9101.677535 万元;
      // 98,750,775.65 元 = 9875.077565 万元
      assert.equal(token(text, 'revenue'), '18976.7551');
      assert.equal(token(text, 'expenditure'), '18976.7551');
      assert.equal(token(text, 'basic'), '9101.677535');
      assert.equal(token(text, 'project'), '9875.077565');
      assert.equal(json.totals.unit, '万元');
      assert.deepEqual(json.totals.converted_from, ['元']);
      assert.equal(json.level, 'department');
      assert.equal(json.unit, '万元', 'the disclosure\'s own unit (its text) is unchanged');
    });

    it('a 预算 in 元: every table\'s CSV says its unit in each amount column', async () => {
      const t3 = await get(`${BUDGET}/tables/3`);
      const csv = await get(`${BUDGET}/tables/3?format=csv`);
      const records = checkCsv(csv, 'table 3 CSV', { titleIncludes: '支出预算总表' });
      assert.deepEqual(records[0], ['科目编码', '科目名称', '合计（元）', '基本支出（元）', '项目支出（元）', '单位', '层级', '类', '款', '项', '末级']);
      assert.deepEqual(records[1], ['', '合计', '189767551.00', '91016775.35', '98750775.65', '元', '0', '', '', '', '否']);
      expectTableCsv(records, t3.exact, 'table 3 CSV');
      const t1 = checkCsv(await get(`${BUDGET}/tables/1?format=csv`), 'table 1 CSV');
      assert.deepEqual(t1[0], ['收支', '科目编码', '科目名称', '收入/预算数（元）', '支出/预算数（元）', '单位', '层级', '类', '款', '项', '末级']);
      const t9 = checkCsv(await get(`${BUDGET}/tables/9?format=csv`), 'table 9 CSV');
      assert.deepEqual(t9[0], ['科目编码', '科目名称', '合计（万元）', '公务接待费（万元）', '单位', '层级', '类', '款', '项', '末级']);
      assert.match(csv.headers.get('content-disposition'), /fixture-office-2025-budget-table-3\.csv/);
    });

    it('a 预算: the 三公 link is the budget_sangong table, wherever it stands (表九 here)', async () => {
      const { json } = await get(`${BUDGET}/sangong`);
      assert.equal(json.links.table, `${BUDGET}/tables/9`);
      assert.equal(json.unit, '万元');
      assert.equal(String(json.amount), '3.7');
      assert.equal(json.final, null);
    });

    it('a 决算 in 万元: types by meaning, not number (表七 is 三公, 表八 政府性基金)', async () => {
      const { json } = await get(`${FINAL}/tables`);
      assert.deepEqual(json.items.map((t) => [t.position, t.type, t.unit]), [
        [1, 'final_summary', '万元'], [3, 'final_expenditure', '万元'], [6, 'final_general_basic', '万元'],
        [7, 'final_sangong', '万元'], [8, 'final_fund', '万元'],
      ]);
      const t8 = (await get(`${FINAL}/tables/8`)).json;
      assert.equal(t8.type, 'final_fund');
      assert.deepEqual(t8.rows, []);
      assert.equal(t8.note, '本部门本年度没有政府性基金预算财政拨款收入支出，故本表无数据。');
      const t1 = await get(`${FINAL}/tables/1`);
      assert.match(t1.text, /"amounts":\{"expenditure_final":-1\.69\}/, 'a negative figure, as published');
    });

    it('a 决算 in 万元: totals from final_summary and final_expenditure, nothing converted', async () => {
      const { json, text } = await get(FINAL);
      assert.equal(json.kind, 'final');
      // the last income-side and expenditure-side total rows (总计) and 支出决算表's 合计
      assert.equal(token(text, 'revenue'), '309.51');
      assert.equal(token(text, 'expenditure'), '309.51');
      assert.equal(token(text, 'basic'), '105.58');
      assert.equal(token(text, 'project'), '202.24');
      assert.deepEqual(json.totals.converted_from, []);
      assert.equal(json.explanations[0].number, null, 'an unnumbered section stays unnumbered');
      assert.deepEqual(json.overview.organization.units, [
        { name: '测试区示例办公室（本级）', type: '行政单位', note: null },
        { name: '测试区示例服务中心', type: '事业单位', note: '全额拨款' },
      ]);
      assert.equal(json.overview.organization.administrative_units, null);
      assert.equal(json.operating_costs.amount, null);
      assert.equal(String(json.operating_costs.final), '48.26');
      assert.equal(json.links.sangong, `${FINAL}/sangong`);
    });

    it('a 决算: 三公 budget and final side by side, completion, 会议费 and 培训费; the link is 表七', async () => {
      const { json } = await get(`${FINAL}/sangong`);
      const row = (k) => {
        const it = k === null ? json : json.items.find((x) => x.key === k);
        assert.ok(it, `an item ${k}`);
        return [it.budget, it.final, it.completion, it.amount].map((v) => (v === null ? null : String(v)));
      };
      assert.deepEqual(row(null), ['12.5', '10.3', '82.4', null]); // 10.3 / 12.5 = 82.4%
      assert.deepEqual(row('reception'), ['4.5', '3.1', '68.89', null]); // 68.888…% rounded
      assert.deepEqual(row('meeting'), ['6', '5.25', '87.5', null]);
      assert.deepEqual(row('training'), ['3', '2.4', '80', null]);
      assert.deepEqual(row('abroad'), ['0', '0', null, null], 'no completion against a zero budget');
      assert.deepEqual(json.items.map((i) => i.label), ['因公出国（境）费', '公务用车购置及运行费', '公务用车购置费',
        '公务用车运行费', '公务接待费', '会议费', '培训费']);
      assert.equal(json.links.table, `${FINAL}/tables/7`);
    });

    it('?level=unit selects the 单位 disclosure; its links keep the level', async () => {
      const unit = await get(`${BUDGET}?level=unit`);
      assert.equal(unit.json.level, 'unit');
      assert.equal(unit.json.title, '2025年单位预算');
      // 1,234,567.89 元 = 123.456789 万元
      assert.equal(token(unit.text, 'revenue'), '123.456789');
      assert.deepEqual(unit.json.totals.converted_from, ['元']);
      assert.equal(unit.json.links.self, `${BUDGET}?level=unit`);
      assert.equal(unit.json.links.tables, `${BUDGET}/tables?level=unit`);
      const tables = await get(unit.json.links.tables);
      assert.deepEqual(tables.json.items.map((t) => t.title), ['2025年单位财务收支预算总表']);
      assert.equal(tables.json.items[0].links.csv, `${BUDGET}/tables/1?level=unit&format=csv`);
      const csv = await get(tables.json.items[0].links.csv);
      assert.match(csv.headers.get('content-disposition'), /fixture-office-2025-budget-unit-table-1\.csv/);
      const dept = await get(`${BUDGET}?level=department`);
      assert.equal(dept.json.title, '2025年部门预算', 'level=department is the default disclosure');
      assert.equal((await get(`${FINAL}?level=unit`, 404)).json.detail,
        'no unit-level final 2024 of department "fixture-office"');
    });

    // A real 预算 (tests/extract/expected/putuo-govt-office-2025-budget-dept.json, every cell
    // checked by hand). Figures below read off the PDF's text layer: T1 收入总计 and 支出总计
    // 91,016,775.35 (p8), T3 合计 91,016,775.35 / 24,606,775.35 / 66,410,000.00 (p12), T8 合计
    // 24,606,775.35 / 22,473,997.81 / 2,132,777.54 (p19), T9 in 万元: 867.50 ... 213.28 (p20).
    const GOVT = '/api/v1/departments/putuo-govt-office/budgets/2025';

    it('corpus: 上海市普陀区人民政府办公室 2025 预算, nine tables by type in 元 and 万元', async () => {
      const { json } = await get(`${GOVT}/tables`);
      assert.deepEqual(json.items.map((t) => [t.position, t.type, t.unit]), [
        [1, 'budget_summary', '元'], [2, 'budget_income', '元'], [3, 'budget_expenditure', '元'],
        [4, 'budget_fiscal_summary', '元'], [5, 'budget_general_function', '元'], [6, 'budget_fund_function', '元'],
        [7, 'budget_capital_function', '元'], [8, 'budget_general_basic_economic', '元'], [9, 'budget_sangong', '万元'],
      ]);
      const t8 = await get(`${GOVT}/tables/8`);
      const total = t8.json.totals.at(-1);
      assert.deepEqual(Object.values(total.amounts).map(String), ['24606775.35', '22473997.81', '2132777.54']);
      const t9 = await get(`${GOVT}/tables/9`);
      assert.equal(t9.json.unit, '万元');
      assert.match(t9.text, /"total":867\.50,"c2":839\.00,"c3":28\.50,.*"c7":213\.28\}/, '867.50 as printed (p20)');
    });

    it('corpus: its headline totals in 万元, converted exactly from the PDF\'s 元', async () => {
      const { json, text } = await get(GOVT);
      // 91,016,775.35 元 = 9101.677535 万元 (the text rounds it to 9,101.68万元, p5);
      // 24,606,775.35 元 = 2460.677535 万元; 66,410,000.00 元 = 6641 万元 (p21: "6641万元")
      assert.equal(token(text, 'revenue'), '9101.677535');
      assert.equal(token(text, 'expenditure'), '9101.677535');
      assert.equal(token(text, 'basic'), '2460.677535');
      assert.equal(token(text, 'project'), '6641');
      assert.deepEqual(json.totals.converted_from, ['元']);
    });

    it('corpus: its CSV says 元 in every amount column of 表三, 万元 in 表九', async () => {
      const t3 = checkCsv(await get(`${GOVT}/tables/3?format=csv`), 'corpus table 3 CSV');
      assert.deepEqual(t3[0].slice(2, -6), ['支出预算/合计（元）', '支出预算/基本支出（元）', '支出预算/项目支出（元）']);
      assert.deepEqual(t3.at(-1), ['', '合计', '91016775.35', '24606775.35', '66410000.00', '元', '0', '', '', '', '否']);
      const t9 = checkCsv(await get(`${GOVT}/tables/9?format=csv`), 'corpus table 9 CSV');
      assert.ok(t9[0].slice(2, -6).every((h) => h.endsWith('（万元）')), `表九's headers say 万元: ${t9[0]}`);
    });

    it('corpus: the office\'s own 单位 预算 next to its 部门 one, by ?level=unit', async () => {
      // putuo-govt-office-2025-budget-unit.pdf: 收入总计 91,016,775.35, and a 支出总计 row with
      // four figures: 91,016,775.35 / 22,473,997.81 / 2,132,777.54 / 66,410,000.00 (p7)
      const { json, text } = await get(`${GOVT}?level=unit`);
      assert.equal(json.level, 'unit');
      assert.equal(json.title, '2025年单位预算');
      assert.equal(token(text, 'revenue'), '9101.677535');
      const t1 = (await get(`${GOVT}/tables/1?level=unit`)).json;
      const total = t1.totals.find((r) => r.side === 'expenditure');
      assert.deepEqual(Object.values(total.amounts).map(String), ['91016775.35', '22473997.81', '2132777.54', '66410000']);
      const dept = (await get('/api/v1/departments/putuo-govt-office')).json;
      assert.deepEqual(dept.disclosures.map((d) => [d.year, d.kind, d.level]), [[2025, 'budget', 'department'], [2025, 'budget', 'unit']]);
    });

    // A real 决算 (tests/extract/expected/putuo-cpc-social-work-2024-final-dept.json), in 万元.
    // From the PDF's text: 收入支出决算总表 总计 307.82 on both sides (p5), 支出决算表 合计
    // 307.82 / 105.58 / 202.24 (p7), 表七 is 三公, 表八 政府性基金 (contents, p2).
    const CPC = '/api/v1/departments/putuo-cpc-social-work/finals/2024';

    it('corpus: 中共上海市普陀区委社会工作部 2024 决算, types by meaning, totals in 万元', async () => {
      const tables = (await get(`${CPC}/tables`)).json.items.map((t) => [t.position, t.type, t.unit]);
      assert.deepEqual(tables, [
        [1, 'final_summary', '万元'], [2, 'final_income', '万元'], [3, 'final_expenditure', '万元'],
        [4, 'final_fiscal_summary', '万元'], [5, 'final_general_function', '万元'], [6, 'final_general_basic', '万元'],
        [7, 'final_sangong', '万元'], [8, 'final_fund', '万元'], [9, 'final_capital', '万元'],
      ]);
      const { json, text } = await get(CPC);
      assert.equal(token(text, 'revenue'), '307.82');
      assert.equal(token(text, 'expenditure'), '307.82');
      assert.equal(token(text, 'basic'), '105.58');
      assert.equal(token(text, 'project'), '202.24');
      assert.deepEqual(json.totals.converted_from, []);
    });

    it('the department lists its disclosures with their level', async () => {
      const { json } = await get(DEPT);
      assert.deepEqual(json.disclosures.map((d) => [d.year, d.kind, d.level, d.links.self]), [
        [2024, 'final', 'department', FINAL],
        [2025, 'budget', 'department', BUDGET],
        [2025, 'budget', 'unit', `${BUDGET}?level=unit`],
      ]);
    });
  });
}
