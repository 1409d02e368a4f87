// f. CSV: tables 1..9 and the project list, by ?format=csv and by Accept: text/csv, compared
// cell by cell with the JSON representation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCsv, expectProjectsCsv, expectTableCsv, textCell } from '../lib/csv.mjs';

export default function csv(ctx) {
  /** The CSV by ?format=csv and by Accept: text/csv (identical), and the JSON of url. */
  async function both(url) {
    const byFormat = await ctx.client.api(`${url}?format=csv`);
    const byAccept = await ctx.client.api(url, { headers: { accept: 'text/csv' } });
    const json = await ctx.client.api(url);
    assert.equal(json.status, 200, `${url} as JSON`);
    return { byFormat, byAccept, json: json.exact }; // 96.80 as "96.80", as the CSV writes it
  }

  describe('CSV', () => {
    for (let n = 1; n <= 9; n++) {
      it(`table ${n}: ?format=csv and Accept: text/csv, every cell equals the JSON`, async () => {
        const url = `${ctx.base}/tables/${n}`;
        const { byFormat, byAccept, json } = await both(url);
        const records = checkCsv(byFormat, `${url}?format=csv`, { titleIncludes: json.title });
        checkCsv(byAccept, `${url} (Accept: text/csv)`, { titleIncludes: json.title });
        assert.ok(byAccept.buf.equals(byFormat.buf), 'the same CSV either way');
        expectTableCsv(records, json, `table ${n} CSV`);
      });
    }

    it('projects: ?format=csv and Accept: text/csv, id/name/withheld/amount equal the JSON', async () => {
      const url = `${ctx.base}/projects`;
      const { byFormat, byAccept, json } = await both(url);
      const records = checkCsv(byFormat, `${url}?format=csv`);
      checkCsv(byAccept, `${url} (Accept: text/csv)`);
      assert.ok(byAccept.buf.equals(byFormat.buf), 'the same CSV either way');
      expectProjectsCsv(records, json, 'projects CSV');
    });

    it('departments: ?format=csv and Accept: text/csv, the page of the JSON list, one line each', async () => {
      const url = '/api/v1/departments';
      const { byFormat, byAccept, json } = await both(url);
      const records = checkCsv(byFormat, `${url}?format=csv`, { titleIncludes: '部门' });
      checkCsv(byAccept, `${url} (Accept: text/csv)`);
      assert.ok(byAccept.buf.equals(byFormat.buf), 'the same CSV either way');
      assert.deepEqual(records[0], ['部门编号', '部门名称', '年度']);
      assert.deepEqual(records.slice(1), json.items.map((d) => [d.id, d.name, d.years.join(';')]));
      const { id, name } = ctx.data.department; // the seed, typed from the PDF
      assert.deepEqual(records.find((r) => r[0] === id), [id, name, String(ctx.data.year)]);
      const page = await ctx.client.api(`${url}?limit=1&format=csv`);
      assert.equal(checkCsv(page, 'one line').length, 2);
      assert.equal(page.headers.get('link'), '</api/v1/departments?limit=1&offset=1&format=csv>; rel="next"');
    });

    it('三公: one line per item, figures as published, the unit in the headers', async () => {
      const url = `${ctx.base}/sangong`;
      const { byFormat, byAccept } = await both(url);
      const records = checkCsv(byFormat, `${url}?format=csv`, { titleIncludes: '三公经费' });
      checkCsv(byAccept, `${url} (Accept: text/csv)`);
      assert.ok(byAccept.buf.equals(byFormat.buf), 'the same CSV either way');
      // The seed's sangong (说明 八, 表八): 万元; 80.00 up 80.00 on 0; 16.80 unchanged.
      assert.deepEqual(records, [
        ['键', '项目', '金额（万元）', '上年数（万元）', '增减（万元）', '预算数（万元）', '决算数（万元）', '完成率（%）', '原因'],
        ['abroad', '因公出国（境）费', '0', '0', '0', '', '', '', '未安排预算'],
        ['vehicle_purchase', '公务用车购置费', '80.00', '0.00', '80.00', '', '', '', '疆内喀什籍务工人员服务管理工作指挥部新增购车经费'],
        ['vehicle_operation', '公务用车运行费', '16.80', '16.80', '0', '', '', '', '与上年相比无变化'],
        ['reception', '公务接待费', '0', '0', '0', '', '', '', '未安排预算'],
      ]);
    });

    it('a project: its performance indicators, one line each, as the seed has them', async () => {
      const url = `${ctx.base}/projects/business-operations`;
      const { byFormat, byAccept } = await both(url);
      const records = checkCsv(byFormat, `${url}?format=csv`, { titleIncludes: '业务运转经费项目-绩效指标' });
      checkCsv(byAccept, `${url} (Accept: text/csv)`);
      assert.ok(byAccept.buf.equals(byFormat.buf), 'the same CSV either way');
      assert.deepEqual(records[0], ['一级指标', '二级指标', '三级指标', '指标值', '符号', '数值', '单位']);
      // The seed's 项目支出绩效目标表 (typed from the PDF), field by field.
      const seed = ctx.data.projects.find((p) => p.id === 'business-operations').performance.indicators;
      assert.deepEqual(records.slice(1), seed.map((i) => [i.level1, i.level2, i.name, i.value, i.op, i.number, i.unit]
        .map((v, k) => (k === 5 ? v ?? '' : textCell(v)))));
      assert.deepEqual(records[1], ['产出指标', '数量指标', '办公用房取暖面积', '≥2375.48平方米', '≥', '2375.48', '平方米']);
      assert.deepEqual(records.find((r) => r[2] === '设备质量合格率'), ['产出指标', '质量指标', '设备质量合格率', "'=100%", "'=", '100', '%']);
      assert.deepEqual(records.find((r) => r[1] === '生态效益指标'), ['效益指标', '生态效益指标', '', '', '', '', '']);
      const withheld = checkCsv(await ctx.client.api(`${ctx.base}/projects/withheld-1?format=csv`), 'withheld project');
      assert.deepEqual(withheld, [records[0]], 'a withheld project publishes no indicators: the header only');
    });

    it('codes are text: the published segments joined, zeros kept (表二)', async () => {
      const url = `${ctx.base}/tables/2`;
      const json = (await ctx.client.api(url)).json;
      const records = checkCsv(await ctx.client.api(`${url}?format=csv`), 'table 2 CSV');
      const withZero = json.rows.filter((r) => r.codes?.some((c) => c.startsWith('0')));
      assert.ok(withZero.length > 0, 'the table has code segments with a leading zero (03, 05, 02)');
      for (const r of withZero) assert.equal(records[r.index + 1][0], r.codes.join(''), r.name);
    });

    it('tables: 单位, 层级, 类/款/项 as text and 末级 appended; the 末级 rows sum without double counting (表六)', async () => {
      const records = checkCsv(await ctx.client.api(`${ctx.base}/tables/6?format=csv`), 'table 6 CSV');
      const head = records[0];
      assert.deepEqual(head.slice(0, 2), ['科目编码', '科目名称'], 'the existing columns keep their place');
      assert.deepEqual(head.slice(-6), ['单位', '层级', '类', '款', '项', '末级']);
      const tail = (name) => records.find((r) => r[1] === name).slice(-6);
      // The seed's 表六 (万元): 301 工资福利支出 is a 类 over 30101 基本工资 … ; 合计 345.08.
      assert.deepEqual(tail('工资福利支出'), ['万元', '1', '301', '', '', '否']);
      assert.deepEqual(tail('基本工资'), ['万元', '2', '301', '01', '', '是']);
      assert.deepEqual(tail('合计'), ['万元', '0', '', '', '', '否']);
      const t7 = checkCsv(await ctx.client.api(`${ctx.base}/tables/7?format=csv`), 'table 7 CSV');
      const row = t7.find((r) => r[2] === '服务质量改善项目');
      assert.deepEqual(row.slice(-6), ['万元', '3', '201', '03', '99', '是']);
      // 表六 人员经费 as the seed prints it: 合计 309.32 = 类 301 299.48 + 类 303 9.84; the 款
      // rows under them sum to 299.49 and 9.83 (the seed's note), 309.32 again.
      const col = head.indexOf('一般公共预算基本支出/人员经费（万元）');
      const cents = (rows) => rows.reduce((a, r) => a + Math.round(Number(r[col] || 0) * 100), 0);
      const items = records.slice(1);
      assert.equal(cents(items.filter((r) => r.at(-5) === '1')), 30932, '层级 1 (类) rows');
      assert.equal(cents(items.filter((r) => r.at(-1) === '是')), 30932, '末级 rows');
      assert.equal(cents(items.filter((r) => r.at(-5) !== '0')), 2 * 30932, 'every item row: 类 and 款 counted twice');
    });

    it('?format=json forces JSON even when Accept asks for CSV', async () => {
      const res = await ctx.client.api(`${ctx.base}/tables/1?format=json`, { headers: { accept: 'text/csv' } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(res.headers.get('content-disposition'), null);
    });

    it('JSON is preferred when Accept allows both', async () => {
      const res = await ctx.client.api(`${ctx.base}/tables/1`, { headers: { accept: 'text/csv, application/json' } });
      assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    });
  });
}
