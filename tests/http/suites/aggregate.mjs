// 汇总 (issue 14): GET /api/v1/aggregate on the bundled store (seven disclosures: the seed and
// four Putuo departments). Every expected figure is read by hand off the import files
// (db/data) and checked against the PDFs' text (/work/shared/corpus/*.txt, pdftotext -layout):
// the line is named beside each. Sums are compared as the number tokens served (exact text;
// a whole number comes back as a number, hence String()).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCsv } from '../lib/csv.mjs';

const PUTUO = encodeURIComponent('上海市普陀区');
const YUAN = encodeURIComponent('元');

export default function aggregate(ctx) {
  const get = async (query) => {
    const res = await ctx.client.api(`/api/v1/aggregate?${query}`);
    assert.equal(res.status, 200, `${query}: ${res.text}`);
    return res;
  };

  describe('汇总 aggregates across the store', () => {
    it('which department of 上海市普陀区 spends most on 三公: one request', async () => {
      const { json, exact } = await get(`measure=sangong&region=${PUTUO}&group=department&order=-sum&limit=1`);
      // putuo-govt-office-2025-budget-dept.txt l.375: 2025年“三公”经费预算数为867.50万元;
      // putuo-wanli-subdistrict-2024-budget-dept.txt l.798: 47.91万元;
      // putuo-commerce-2025-budget-dept.txt: 1.00万元. (中共上海市普陀区委社会工作部 publishes
      // no 三公 figures in its import file and no region, so it is not among them.)
      assert.deepEqual(json.items.map((g) => [g.key.department, g.label.department, g.disclosures]),
        [['putuo-govt-office', '上海市普陀区人民政府办公室', 1]]);
      assert.equal(exact.items[0].sum, '867.5');
      assert.equal(exact.total.sum, '916.41'); // 867.50 + 47.91 + 1.00
      assert.deepEqual([json.unit, json.total.disclosures, json.total.groups, json.total.inexact], ['万元', 3, 3, 0]);
      assert.match(json.links.next, /offset=1/);
      const all = await get(`measure=sangong&region=${PUTUO}&group=department&order=-sum`);
      assert.deepEqual(all.json.items.map((g) => g.key.department),
        ['putuo-govt-office', 'putuo-wanli-subdistrict', 'putuo-commerce']);
      assert.deepEqual(all.exact.items.map((g) => String(g.sum)), ['867.5', '47.91', '1']);
      assert.equal(all.json.links.next, null);
      const past = await get(`measure=sangong&region=${PUTUO}&group=department&offset=5`);
      assert.deepEqual([past.json.items, past.json.total.groups], [[], 3]);
    });

    it('how 一般公共服务支出 (201) changed across all departments: one request by year', async () => {
      const { json, exact } = await get('measure=table:budget_expenditure:total&code=201&group=year');
      // 表三 支出总表, row 201 (its 末级 rows are summed; each equals the 类 row as printed):
      // 2021 kashi (万元): 662.96 (db/data/kashi-urumqi-office-2021-budget.json);
      // 2024 wanli (元): 2,932,700 (putuo-wanli-subdistrict-2024-budget-dept.txt l.222) = 293.27 万元;
      // 2025 commerce (元): 21,601,733.00 (putuo-commerce-2025-budget-dept.txt l.146) and
      // govt-office (元): 82,096,797.42 (putuo-govt-office-2025-budget-dept.txt l.137),
      // 2160.1733 + 8209.679742 = 10369.853042 万元.
      assert.deepEqual(json.items.map((g) => [g.key.year, g.disclosures]), [[2021, 1], [2024, 1], [2025, 2]]);
      assert.deepEqual(exact.items.map((g) => g.sum), ['662.96', '293.27', '10369.853042']);
      assert.equal(exact.total.sum, '11326.083042');
      const byDept = await get('measure=table:budget_expenditure:total&code=201&group=year,department&year=2025');
      assert.deepEqual(byDept.json.items.map((g) => [g.key.year, g.key.department, g.label.department]),
        [[2025, 'putuo-commerce', '上海市普陀区商务委员会'], [2025, 'putuo-govt-office', '上海市普陀区人民政府办公室']]);
      assert.deepEqual(byDept.exact.items.map((g) => g.sum), ['2160.1733', '8209.679742']);
    });

    it('a 元 table and a 万元 table summed exactly, in 元 and in 万元', async () => {
      // the four 201 figures above: 6,629,600 (662.96 万元) + 2,932,700 + 21,601,733.00
      // + 82,096,797.42 = 113,260,830.42 元
      const yuan = await get(`measure=table:budget_expenditure:total&code=201&unit=${YUAN}`);
      assert.equal(yuan.exact.total.sum, '113260830.42');
      assert.equal(yuan.json.unit, '元');
      assert.deepEqual(yuan.json.items, []);
      const wan = await get('measure=table:budget_expenditure:total&code=201');
      assert.equal(wan.exact.total.sum, '11326.083042');
    });

    it('function classes of one department: 末级 rows grouped by 类, labelled as published', async () => {
      const { json, exact } = await get('measure=table:budget_expenditure:total&department=putuo-govt-office&group=function');
      // putuo-govt-office-2025-budget-dept.json 表三 (元): 201 82,096,797.42; 208 4,213,779.28;
      // 210 1,097,073.43; 221 3,609,125.22; 合计 91,016,775.35 (txt l.111)
      assert.deepEqual(json.items.map((g) => [g.key.function, g.label.function]), [
        ['201', '一般公共服务支出'], ['208', '社会保障和就业支出'], ['210', '卫生健康支出'], ['221', '住房保障支出']]);
      assert.deepEqual(exact.items.map((g) => g.sum), ['8209.679742', '421.377928', '109.707343', '360.912522']);
      assert.equal(exact.total.sum, '9101.677535');
      // the same total whether read from the disclosure's sum, its sums per 类 or its 末级 rows
      for (const q of ['', '&group=function&depth=3', '&group=function&depth=2', '&group=year']) {
        const one = await get(`measure=table:budget_expenditure:total&department=putuo-govt-office${q}`);
        assert.deepEqual([one.exact.total.sum, one.json.total.figures], ['9101.677535', 12], q); // 4 + 4 + 2 + 2 末级 rows
      }
      const items = await get('measure=table:budget_expenditure:total&department=putuo-govt-office&group=function&depth=3&code=201');
      assert.deepEqual(items.json.items.map((g) => g.key.function), ['2010301', '2010302', '2010350', '2010399']);
    });

    it('level: 部门 disclosures by default, 单位 ones or all on request', async () => {
      // putuo-commerce publishes a 部门 and a 单位 2025 budget, 三公 1.00 万元 each
      const dept = await get('measure=sangong&department=putuo-commerce');
      assert.deepEqual([String(dept.exact.total.sum), dept.json.total.disclosures], ['1', 1]);
      // one cache entry per answer: the level is part of the key, the default written out or not
      const both = await get('measure=sangong&department=putuo-commerce&level=all');
      assert.deepEqual([String(both.exact.total.sum), both.json.total.disclosures], ['2', 2]);
      const unit = await get('measure=sangong&department=putuo-commerce&level=unit');
      assert.deepEqual([String(unit.exact.total.sum), unit.json.total.disclosures], ['1', 1]);
      const spelled = await get('measure=sangong&department=putuo-commerce&level=department&unit=%E4%B8%87%E5%85%83&order=key');
      assert.equal(spelled.headers.get('etag'), dept.headers.get('etag'));
      const all = await get('measure=sangong&department=putuo-commerce&level=all&group=level');
      assert.deepEqual(all.json.items.map((g) => [g.key.level, g.label.level]), [['department', '部门'], ['unit', '单位']]);
      assert.equal(String(all.exact.total.sum), '2');
    });

    it('headline totals: the figures a disclosure\'s totals show, by kind', async () => {
      // putuo-govt-office-2025-budget-dept.txt l.127: 支出总计 91,016,775.35 (元) = 9101.677535 万元;
      // putuo-cpc-social-work-2024-final-dept.txt l.441: 收入支出总计 307.82 万元 (a 决算: 决算数)
      const { json, exact } = await get('measure=expenditure&group=department,kind&level=department&year=2025&department=putuo-govt-office');
      assert.equal(exact.items[0].sum, '9101.677535');
      assert.deepEqual(json.items[0].label, { department: '上海市普陀区人民政府办公室', kind: '预算' });
      const final = await get('measure=expenditure&kind=final');
      assert.deepEqual([final.exact.total.sum, final.json.total.disclosures], ['307.82', 1]);
      for (const [dept, kind, year] of [['putuo-govt-office', 'budgets', 2025], ['putuo-cpc-social-work', 'finals', 2024]]) {
        const totals = (await ctx.client.api(`/api/v1/departments/${dept}/${kind}/${year}`)).exact.totals;
        for (const m of ['revenue', 'expenditure', 'basic', 'project']) {
          const one = await get(`measure=${m}&department=${dept}&year=${year}`);
          assert.equal(String(one.exact.total.sum), String(totals[m]), `${dept} ${m}`);
        }
      }
    });

    it('CSV: one line per group, the same figures as JSON', async () => {
      const query = `measure=sangong&region=${PUTUO}&group=department&order=-sum`;
      const res = await ctx.client.api(`/api/v1/aggregate?${query}&format=csv`);
      const records = checkCsv(res, 'aggregate CSV', { titleIncludes: '汇总' });
      assert.deepEqual(records, [
        ['部门编号', '部门名称', '合计（万元）', '公开数', '数字个数', '未能精确换算'],
        ['putuo-govt-office', '上海市普陀区人民政府办公室', '867.5', '1', '1', '0'],
        ['putuo-wanli-subdistrict', '上海市普陀区人民政府万里街道办事处', '47.91', '1', '1', '0'],
        ['putuo-commerce', '上海市普陀区商务委员会', '1', '1', '1', '0'],
      ]);
      const total = checkCsv(await ctx.client.api(`/api/v1/aggregate?measure=table:budget_expenditure:total&code=201&unit=${YUAN}&format=csv`), 'aggregate CSV total');
      assert.deepEqual(total, [['合计（元）', '公开数', '数字个数', '未能精确换算'], ['113260830.42', '4', '16', '0']]);
    });

    it('400s name the bad parameter', async () => {
      const cases = [
        ['', /^measure must be/],
        ['measure=nope', /^measure must be/],
        ['measure=table:nope:total', /^measure must be/],
        ['measure=sangong&group=city', /^group must be/],
        ['measure=sangong&group=function,economic', /^group must be/],
        ['measure=sangong&group=year,year', /^group must be/],
        ['measure=sangong&code=20', /^code must be/],
        ['measure=sangong&code=201', /^code and group=function or economic need a table measure/],
        ['measure=expenditure&group=function', /^code and group=function or economic need a table measure/],
        ['measure=sangong&unit=yuan', /^unit must be/],
        ['measure=sangong&order=biggest', /^order must be/],
        ['measure=sangong&depth=2', /^depth must be/],
        ['measure=table:budget_expenditure:total&group=function&depth=4', /^depth must be/],
        ['measure=sangong&level=county', /^level must be/],
        ['measure=sangong&kind=plan', /^kind must be/],
        ['measure=sangong&limit=0', /^limit must be/],
        ['measure=sangong&year=1800', /^year must be/],
        ['measure=sangong&department=A', /^department must be/],
        ['measure=sangong&format=xml', /^format must be/],
        ['measure=sangong&zz=1', /^unknown parameter "zz"/],
      ];
      for (const [query, detail] of cases) {
        const res = await ctx.client.api(`/api/v1/aggregate?${query}`);
        assert.equal(res.status, 400, query);
        assert.match(res.json.detail, detail, query);
      }
    });
  });
}
