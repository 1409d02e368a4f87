// i. 核对 (issue 12): findings stored with a disclosure, served per disclosure (JSON, CSV),
// across the store (filters, paging, 400 for a bad filter) and counted in the disclosure.
// The store is built by tests/findings_store from the bundled Kashgar disclosure with the
// findings of tests/http/fixtures/kashi-urumqi-office-2021-findings.json (written by hand,
// the audit rules are not involved) and a Putuo disclosure with none. Every expected value
// below is read off that file by hand.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ownStore } from '../lib/ownstore.mjs';
import { checkCsv } from '../lib/csv.mjs';

export const FINDINGS = 'kashi-urumqi-office-2021-findings.json';
const KASHI = '/api/v1/departments/kashi-urumqi-office/budgets/2021';
const PUTUO = '/api/v1/departments/putuo-commerce/budgets/2025';

/** Builds dir/store.sqlite: the seed with the fixture findings, a Putuo disclosure with none. */
export async function buildFindingsStore({ root, seedPath, dir }) {
  const tool = process.env.BUDGETD_FINDINGS_STORE || path.join(root, 'build/tests/findings_store');
  const store = path.join(dir, 'store.sqlite');
  const args = [store, seedPath, path.join(root, 'tests/http/fixtures', FINDINGS),
    path.join(root, 'db/data/putuo-commerce-2025-budget-dept.json'), '-'];
  await new Promise((resolve, reject) => {
    execFile(tool, args, { timeout: 20_000 }, (err, stdout, stderr) => (err
      ? reject(new Error(`findings_store failed (${err.code ?? err.signal}): ${stderr}`))
      : resolve()));
  });
  return store;
}

export default function audit(ctx) {
  describe('核对 findings (tests/http/fixtures, written by hand)', () => {
    const own = ownStore(ctx, 'budgetd-audit-', (dir) => buildFindingsStore({ root: ctx.root, seedPath: ctx.seedPath, dir }));
    const { get } = own;

    it('a disclosure\'s findings, in order, with counts by severity', async () => {
      const { json } = await get(`${KASHI}/audit`);
      assert.equal(json.total, 5);
      assert.deepEqual(json.by_severity, { error: 4, warning: 1, info: 0 });
      assert.deepEqual(json.items.map((f) => [f.position, f.rule, f.family, f.severity]), [
        [0, 'T01', 'table', 'error'], [1, 'T01', 'table', 'error'], [2, 'T01', 'table', 'error'],
        [3, 'T02', 'table', 'error'], [4, 'D03', 'document', 'warning']]);
      const [first] = json.items;
      assert.equal(first.message_zh, '表六 301 工资福利支出：下级科目合计 299.49，原表 299.48，相差 0.01');
      assert.deepEqual(first.place.table, { position: 6, type: 'budget_general_basic_economic', title: '一般公共预算基本支出情况表' });
      assert.deepEqual(first.place.row, { index: 0, codes: '301', name: '工资福利支出' });
      assert.deepEqual(first.place.column, { key: 'total', title: '合计' });
      assert.equal(first.place.page, 19);
      assert.equal(first.place.section, null);
      assert.deepEqual([first.expected, first.actual, first.difference, first.unit], ['299.49', '299.48', '-0.01', '万元']);
      const last = json.items[4];
      assert.deepEqual(last.place.section, { index: 9, key: 'project_expenditure', title: '一般公共预算项目支出情况说明' });
      assert.equal(last.place.quote, 'XX');
      assert.deepEqual([last.expected, last.actual, last.difference, last.unit, last.message_en], [null, null, null, null, null]);
      assert.equal(json.links.csv, `${KASHI}/audit?format=csv`);
    });

    it('each finding names a row that the table resource has at that index', async () => {
      const { json } = await get(`${KASHI}/audit`);
      const table = (await get(`${KASHI}/tables/6`)).json;
      for (const f of json.items.filter((x) => x.place.row)) {
        const row = table.rows[f.place.row.index];
        assert.equal(row.name, f.place.row.name, `${f.message_zh}: row ${f.place.row.index}`);
        assert.equal(String(row.amounts[f.place.column.key]), f.actual, `${f.message_zh}: the printed figure`);
      }
    });

    it('the disclosure answer counts them and links to them; a clean one says 0', async () => {
      const { json } = await get(KASHI);
      assert.deepEqual(json.audit, { total: 5, by_severity: { error: 4, warning: 1, info: 0 }, link: `${KASHI}/audit` });
      const clean = (await get(PUTUO)).json;
      assert.deepEqual(clean.audit, { total: 0, by_severity: { error: 0, warning: 0, info: 0 }, link: `${PUTUO}/audit` });
      assert.deepEqual((await get(`${PUTUO}/audit`)).json.items, []);
    });

    it('CSV: one line per finding, the place and figures as in JSON', async () => {
      const res = await own.client.api(`${KASHI}/audit?format=csv`);
      const records = checkCsv(res, 'audit CSV', { titleIncludes: '核对' });
      assert.deepEqual(records[0], ['规则', '类别', '严重程度', '表号', '行', '列', '页码', '应为', '实为', '差额', '单位', '说明']);
      assert.equal(records.length, 6);
      assert.deepEqual(records[1], ['T01', 'table', 'error', '6', '301 工资福利支出', '合计', '19', '299.49', '299.48', '-0.01', '万元',
        '表六 301 工资福利支出：下级科目合计 299.49，原表 299.48，相差 0.01']);
      assert.deepEqual(records[5], ['D03', 'document', 'warning', '', '', '', '', '', '', '', '', '项目支出情况说明中有“XX”字样，疑为模板未替换']);
      const byAccept = await own.client.api(`${KASHI}/audit`, { headers: { accept: 'text/csv' } });
      assert.ok(byAccept.buf.equals(res.buf), 'the same CSV by Accept: text/csv');
    });

    it('across the store as CSV: the disclosure\'s columns, then those of its findings CSV; paged', async () => {
      const res = await own.client.api('/api/v1/audit?format=csv');
      const records = checkCsv(res, 'store audit CSV', { titleIncludes: '核对' });
      assert.deepEqual(records[0], ['部门编号', '部门名称', '年度', '公开类型', '层级',
        '规则', '类别', '严重程度', '表号', '行', '列', '页码', '应为', '实为', '差额', '单位', '说明']);
      assert.equal(records.length, 6);
      const which = ['kashi-urumqi-office', '新疆维吾尔自治区喀什地区行政公署驻乌鲁木齐办事处', '2021', 'budget', 'department'];
      assert.deepEqual(records[1], [...which, 'T01', 'table', 'error', '6', '301 工资福利支出', '合计', '19', '299.49', '299.48', '-0.01', '万元',
        '表六 301 工资福利支出：下级科目合计 299.49，原表 299.48，相差 0.01']);
      assert.deepEqual(records[4], [...which, 'T02', 'table', 'error', '6', '合计', '合计', '', '345.09', '345.08', '-0.01', '万元',
        '表六 合计：各类合计 345.09，原表 345.08，相差 0.01']);
      assert.deepEqual(records[5], [...which, 'D03', 'document', 'warning', '', '', '', '', '', '', '', '', '项目支出情况说明中有“XX”字样，疑为模板未替换']);
      const byAccept = await own.client.api('/api/v1/audit', { headers: { accept: 'text/csv' } });
      assert.ok(byAccept.buf.equals(res.buf), 'the same CSV by Accept: text/csv');
      const page = await own.client.api('/api/v1/audit?severity=error&limit=3&format=csv');
      assert.deepEqual(checkCsv(page, 'a page').slice(1).map((r) => r[9]), ['301 工资福利支出', '302 商品和服务支出', '303 对个人和家庭的补助']);
      assert.equal(page.headers.get('link'), '</api/v1/audit?limit=3&offset=3&severity=error&format=csv>; rel="next"');
    });

    it('across the store: filtered by severity, rule, family, year and kind', async () => {
      const all = (await get('/api/v1/audit')).json;
      assert.equal(all.total, 5);
      assert.deepEqual(all.by_severity, { error: 4, warning: 1, info: 0 });
      const [f] = all.items;
      assert.deepEqual(f.department, { id: 'kashi-urumqi-office', name: '新疆维吾尔自治区喀什地区行政公署驻乌鲁木齐办事处' });
      assert.deepEqual([f.year, f.kind, f.level], [2021, 'budget', 'department']);
      assert.deepEqual(f.links, { disclosure: KASHI, audit: `${KASHI}/audit`,
        page: '/?dept=kashi-urumqi-office&year=2021&kind=budget#finding-1' });
      const count = async (q) => (await get(`/api/v1/audit?${q}`)).json.total;
      assert.equal(await count('severity=warning'), 1);
      assert.equal(await count('severity=info'), 0);
      assert.equal(await count('rule=T01'), 3);
      assert.equal(await count('rule=T99'), 0);
      assert.equal(await count('family=document'), 1);
      assert.equal(await count('year=2021&severity=error'), 4);
      assert.equal(await count('year=2025'), 0);
      assert.equal(await count('kind=final'), 0);
    });

    it('across the store: paged, with next as a link and a Link header', async () => {
      const page = await get('/api/v1/audit?severity=error&limit=3');
      assert.deepEqual(page.json.items.map((f) => f.position), [0, 1, 2]);
      assert.equal(page.json.links.next, '/api/v1/audit?limit=3&offset=3&severity=error');
      assert.equal(page.headers.get('link'), '</api/v1/audit?limit=3&offset=3&severity=error>; rel="next"');
      const last = (await get(page.json.links.next)).json;
      assert.deepEqual(last.items.map((f) => f.rule), ['T02']);
      assert.equal(last.links.next, null);
      assert.equal(last.total, 4);
    });

    it('a bad filter is 400 and lists the allowed values', async () => {
      const detail = async (q) => (await get(`/api/v1/audit?${q}`, 400)).json.detail;
      assert.equal(await detail('severity=fatal'), 'severity must be one of error, warning, info');
      assert.equal(await detail('family=tables'), 'family must be one of table, cross, text, document');
      assert.equal(await detail('kind=budgets'), 'kind must be budget or final');
      assert.match(await detail('rule=T%2001'), /^rule must be/);
      assert.equal(await detail('year=21'), 'year must be a number from 1990 to 2100');
      assert.equal(await detail('limit=0'), 'limit must be a number from 1 to 500');
      assert.equal(await detail('format=xml'), 'format must be json or csv');
    });

    it('404 for a disclosure that is not there; 400 for a bad level', async () => {
      await get('/api/v1/departments/kashi-urumqi-office/budgets/2020/audit', 404);
      await get(`${KASHI}/audit?level=unit`, 404);
      await get(`${KASHI}/audit?level=x`, 400);
      await get(`${KASHI}/audit/1`, 404);
    });
  });
}
