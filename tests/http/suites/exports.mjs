// l. Bulk and standard formats (#14): the long CSV of a disclosure and of the store, their
// Fiscal Data Packages (validated by Frictionless's own library, npm datapackage), and XLSX
// of every table and of a whole disclosure (read back with openpyxl, a reader independent
// of the writer). Expected figures come from the import files in db/data (the documents,
// typed or extracted from the corpus PDFs) and from the JSON answers, which the other suites
// check against those files.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { canon, printed } from '../lib/decimal.mjs';
import { csvColumnTitle } from '../lib/csv.mjs';
import { validatePackage } from '../../datapackage/validate.mjs';
import { ownStore } from '../lib/ownstore.mjs';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const HEADER = ['department_id', 'department_name', 'region', 'year', 'kind', 'level',
  'table_position', 'table_type', 'table_title', 'row_index', 'side', 'row_kind', 'row_level',
  'code', 'code_lei', 'code_kuan', 'code_xiang', 'row_name', 'leaf', 'column_key',
  'column_group', 'column_title', 'measure', 'unit', 'value', 'value_yuan', 'page', 'x0', 'y0',
  'x1', 'y1'];

const DIGITS = ['', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
/** 表几 as written: 一, 十, 十二, 二十. */
const numeral = (n) => (n < 10 ? DIGITS[n] : `${n >= 20 ? DIGITS[Math.floor(n / 10)] : ''}十${DIGITS[n % 10]}`);

/** A decimal text moved k places to the right, written without needless zeros in front:
 * ("700.94", 4) -> "7009400", ("6.536278", 4) -> "65362.78". Plain string work, no float. */
function shift(s, k) {
  const neg = s.startsWith('-');
  const [int, frac = ''] = (neg ? s.slice(1) : s).split('.');
  const digits = (int + frac).padEnd(int.length + k, '0');
  const point = int.length + k;
  const whole = digits.slice(0, point).replace(/^0+(?=\d)/, '');
  const rest = digits.slice(point);
  const out = `${whole}${rest ? `.${rest}` : ''}`;
  return neg && /[1-9]/.test(out) ? `-${out}` : out;
}
const YUAN = { 元: 0, 千元: 3, 万元: 4, 亿元: 8 };

/** The Python that has openpyxl (Debian's python3-openpyxl), or null. */
function findPython() {
  for (const py of [process.env.BUDGETD_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean)) {
    try {
      execFileSync(py, ['-c', 'import openpyxl'], { stdio: 'ignore' });
      return py;
    } catch { /* try the next */ }
  }
  return null;
}

/** Every line an import file's tables give the long CSV, keyed position/row/column (an
 * unplaced figure: position/row/#k), each {value, unit, row, table}. */
function expectedLines(doc) {
  const lines = new Map();
  for (const t of doc.tables) {
    const position = t.position ?? t.number;
    const unit = t.unit ?? doc.unit;
    t.rows.forEach((row, i) => {
      for (const c of t.columns) {
        const v = row.amounts?.[c.key];
        if (v !== undefined && v !== null) lines.set(`${position}/${i}/${c.key}`, { value: printed(v), unit, row, table: t, col: c });
      }
      (row.unplaced ?? []).forEach((v, k) => lines.set(`${position}/${i}/#${k}`, { value: printed(v), unit, row, table: t }));
    });
  }
  return lines;
}

const level = (doc) => doc.level ?? 'department';
/** An import file's codes, split as the format says: an array, or joined 3-2-2. */
const splitCodes = (c) => (Array.isArray(c) ? c : typeof c === 'string' ? [c.slice(0, 3), c.slice(3, 5), c.slice(5, 7)].filter(Boolean) : []);
const disclosureBase = (doc) => `/api/v1/departments/${doc.department.id}/${doc.kind}s/${doc.year}`;
const query = (doc) => (level(doc) === 'unit' ? '?level=unit' : '');

export default function exports(ctx) {
  const python = findPython();

  /** The long CSV at url: checks the transport and returns its records (objects). */
  async function amounts(url, where) {
    const res = await ctx.client.api(url);
    assert.equal(res.status, 200, `${where}: ${res.text.slice(0, 200)}`);
    assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8', where);
    assert.notEqual(res.buf[0], 0xef, `${where}: no byte order mark (it is for data tools)`);
    assert.ok(res.text.endsWith('\r\n'), `${where}: CRLF`);
    assert.doesNotMatch(res.text, /(?<!\r)\n/, `${where}: every line ends with CRLF`);
    const rows = parse(res.buf, { relax_column_count: false });
    assert.deepEqual(rows[0], HEADER, `${where}: the header`);
    return { res, records: rows.slice(1).map((r) => Object.fromEntries(HEADER.map((h, i) => [h, r[i]]))) };
  }

  /** Checks the long CSV's lines of one disclosure against its import file, line for line. */
  function expectDisclosureLines(records, doc, where) {
    const want = expectedLines(doc);
    assert.equal(records.length, want.size, `${where}: one line per published figure`);
    const seen = new Set();
    for (const r of records) {
      const key = r.column_key === '' ? null : `${r.table_position}/${r.row_index}/${r.column_key}`;
      const unplacedKeys = [...want.keys()].filter((k) => k.startsWith(`${r.table_position}/${r.row_index}/#`) && !seen.has(k));
      const k = key ?? unplacedKeys[0];
      const w = want.get(k);
      assert.ok(w, `${where}: a line no figure of the file gives: ${JSON.stringify(r)}`);
      assert.ok(!seen.has(k), `${where}: ${k} twice`);
      seen.add(k);
      const at = `${where} ${k}`;
      assert.equal(r.department_id, doc.department.id, at);
      assert.equal(r.department_name, doc.department.name, at);
      assert.equal(r.region, doc.department.region ?? '', at);
      assert.equal(r.year, String(doc.year), at);
      assert.equal(r.kind, doc.kind, at);
      assert.equal(r.level, level(doc), at);
      assert.equal(r.table_title, w.table.title, at);
      assert.equal(r.row_name, w.row.name ?? '', at);
      const codes = splitCodes(w.row.codes);
      assert.equal(r.code, codes.join(''), at);
      assert.deepEqual([r.code_lei, r.code_kuan, r.code_xiang], [0, 1, 2].map((i) => codes[i] ?? ''), at);
      assert.equal(r.row_kind, w.row.kind === 'total' ? 'total' : 'item', at);
      assert.equal(r.value, w.value, `${at}: the figure as published (separators dropped, decimals kept)`);
      const pct = w.col && (['rate', 'change_percent'].includes(w.col.measure) || /[%％]/.test(w.col.title));
      assert.equal(r.unit, pct ? '%' : w.unit, at);
      assert.equal(r.value_yuan, pct ? '' : shift(w.value, YUAN[w.unit]), `${at}: value_yuan`);
      if (w.col) assert.equal(r.column_title, w.col.title, at);
      // where it was printed (#18): the file's box of the cell, none for an unplaced figure
      const box = w.col ? w.row.boxes?.[w.col.key] : undefined;
      assert.deepEqual([r.page, r.x0, r.y0, r.x1, r.y1],
        box ? [String(box[0]), ...box.slice(1).map((v) => canon(String(v)))] : ['', '', '', '', ''],
        `${at}: page and box`);
    }
  }

  describe('the long CSV of a disclosure', () => {
    it('has every figure of the seed\'s tables once, with its dimensions, as published', async () => {
      const { res, records } = await amounts(`${ctx.base}/amounts.csv`, 'seed amounts.csv');
      assert.match(res.headers.get('content-disposition'), /^attachment; filename="kashi-urumqi-office-2021-budget-amounts\.csv"/);
      expectDisclosureLines(records, ctx.data, 'seed');
      // By hand against the seed (db/data/kashi-urumqi-office-2021-budget.json, 表一 of the PDF):
      // 财政拨款（补助） 700.94 万元 on the income side, 7,009,400 元.
      const first = records[0];
      assert.deepEqual([first.table_position, first.row_name, first.side, first.value, first.unit, first.value_yuan],
        ['1', '财政拨款（补助）', 'income', '700.94', '万元', '7009400']);
      // 表八 (三公) prints 公务用车运行费 as 16.8 (one decimal): kept so, 168000 元.
      assert.ok(records.some((r) => r.table_position === '8' && r.value === '16.8' && r.value_yuan === '168000'));
    });

    it('keeps published decimals and drops separators (by hand against db/data)', async () => {
      // db/data/putuo-commerce-2025-budget-dept.json, 表一's first figure: 371,514,655.00 元.
      const { records } = await amounts('/api/v1/departments/putuo-commerce/budgets/2025/amounts.csv', 'putuo-commerce');
      assert.deepEqual([records[0].value, records[0].unit, records[0].value_yuan], ['371514655.00', '元', '371514655.00']);
    });

    it('marks 末级 (leaf) and 层级 (row_level) as the table JSON does', async () => {
      const { records } = await amounts(`${ctx.base}/amounts.csv`, 'seed');
      const tables = new Map();
      for (const r of records) {
        if (!tables.has(r.table_position)) {
          tables.set(r.table_position, (await ctx.client.api(`${ctx.base}/tables/${r.table_position}`)).json);
        }
        const t = tables.get(r.table_position);
        const i = Number(r.row_index);
        const row = t.rows[i];
        const leaf = row.kind === 'item' && !t.rows.some((x) => x.parent === i);
        assert.equal(r.leaf, String(leaf), `表${r.table_position} row ${i} leaf`);
        assert.equal(r.row_level, String(row.level), `表${r.table_position} row ${i} level`);
        assert.equal(r.table_type, t.type, `表${r.table_position} type`);
        assert.equal(r.side, row.side ?? '', `表${r.table_position} row ${i} side`);
      }
    });

    for (const doc of ctx.bundled) {
      it(`every bundled disclosure: ${doc.department.id} ${doc.year} ${doc.kind} ${level(doc)}`, async () => {
        const { records } = await amounts(`${disclosureBase(doc)}/amounts.csv${query(doc)}`, doc.department.id);
        expectDisclosureLines(records, doc, `${doc.department.id} ${level(doc)}`);
      });
    }

    it('is CSV only, takes level only, and 404s for a disclosure not in the store', async () => {
      let res = await ctx.client.api(`${ctx.base}/amounts.csv`, { headers: { accept: 'application/json' } });
      assert.equal(res.status, 406);
      res = await ctx.client.api(`${ctx.base}/amounts.csv?format=csv`);
      assert.equal(res.status, 400);
      assert.match(res.json.detail, /unknown parameter "format": this resource takes level$/);
      res = await ctx.client.api(`/api/v1/departments/${ctx.dept}/finals/2021/amounts.csv`);
      assert.equal(res.status, 404);
    });
  });

  describe('the long CSV of the store', () => {
    it('is every disclosure\'s lines in order (department, year, kind, level), one header', async () => {
      const { res, records } = await amounts('/api/v1/amounts.csv', 'store amounts.csv');
      assert.match(res.headers.get('content-disposition'), /^attachment; filename="budgetd-amounts\.csv"$/);
      const order = [...ctx.bundled].sort((a, b) => (a.department.id < b.department.id ? -1 : a.department.id > b.department.id ? 1
        : a.year - b.year || a.kind.localeCompare(b.kind) || level(a).localeCompare(level(b))));
      let at = 0;
      for (const doc of order) {
        const n = expectedLines(doc).size;
        expectDisclosureLines(records.slice(at, at + n), doc, `store: ${doc.department.id} ${level(doc)}`);
        at += n;
      }
      assert.equal(at, records.length, 'nothing else');
    });

    it('has an ETag (304) and takes no query parameters', async () => {
      const first = await ctx.client.api('/api/v1/amounts.csv');
      const etag = first.headers.get('etag');
      assert.match(etag, /^"[^"]+"$/);
      const again = await ctx.client.api('/api/v1/amounts.csv', { headers: { 'if-none-match': etag } });
      assert.equal(again.status, 304);
      const res = await ctx.client.api('/api/v1/amounts.csv?level=unit');
      assert.equal(res.status, 400);
      assert.match(res.json.detail, /no query parameters/);
    });
  });

  describe('a store\'s long CSV follows its imports', () => {
    const ctl = (args) => new Promise((resolve, reject) => {
      execFile(ctx.ctl, args, { timeout: 30_000 }, (err, stdout, stderr) => (err
        ? reject(new Error(`budgetctl ${args.join(' ')} failed (${err.code ?? err.signal}): ${stderr}`))
        : resolve()));
    });
    let stale;
    const own = ownStore(ctx, 'budgetd-amounts-', async (dir) => {
      const store = path.join(dir, 'store.sqlite');
      await ctl(['import', '--db', store, ctx.seedPath]);
      // A temporary file an import killed mid-way left (pid 2^30-1: no such process).
      stale = `${store}.amounts.csv.tmp-1073741823`;
      fs.writeFileSync(stale, 'half');
      return store;
    });

    it('gains the lines of an import and removes a killed import\'s temporary file', async () => {
      const first = await own.get('/api/v1/amounts.csv');
      const before1 = parse(first.buf);
      assert.equal(before1.length - 1, expectedLines(ctx.data).size, 'the seed alone');
      const other = ctx.bundled.find((d) => d.department.id === 'putuo-cpc-social-work');
      const file = fs.readdirSync(path.join(ctx.root, 'db', 'data')).find((f) => f.startsWith('putuo-cpc-social-work'));
      await ctl(['import', '--db', path.join(own.dir, 'store.sqlite'), path.join(ctx.root, 'db', 'data', file)]);
      const second = await own.get('/api/v1/amounts.csv');
      const after1 = parse(second.buf);
      assert.equal(after1.length - 1, expectedLines(ctx.data).size + expectedLines(other).size);
      assert.notEqual(second.headers.get('etag'), first.headers.get('etag'), 'a new file, a new ETag');
      assert.ok(!fs.existsSync(stale), 'the stale temporary file is gone');
      assert.deepEqual(fs.readdirSync(own.dir).filter((f) => f.includes('.tmp-')), []);
      fs.unlinkSync(path.join(own.dir, 'store.sqlite.amounts.csv'));
      const none = await own.get('/api/v1/amounts.csv', 404);
      assert.match(none.json.detail, /no long CSV of the store yet/);
    });
  });

  describe('Fiscal Data Package', () => {
    const cases = [
      ['the seed', `${ctx.base}/datapackage.json`, [ctx.data]],
      ...ctx.bundled.filter((d) => level(d) === 'unit' || d.kind === 'final')
        .map((d) => [`${d.department.id} ${d.kind} ${level(d)}`, `${disclosureBase(d)}/datapackage.json${query(d)}`, [d]]),
      ['the store', '/api/v1/datapackage.json', ctx.bundled],
    ];
    for (const [name, url, docs] of cases) {
      it(`${name}: valid against the fiscal-data-package profile, every CSV row against its Table Schema`, async () => {
        const res = await ctx.client.api(url); // validated against the OpenAPI document too
        assert.equal(res.status, 200, res.text);
        const { rows, errors } = await validatePackage(`${ctx.server.origin}${url}`);
        assert.deepEqual(errors, [], `${url}: the validator's findings`);
        const want = docs.reduce((n, d) => n + expectedLines(d).size, 0);
        assert.deepEqual(rows, { amounts: want }, `${url}: every line read and cast`);
        assert.equal(res.json.model.measures.value_yuan.currency, 'CNY');
      });
    }

    it('the validator fails a package whose schema the CSV does not meet (it is no rubber stamp)', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'budgetd-fdp-'));
      try {
        const desc = (await ctx.client.api(`${ctx.base}/datapackage.json`)).json;
        const csv = (await ctx.client.api(`${ctx.base}/amounts.csv`)).buf;
        fs.writeFileSync(path.join(dir, 'amounts.csv'), csv);
        // value as integer: 700.94 cannot be cast.
        desc.resources[0].schema.fields.find((f) => f.name === 'value').type = 'integer';
        fs.writeFileSync(path.join(dir, 'datapackage.json'), JSON.stringify(desc));
        const bad = await validatePackage(path.join(dir, 'datapackage.json'));
        assert.ok(bad.errors.some((e) => /amounts/.test(e)), JSON.stringify(bad.errors));
        // no model: not a fiscal data package.
        desc.resources[0].schema.fields.find((f) => f.name === 'value').type = 'number';
        delete desc.model;
        fs.writeFileSync(path.join(dir, 'datapackage.json'), JSON.stringify(desc));
        const noModel = await validatePackage(path.join(dir, 'datapackage.json'));
        assert.ok(noModel.errors.some((e) => /fiscal-data-package/.test(e)), JSON.stringify(noModel.errors));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  // CI installs python3-openpyxl (.ci/run): there a missing reader is a failure, not a skip.
  if (python === null && process.env.CI) {
    it('XLSX: a python3 with openpyxl is installed', () => assert.fail('no python3 with openpyxl (Debian python3-openpyxl)'));
  }
  describe('XLSX', { skip: python === null ? 'no python3 with openpyxl (Debian python3-openpyxl)' : false }, () => {
    let dir;
    before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'budgetd-xlsx-')); });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** GETs url as XLSX and reads it back with openpyxl: {res, sheets}. */
    async function workbook(url, headers = {}) {
      const res = await ctx.client.api(url, { headers });
      assert.equal(res.status, 200, `${url}: ${res.text.slice(0, 200)}`);
      assert.equal(res.headers.get('content-type'), XLSX, url);
      assert.equal(res.buf.subarray(0, 2).toString('latin1'), 'PK', `${url}: a zip`);
      const file = path.join(dir, `${Math.random().toString(16).slice(2)}.xlsx`);
      fs.writeFileSync(file, res.buf);
      const out = execFileSync(python, [path.join(ctx.root, 'tests', 'xlsx', 'read.py'), file], { encoding: 'utf8', maxBuffer: 64 << 20 });
      return { res, sheets: JSON.parse(out).sheets };
    }

    /** One sheet against the table's JSON answer (exact figures): every cell. */
    function expectSheet(sheet, t, where) {
      const v = (r, c) => sheet.rows[r]?.[c]?.v ?? null;
      assert.equal(sheet.name, `表${numeral(t.position)}`, `${where}: sheet name`);
      assert.equal(v(0, 0), `表${numeral(t.position)} ${t.title}`, `${where}: title row`);
      assert.equal(v(1, 0), `单位：${t.unit}`, `${where}: unit row`);
      const sided = t.columns.some((c) => c.side);
      const projects = t.rows.some((r) => r.project !== null && r.project !== undefined);
      // a table extracted from its PDF says where each row was printed, as its CSV does (#18)
      const boxed = t.rows.some((r) => Object.keys(r.printed ?? {}).length > 0);
      const head = [...(sided ? ['收支'] : []), '科目编码', '类', '款', '项', '科目名称', ...(projects ? ['项目名称'] : []),
        ...t.columns.map((c) => csvColumnTitle(c, t.unit)), '层级', '末级', ...(boxed ? ['页码', 'x0', 'y0', 'x1', 'y1'] : [])];
      assert.deepEqual(sheet.rows[2].map((c) => c?.v ?? null), head, `${where}: header`);
      assert.equal(sheet.rows.length, 3 + t.rows.length, `${where}: one sheet row per table row`);
      t.rows.forEach((row, i) => {
        const r = 3 + i;
        const at = `${where} row ${i}`;
        let c = sided ? 1 : 0;
        const codes = row.codes ?? [];
        const text = (col) => sheet.rows[r][col];
        assert.equal(v(r, c) ?? '', codes.join(''), `${at}: code`);
        if (codes.length) assert.equal(text(c).t, 's', `${at}: the code is a text cell`);
        for (let k = 0; k < 3; k++) {
          assert.equal(v(r, c + 1 + k), codes[k] ?? null, `${at}: 类款项 ${k}`);
          if (codes[k]) assert.equal(text(c + 1 + k).t, 's', `${at}: segment ${k} is text`);
        }
        c += 4;
        assert.equal(v(r, c++) ?? '', row.name ?? '', `${at}: name`); // an empty cell reads null
        if (projects) c++;
        for (const col of t.columns) {
          const want = row.amounts[col.key];
          const cell = sheet.rows[r][c++];
          if (want === undefined || want === null) {
            assert.equal(cell, null, `${at} ${col.key}: blank`);
            continue;
          }
          const s = String(want); // the JSON's exact text ("867.50"), or an integer token
          assert.equal(cell.t, 'n', `${at} ${col.key}: a number cell`);
          assert.equal(cell.v, Number(s), `${at} ${col.key}: ${cell.v} is ${s}`);
          const dp = s.includes('.') ? s.split('.')[1].length : 0;
          assert.equal(cell.f, dp ? `#,##0.${'0'.repeat(dp)}` : '#,##0', `${at} ${col.key}: shown with ${dp} decimals`);
        }
        assert.equal(v(r, c++), row.level, `${at}: 层级`);
        const leaf = row.kind === 'item' && !t.rows.some((x) => x.parent === i);
        assert.equal(v(r, c), leaf ? '是' : '否', `${at}: 末级`);
        if (!boxed) return;
        // the extent of the row's boxes on the page of its first: page and box as numbers
        const places = Object.values(row.printed ?? {});
        const on = places.filter((p) => p.page === places[0]?.page);
        const want = on.length === 0 ? [null, null, null, null, null] : [on[0].page,
          ...[1, 2, 3, 4].map((k) => (k < 3 ? Math.min : Math.max)(...on.map((p) => Number(p.box[k]))))];
        assert.deepEqual([1, 2, 3, 4, 5].map((k) => v(r, c + k)), want, `${at}: where it was printed`);
        for (let k = 1; k <= 5 && on.length > 0; k++) assert.equal(text(c + k).t, 'n', `${at}: place ${k} is a number cell`);
      });
    }

    for (const doc of ctx.bundled) {
      const base = disclosureBase(doc);
      const q = query(doc);
      it(`${doc.department.id} ${doc.year} ${doc.kind} ${level(doc)}: one sheet per table, every figure as in JSON`, async () => {
        const { res, sheets } = await workbook(`${base}${q ? `${q}&` : '?'}format=xlsx`);
        const unitSuffix = level(doc) === 'unit' ? '-unit' : '';
        assert.match(res.headers.get('content-disposition'),
          new RegExp(`^attachment; filename="${doc.department.id}-${doc.year}-${doc.kind}${unitSuffix}-tables\\.xlsx"; filename\\*=UTF-8''`));
        const list = (await ctx.client.api(`${base}/tables${q}`)).json.items;
        assert.deepEqual(sheets.map((s) => s.name), list.map((t) => `表${numeral(t.position)}`), 'a sheet per table, in order');
        for (const [i, item] of list.entries()) {
          const t = (await ctx.client.api(`${base}/tables/${item.position}${q}`)).exact;
          expectSheet(sheets[i], t, `${doc.department.id} 表${item.position}`);
        }
        const viaList = await workbook(`${base}/tables${q ? `${q}&` : '?'}format=xlsx`);
        assert.deepEqual(viaList.sheets, sheets, '.../tables?format=xlsx is the same workbook');
      });
    }

    it('one table by ?format=xlsx and by Accept, with its name; by hand against the seed', async () => {
      for (let n = 1; n <= 9; n++) {
        const url = `${ctx.base}/tables/${n}`;
        const { res, sheets } = await workbook(`${url}?format=xlsx`);
        const t = (await ctx.client.api(url)).exact;
        assert.equal(sheets.length, 1);
        expectSheet(sheets[0], t, `seed 表${n}`);
        const cd = res.headers.get('content-disposition');
        assert.match(cd, new RegExp(`^attachment; filename="kashi-urumqi-office-2021-budget-table-${n}\\.xlsx"; filename\\*=UTF-8''`));
        assert.ok(decodeURIComponent(cd.split("''")[1]).endsWith(`-表${numeral(n)}-${t.title}.xlsx`), cd);
        const byAccept = await workbook(url, { accept: XLSX });
        assert.deepEqual(byAccept.sheets, sheets, 'Accept gives the same workbook');
      }
      // By hand, db/data/kashi-urumqi-office-2021-budget.json (the PDF's 表八, 三公): 合计 96.8,
      // 公务用车购置及运行费 96.8, 购置费 80, 运行费 16.8 万元, shown as printed.
      const { sheets } = await workbook(`${ctx.base}/tables/8?format=xlsx`);
      const figures = sheets[0].rows[3].filter((c) => c?.t === 'n').map((c) => [c.v, c.f]);
      assert.deepEqual(figures.slice(0, 4), [[96.8, '#,##0.0'], [96.8, '#,##0.0'], [80, '#,##0'], [16.8, '#,##0.0']]);
      // db/data/putuo-govt-office-2025-budget-dept.json, 表一's first figure: 91,016,775.35 元.
      const govt = await workbook('/api/v1/departments/putuo-govt-office/budgets/2025/tables/1?format=xlsx');
      const cell = govt.sheets[0].rows[3].find((c) => c?.t === 'n');
      assert.deepEqual([cell.v, cell.f], [91016775.35, '#,##0.00']);
    });

    it('is not gzipped (a workbook is a zip already), even when the client accepts gzip', async () => {
      const url = `${ctx.base}/tables/6?format=xlsx`;
      const res = await ctx.client.raw(url, { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-encoding'], undefined);
      assert.equal(res.body.subarray(0, 2).toString('latin1'), 'PK');
      const json = await ctx.client.raw(`${ctx.base}/tables/6`, { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(json.headers['content-encoding'], 'gzip', 'JSON of the same table still is');
    });

    it('a figure of more than 15 significant digits is text in XLSX, exact in the long CSV', async () => {
      const doc = JSON.parse(fs.readFileSync(ctx.seedPath, 'utf8'));
      const t = doc.tables.find((x) => (x.position ?? x.number) === 8);
      // 16 significant digits: a double would read back 123456789012.34567 or so. And a
      // negative figure of the finest unit the store keeps (a millionth of 万元: 0.01 元).
      t.rows[0].amounts.total = '123456789012.3456';
      t.rows[0].amounts.vehicle_operation = '-0.000001';
      const file = path.join(dir, 'big.json');
      fs.writeFileSync(file, JSON.stringify(doc));
      const store = path.join(dir, 'big.sqlite');
      execFileSync(ctx.ctl, ['import', '--db', store, file], { stdio: 'pipe' });
      const { startServer } = await import('../lib/server.mjs');
      const server = await startServer({ bin: ctx.bin, store, staticDir: ctx.staticDir });
      try {
        const res = await fetch(`${server.origin}${ctx.base}/tables/8?format=xlsx`);
        const out = path.join(dir, 'big.xlsx');
        fs.writeFileSync(out, Buffer.from(await res.arrayBuffer()));
        const sheets = JSON.parse(execFileSync(python, [path.join(ctx.root, 'tests', 'xlsx', 'read.py'), out], { encoding: 'utf8' })).sheets;
        const col = 5; // 科目编码 类 款 项 科目名称, then 合计
        assert.deepEqual(sheets[0].rows[3][col], { v: '123456789012.3456', t: 's', f: '@' });
        // columns: 合计, 因公出国（境）费, 公务用车购置及运行费/合计, /购置费, /运行费
        assert.deepEqual(sheets[0].rows[3][col + 4], { v: -0.000001, t: 'n', f: '#,##0.000000' });
        // The long CSV moves the point in text: 1234567890123456 元 is beyond a double, exact.
        const csv = parse(Buffer.from(await (await fetch(`${server.origin}${ctx.base}/amounts.csv`)).arrayBuffer()));
        const line = (key) => csv.find((r) => r[6] === '8' && r[19] === key);
        assert.deepEqual(line('total').slice(23, 26), ['万元', '123456789012.3456', '1234567890123456']);
        assert.deepEqual(line('vehicle_operation').slice(23, 26), ['万元', '-0.000001', '-0.01']);
      } finally {
        await server.stop();
      }
    });

    it('format=xlsx is refused where it is not offered', async () => {
      const res = await ctx.client.api(`${ctx.base}/sangong?format=xlsx`);
      assert.equal(res.status, 400);
      assert.equal(res.json.detail, 'format must be json or csv');
    });
  });
}
