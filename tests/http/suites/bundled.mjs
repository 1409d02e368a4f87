// i. The real disclosures of the bundled store (db/data/putuo-*.json, made with budgetctl
// extract from tests/extract/pdf/): served by table type, unit and level. Every figure
// below was read off the PDF page named beside it (rendered with pdftoppm), not off the
// extractor's output: 元 tables, a 万元 三公 table in the same 预算, a 决算, a 单位 disclosure.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { assertDecimal, canon, numText, printed } from '../lib/decimal.mjs';

const DEPTS = '/api/v1/departments';
const squeeze = (s) => (s ?? '').replace(/\s/g, '');


export default function bundled(ctx) {
  const get = async (url) => {
    const res = await ctx.client.api(url);
    assert.equal(res.status, 200, `GET ${url}: ${res.text.slice(0, 300)}`);
    return res.exact; // decimal tokens as their text: 867.50 is "867.50"
  };

  /** The table of this type in the disclosure at base (never found by its number). */
  const tableOf = async (base, type) => {
    const list = await get(`${base}/tables`);
    const item = list.items.find((t) => t.type === type);
    assert.ok(item, `${base}: no table of type ${type} in ${list.items.map((t) => t.type)}`);
    return get(item.links.self);
  };

  /** Row amounts by printed row name (and side), column by printed title (and group). */
  const cell = (table, { side, name, code }, { title, group }) => {
    const rows = table.rows.filter((r) => (!side || r.side === side) &&
      (code ? r.code === code : squeeze(r.name) === squeeze(name)));
    assert.equal(rows.length, 1, `${table.title}: one row ${side ?? ''} ${code ?? name}`);
    const cols = table.columns.filter((c) => (!side || c.side === side) && squeeze(c.title) === squeeze(title) &&
      (group === undefined || squeeze(c.group).endsWith(squeeze(group))));
    assert.equal(cols.length, 1, `${table.title}: one column ${group ?? ''}/${title}`);
    return rows[0].amounts[cols[0].key] ?? null;
  };

  const expectCells = (table, cases, where) => {
    for (const [row, col, figure] of cases) {
      assertDecimal(cell(table, row, col), figure === null ? null : printed(figure),
        `${where} ${row.code ?? row.name} ${col.group ?? ''}/${col.title}`);
    }
  };

  describe('the bundled Putuo disclosures (figures read off the PDFs)', () => {
    const office = `${DEPTS}/putuo-govt-office/budgets/2025`;

    it('govt-office lists its 部门 and 单位 disclosures of 2025, told apart by level', async () => {
      const d = await get(`${DEPTS}/putuo-govt-office`);
      assert.equal(d.name, '上海市普陀区人民政府办公室');
      assert.deepEqual(d.disclosures.map((x) => [x.year, x.kind, x.level]),
        [[2025, 'budget', 'department'], [2025, 'budget', 'unit']]);
      assert.equal(d.disclosures[1].links.self, `${office}?level=unit`);
    });

    it('govt-office 2025, 表一 (p8): 财务收支预算总表 in 元, both sides', async () => {
      const t = await tableOf(office, 'budget_summary');
      assert.equal(t.position, 1);
      assert.equal(t.unit, '元');
      expectCells(t, [
        [{ side: 'income', name: '收入总计' }, { title: '预算数' }, '91,016,775.35'],
        [{ side: 'income', name: '1. 一般公共预算资金' }, { title: '预算数' }, '91,016,775.35'],
        [{ side: 'income', name: '二、事业收入' }, { title: '预算数' }, null],
        [{ side: 'expenditure', name: '一、一般公共服务支出' }, { title: '预算数' }, '82,096,797.42'],
        [{ side: 'expenditure', name: '四、住房保障支出' }, { title: '预算数' }, '3,609,125.22'],
        [{ side: 'expenditure', name: '支出总计' }, { title: '预算数' }, '91,016,775.35'],
      ], 'govt-office 表一');
    });

    it('govt-office 2025, 表八 (p18-19): 基本支出 by economic class, across the page break', async () => {
      const t = await tableOf(office, 'budget_general_basic_economic');
      assert.equal(t.position, 8);
      assert.equal(t.unit, '元');
      expectCells(t, [
        [{ name: '合计' }, { title: '合计' }, '24,606,775.35'],
        [{ name: '合计' }, { title: '人员经费' }, '22,473,997.81'],
        [{ name: '合计' }, { title: '公用经费' }, '2,132,777.54'],
        [{ code: '30302' }, { title: '人员经费' }, '1,188,720.00'],
        [{ code: '30302' }, { title: '公用经费' }, null],
        [{ code: '30228' }, { title: '公用经费' }, '248,117.54'],
        [{ code: '31002' }, { title: '合计' }, '200,000.00'],
      ], 'govt-office 表八');
    });

    it('govt-office 2025, 表九 (p20) in 万元 inside a 元 disclosure; 三公 from it', async () => {
      const t = await tableOf(office, 'budget_sangong');
      assert.equal(t.position, 9);
      assert.equal(t.unit, '万元');
      const sg = await get(`${office}/sangong`);
      assert.equal(sg.unit, '万元');
      assertDecimal(sg.amount, '867.50', '三公 合计');
      const items = Object.fromEntries(sg.items.map((i) => [i.key, i.amount]));
      assertDecimal(items.abroad, '839.00', '因公出国（境）费');
      assertDecimal(items.reception, '28.50', '公务接待费');
      assert.equal(cell(t, { name: '' }, { title: '购置费' }) ?? null, null, '公务用车购置费: blank in the table');
      // p21's text prints what the table leaves blank: 公务用车购置费0万元，与2024年预算持平
      assertDecimal(items.vehicle_purchase, '0', '公务用车购置费 in the text');
      const changes = Object.fromEntries(sg.items.map((i) => [i.key, i.change]));
      assertDecimal(changes.abroad, '0', '因公出国（境）费 与2024年预算持平');
      assertDecimal(changes.reception, '0', '公务接待费 与2024年预算持平');
    });

    it('the number tokens carry the decimals the PDFs print (867.50 p20, 91,016,775.35 p8, 156,211,123 p10)', async () => {
      const text = async (url) => {
        const res = await ctx.client.api(url);
        assert.equal(res.status, 200, url);
        return res.text;
      };
      // govt-office p20: 三公 合计 867.50, 因公出国（境）费 839.00, 公务接待费 28.50
      const sg = await text(`${office}/sangong`);
      assert.match(sg, /^\{"unit":"万元","amount":867\.50,/, '867.50, not 867.5');
      assert.match(sg, /"key":"abroad","label":"[^"]*","amount":839\.00,/, '839.00, not 839');
      assert.match(sg, /"prior_year":867\.50,/, '867.50 - 0: a difference keeps the printed decimals');
      // govt-office p8: 收入总计 91,016,775.35
      const t1 = await text(`${office}/tables/1`);
      assert.match(t1, /"name":"收入总计",[^{]*"amounts":\{"income":91016775\.35\}/);
      // wanli p10: 收入总计 156,211,123, printed without decimals
      const w1 = await text(`${DEPTS}/putuo-wanli-subdistrict/budgets/2024/tables/1`);
      assert.match(w1, /"name":"收入总计",[^{]*"amounts":\{"income":156211123\}/);
      // the CSV writes the same text
      const csv = await text(`${office}/tables/9?format=csv`);
      assert.match(csv, /\r\n,,867\.50,839\.00,28\.50,,,,213\.28,万元,0,,,,否,20(,[0-9.]+){4}\r\n/);
    });

    it('govt-office 2025: headline totals in 万元, converted exactly from 元 and saying so', async () => {
      const d = await get(office);
      assert.equal(d.totals.unit, '万元');
      assert.deepEqual(d.totals.converted_from, ['元']);
      assertDecimal(d.totals.revenue, '9101.677535', '收入总计 91,016,775.35 元');
      assertDecimal(d.totals.basic, '2460.677535', '基本支出 24,606,775.35 元');
      assertDecimal(d.totals.project, '6641', '项目支出 66,410,000.00 元');
    });

    it('govt-office 2025 单位 (?level=unit) is its own disclosure', async () => {
      const d = await get(`${office}?level=unit`);
      assert.equal(d.level, 'unit');
      const t = await tableOf(`${office}`, 'budget_summary');
      const u = await get(`${office}/tables/1?level=unit`);
      assert.equal(u.type, 'budget_summary');
      assert.notDeepEqual(u.columns, t.columns, 'the 单位 表一 prints four expenditure columns');
    });

    it('cpc-social-work 2024 决算, 表一 (p5) and 表五 (p12), in 万元', async () => {
      const base = `${DEPTS}/putuo-cpc-social-work/finals/2024`;
      const t1 = await tableOf(base, 'final_summary');
      assert.equal(t1.unit, '万元');
      expectCells(t1, [
        [{ side: 'income', name: '一、一般公共预算财政拨款收入' }, { title: '决算数' }, '307.82'],
        [{ side: 'income', name: '本年收入合计' }, { title: '决算数' }, '307.82'],
        [{ side: 'expenditure', name: '一、一般公共服务支出' }, { title: '决算数' }, '264.87'],
        [{ side: 'expenditure', name: '八、社会保障和就业支出' }, { title: '决算数' }, '10.82'],
        [{ side: 'expenditure', name: '十九、住房保障支出' }, { title: '决算数' }, '29.42'],
        [{ side: 'expenditure', name: '二、外交支出' }, { title: '决算数' }, null],
        [{ side: 'expenditure', name: '总计' }, { title: '决算数' }, '307.82'],
      ], 'cpc 表一');
      const t5 = await tableOf(base, 'final_general_function');
      assert.equal(t5.position, 5);
      expectCells(t5, [
        [{ name: '合计' }, { title: '合计' }, '307.82'],
        [{ name: '合计' }, { title: '基本支出' }, '105.58'],
        [{ name: '合计' }, { title: '项目支出' }, '202.24'],
        [{ code: '2013901' }, { title: '基本支出' }, '51.32'],
        [{ code: '2080505' }, { title: '合计' }, '6.18'],
        [{ code: '2013999' }, { title: '基本支出' }, null],
        [{ code: '2013999' }, { title: '项目支出' }, '202.24'],
      ], 'cpc 表五');
      const row = t5.rows.find((r) => r.code === '2080505');
      assert.equal(squeeze(row.name), '机关事业单位基本养老保险缴费支出', 'a name wrapped over three lines');
    });

    it('wanli 2024, 表一 (p10) in whole 元 and 表九 (p31) in 万元', async () => {
      const base = `${DEPTS}/putuo-wanli-subdistrict/budgets/2024`;
      const t1 = await tableOf(base, 'budget_summary');
      expectCells(t1, [
        [{ side: 'income', name: '收入总计' }, { title: '预算数' }, '156,211,123'],
        [{ side: 'expenditure', name: '八、城乡社区支出' }, { title: '预算数' }, '119,385,303'],
        [{ side: 'expenditure', name: '六、社会保障和就业支出' }, { title: '预算数' }, '19,604,064'],
      ], 'wanli 表一');
      const sg = await get(`${base}/sangong`);
      assertDecimal(sg.amount, '47.91', 'wanli 三公 合计');
      const t9 = await tableOf(base, 'budget_sangong');
      assert.match(t9.note, /故本表为空表/, 'the note is kept as printed, though the table has figures');
    });

    it('commerce 2025, 表一 (p9): 收入总计 and 资源勘探工业信息等支出', async () => {
      const t1 = await tableOf(`${DEPTS}/putuo-commerce/budgets/2025`, 'budget_summary');
      expectCells(t1, [
        [{ side: 'income', name: '收入总计' }, { title: '预算数' }, '371,514,655.00'],
        [{ side: 'expenditure', name: '五、资源勘探工业信息等支出' }, { title: '预算数' }, '293,810,000.00'],
        [{ side: 'expenditure', name: '四、卫生健康支出' }, { title: '预算数' }, '881,803.00'],
      ], 'commerce 表一');
    });

    it('govt-office 2025, 其他相关情况说明 (p21): the objects its text prints', async () => {
      const d = await get(office);
      // 政府采购预算34万元 = 货物0万元 + 工程0万元 + 服务34万元; 中小企业预留34, 小型和微型34
      assertDecimal(d.procurement.amount, '34', '政府采购预算');
      assertDecimal(d.procurement.goods, '0', '货物');
      assertDecimal(d.procurement.works, '0', '工程');
      assertDecimal(d.procurement.services, '34', '服务');
      assertDecimal(d.procurement.sme_reserved, '34', '面向中小企业预留');
      assertDecimal(d.procurement.small_micro_reserved, '34', '预留给小型和微型企业');
      // 下属1家机关和1家事业单位…机关运行经费预算为213.28万元
      assertDecimal(d.operating_costs.amount, '213.28', '机关运行经费');
      assert.equal(d.operating_costs.administrative_units, 1);
      assert.equal(d.operating_costs.institutional_units, 1);
      // 编报绩效目标的项目11个，涉及项目预算资金6626万元
      assert.equal(d.performance.project_count, 11);
      assertDecimal(d.performance.amount, '6626', '绩效目标 项目预算资金');
      // 截至2024年8月31日…共有车辆0辆…单价100万元（含）以上设备（不含车辆）0台（套）
      assert.equal(d.assets.as_of, '2024-08-31');
      assert.deepEqual(d.assets.vehicles.map((v) => [v.kind, v.count]).slice(0, 2),
        [['total', 0], ['ministerial', 0]]);
      assert.equal(d.assets.equipment_over_100, 0);
      assert.equal(d.assets.planned_vehicles, 0);
    });

    it('govt-office 2025, 编制说明 (p6): figures of the text, with 科目 codes', async () => {
      const d = await get(office);
      const overall = d.explanations.find((e) => e.title === '2025年部门预算编制说明');
      const fig = (label) => overall.figures.find((f) => f.label === label);
      assertDecimal(fig('收入预算').amount, '9101.68', '收入预算9,101.68万元');
      assertDecimal(fig('财政拨款收入').change, '-2389.52', '比2024年预算减少2,389.52万元');
      const run = fig('一般公共服务支出-政府办公厅（室）及相关机构事务-行政运行');
      assertDecimal(run.amount, '1202.95', '行政运行 科目1,202.95万元');
      assert.equal(run.code ?? run.codes?.join(''), '2010301');
    });

    it('govt-office 2025 (p22): the project of 项目经费情况说明, with no printed total', async () => {
      const list = await get(`${office}/projects`);
      assert.equal(list.items.length, 1);
      const p = list.items[0];
      assert.equal(p.id, 'p1');
      assert.equal(p.name, '区政府督查及建议提案工作业务经费');
      assert.equal(p.period, '2025全年度。');
      assert.equal(p.amount, null);
      const d = await get(office);
      assert.ok(!d.explanations.some((e) => e.title === '项目概述'), 'not kept twice');
    });

    it('commerce 2025 (p22): 政府采购 38.20 = 7.80 + 0 + 30.40, 机关运行经费, 绩效', async () => {
      const d = await get(`${DEPTS}/putuo-commerce/budgets/2025`);
      assertDecimal(d.procurement.amount, '38.20', '政府采购预算');
      assertDecimal(d.procurement.goods, '7.80', '货物');
      assertDecimal(d.procurement.works, '0', '工程');
      assertDecimal(d.procurement.services, '30.40', '服务');
      assertDecimal(d.operating_costs.amount, '171.01', '机关运行经费');
      assert.equal(d.performance.project_count, 25);
      assertDecimal(d.performance.amount, '11381.60', '绩效目标 项目预算资金');
      const list = await get(`${DEPTS}/putuo-commerce/budgets/2025/projects`);
      // pp23-26: four 专项, each with 2025年度项目总预算
      const printedTotals = [
        ['科技创新专项', '1720.00'], ['生命健康专项（政策资金）', '1170.00'],
        ['商业创新专项（政策资金）', '1410.00'], ['贸易高质量发展专项（政策资金）', '2921.00'],
      ];
      assert.deepEqual(list.items.map((p) => p.name), printedTotals.map(([n]) => n));
      printedTotals.forEach(([name, total], i) => assertDecimal(list.items[i].amount, total, name));
    });

    it('cpc-social-work 2024 决算 (pp21-22): 机关运行经费 final, 政府采购, 绩效', async () => {
      const d = await get(`${DEPTS}/putuo-cpc-social-work/finals/2024`);
      // 机关运行经费支出10.23万元，比2023年度增加10.23万元，增长100.00%
      assertDecimal(d.operating_costs.final, '10.23', '机关运行经费支出');
      assertDecimal(d.operating_costs.change, '10.23', '比2023年度增加');
      assertDecimal(d.operating_costs.change_percent, '100.00', '增长100.00%');
      // 政府采购金额21.07万元：货物21.07、工程0、服务0
      assertDecimal(d.procurement.amount, '21.07', '政府采购金额');
      assertDecimal(d.procurement.goods, '21.07', '货物');
      // 编报绩效目标的2024年度项目1个，涉及预算金额175.52万元
      assert.equal(d.performance.project_count, 1);
      assertDecimal(d.performance.amount, '175.52', '绩效目标');
    });

    it('a table CSV says its unit, so 元 never passes for 万元', async () => {
      const res = await ctx.client.api(`${office}/tables/1?format=csv`);
      assert.equal(res.status, 200);
      assert.match(res.text.split('\n')[0], /（元）/);
      const t9 = await ctx.client.api(`${office}/tables/9?format=csv`);
      assert.match(t9.text.split('\n')[0], /（万元）/);
      assert.doesNotMatch(t9.text.split('\n')[0], /（元）/);
    });
  });

  // #18: where each figure was printed. The oracle is the PDF itself: pdftotext -bbox's words
  // on the page the API names, never the extractor's output.
  describe('where each figure was printed: every box of the bundled PDFs against pdftotext -bbox', () => {
    const pages = new Map();
    /** The words pdftotext prints on page n of pdf, each with its box in points. */
    const words = (pdf, n) => {
      const key = `${pdf}#${n}`;
      if (!pages.has(key)) {
        const xml = execFileSync('pdftotext', ['-q', '-bbox', '-f', String(n), '-l', String(n), pdf, '-'], { encoding: 'utf8' });
        pages.set(key, [...xml.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)]
          .map((m) => ({ x0: +m[1], y0: +m[2], x1: +m[3], y1: +m[4], text: m[5].replace(/&amp;/g, '&') })));
      }
      return pages.get(key);
    };
    const E = 0.011; // the store keeps hundredths of a point
    /** The words wholly inside printed's box (x0, y0, x1, y1 after the page). */
    const inside = (pdf, p) => {
      const [, x0, y0, x1, y1] = p.box.map(Number);
      return words(pdf, p.page).filter((w) => w.x0 >= x0 - E && w.y0 >= y0 - E && w.x1 <= x1 + E && w.y1 <= y1 + E);
    };
    /** The bundled disclosures imported from a PDF of tests/extract/pdf, with that file. */
    const fromPdfs = async () => {
      const out = [];
      for (const d of (await get(`${DEPTS}?limit=500`)).items) {
        for (const ref of (await get(d.links.self)).disclosures) {
          const doc = await get(ref.links.self);
          const pdf = path.join(ctx.root, 'tests', 'extract', 'pdf', doc.source?.file ?? '-');
          if (doc.source?.file && fs.existsSync(pdf)) out.push({ doc, pdf });
        }
      }
      assert.equal(out.length, 6, 'the six bundled PDFs');
      return out;
    };
    const tablesOf = async (doc) => Promise.all((await get(doc.links.tables)).items.map((t) => get(t.links.self)));

    it('every table figure has a box, and the box holds exactly the printed figure; every row name too', async () => {
      let cells = 0, names = 0;
      for (const { doc, pdf } of await fromPdfs()) {
        for (const t of await tablesOf(doc)) {
          const where = `${doc.source.file} 表${t.position}`;
          if (t.rows.length > 0) assert.ok(t.printed, `${where}: the title's place`);
          for (const r of t.rows) {
            for (const [k, v] of Object.entries(r.amounts)) {
              const p = r.printed[k];
              assert.ok(p, `${where} ${r.name} ${k}: a box`);
              const ws = inside(pdf, p);
              assert.equal(ws.length, 1, `${where} ${r.name} ${k}: one word in ${p.box}: ${JSON.stringify(ws)}`);
              assert.equal(ws[0].text.replace(/,/g, ''), numText(v), `${where} ${r.name} ${k}`);
              cells++;
            }
            if (r.printed.name) {
              const ws = inside(pdf, r.printed.name);
              assert.equal(ws.map((w) => w.text).join(''), squeeze(r.name), `${where}: the name's box`);
              names++;
            }
          }
        }
      }
      // every figure of the six files' tables, and most row names (a row printed without a
      // name, 合计 beside its code, has none)
      assert.ok(cells > 2000 && names > 1000, `${cells} figures, ${names} names checked`);
    });

    it('every 情况说明 figure has a box on the printed line that states it', async () => {
      let n = 0;
      for (const { doc, pdf } of await fromPdfs()) {
        for (const e of doc.explanations) {
          assert.ok(e.printed, `${doc.source.file} ${e.key}: the heading's place`);
          for (const f of e.figures.filter((x) => x.amount !== null)) {
            const where = `${doc.source.file} ${e.key} ${f.label}`;
            assert.ok(f.printed, `${where}: a box`);
            const [, x0, y0, x1, y1] = f.printed.box.map(Number);
            // poppler may give a whole line as one word: the box is then part of it
            const line = words(pdf, f.printed.page).filter((w) => Math.abs(w.y0 - y0) <= E &&
              Math.abs(w.y1 - y1) <= E && w.x1 > x0 && w.x0 < x1);
            assert.ok(line.map((w) => w.text).join('').replace(/,/g, '').includes(numText(f.amount)),
              `${where}: ${numText(f.amount)} in ${JSON.stringify(line.map((w) => w.text))}`);
            n++;
          }
        }
      }
      assert.ok(n > 300, `${n} figures checked`);
    });

    it('a table CSV gives each row\'s page and extent: the box around its name and figures', async () => {
      const { doc } = (await fromPdfs())[0];
      for (const t of await tablesOf(doc)) {
        const res = await ctx.client.api(`${t.links.csv}`);
        const [head, ...lines] = parse(res.buf, { bom: true });
        if (t.rows.length === 0) continue;
        assert.deepEqual(head.slice(-5), ['页码', 'x0', 'y0', 'x1', 'y1'], `表${t.position} CSV header`);
        t.rows.forEach((r, i) => {
          const boxes = Object.values(r.printed).filter((p) => p.page === Object.values(r.printed)[0]?.page);
          const want = boxes.length === 0 ? ['', '', '', '', ''] : [String(boxes[0].page),
            ...[1, 2, 3, 4].map((k) => canon(String((k < 3 ? Math.min : Math.max)(...boxes.map((p) => Number(p.box[k]))))))];
          assert.deepEqual(lines[i].slice(-5), want, `表${t.position} row ${i} (${r.name})`);
        });
      }
      // a table typed in by hand has no such columns
      const seed = await ctx.client.api(`${DEPTS}/kashi-urumqi-office/budgets/2021/tables/1?format=csv`);
      assert.doesNotMatch(seed.text.split('\r\n')[0], /页码/);
    });
  });
}
