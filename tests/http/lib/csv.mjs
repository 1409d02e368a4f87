// CSV answers: the transport details the contract promises (UTF-8 BOM, CRLF, attachment
// naming), and every cell against the JSON representation of the same resource.
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const FORMULA = /^[=+\-@\t\r]/;

/** What a text cell holds for s: blank for null, a leading ' where a spreadsheet would run it. */
export const textCell = (s) => (s === null || s === undefined ? '' : FORMULA.test(s) ? `'${s}` : s);

/** Status, type, BOM, CRLF and Content-Disposition of a CSV answer; returns the records. */
export function checkCsv({ status, headers, buf }, where, { titleIncludes } = {}) {
  const h = (name) => (typeof headers.get === 'function' ? headers.get(name) : headers[name]);
  assert.equal(status, 200, `${where}: status`);
  assert.equal(h('content-type'), 'text/csv; charset=utf-8', `${where}: Content-Type`);
  assert.ok(buf.subarray(0, 3).equals(BOM), `${where}: starts with the UTF-8 byte order mark`);
  const text = buf.subarray(3).toString('utf8');
  assert.ok(text.endsWith('\r\n'), `${where}: the last line ends with CRLF`);
  assert.doesNotMatch(text, /(?<!\r)\n/, `${where}: every line ends with CRLF (a bare LF found)`);
  assert.doesNotMatch(text, /\r(?!\n)/, `${where}: a bare CR found`);
  const cd = h('content-disposition') ?? '';
  assert.match(cd, /^attachment\s*;/, `${where}: Content-Disposition is an attachment: ${cd}`);
  const ascii = /;\s*filename="([\x20-\x21\x23-\x7e]+)"/.exec(cd);
  assert.ok(ascii && ascii[1].endsWith('.csv'), `${where}: an ASCII filename="….csv": ${cd}`);
  const ext = /;\s*filename\*=UTF-8''([A-Za-z0-9!#$&+.^_`|~%-]+)/.exec(cd);
  assert.ok(ext, `${where}: a filename*=UTF-8''… (RFC 5987): ${cd}`);
  const utf8Name = decodeURIComponent(ext[1]);
  assert.ok(utf8Name.endsWith('.csv'), `${where}: filename* ends in .csv: ${utf8Name}`);
  if (titleIncludes) assert.ok(utf8Name.includes(titleIncludes), `${where}: filename* ${utf8Name} names ${titleIncludes}`);
  return parse(buf, { bom: true, relax_column_count: false, skip_empty_lines: false });
}

/**
 * The header of a table column in CSV: group/title and the unit in full-width parentheses,
 * （%） for a percentage, nothing more when the printed title already says %.
 */
export function csvColumnTitle(c, unit) {
  const title = c.group !== null ? `${c.group}/${c.title}` : c.title;
  if (/[%％]/.test(c.title)) return title;
  return `${title}（${['rate', 'change_percent'].includes(c.measure) ? '%' : unit}）`;
}

/** A table's CSV records against its JSON representation (same rows, same order). */
export function expectTableCsv(records, json, where) {
  const sided = json.columns.some((c) => c.side !== null);
  const projects = json.rows.some((r) => r.project_name !== null);
  const unplaced = json.rows.some((r) => r.unplaced.length > 0);
  const header = [
    ...(sided ? ['收支'] : []), '科目编码', '科目名称', ...(projects ? ['项目名称'] : []),
    ...json.columns.map((c) => csvColumnTitle(c, json.unit)),
    ...(unplaced ? [`未定栏目数字（${json.unit}）`] : []),
    '单位', '层级', '类', '款', '项', '末级',
  ];
  assert.deepEqual(records[0], header, `${where}: header`);
  assert.equal(records.length - 1, json.rows.length, `${where}: one line per row`);
  json.rows.forEach((row, i) => {
    const rec = [...records[i + 1]];
    const w = `${where} line ${i + 2} (${row.name})`;
    if (sided) {
      const side = rec.shift();
      assert.equal(side, row.side === 'income' ? '收入' : '支出', `${w}: 收支`);
    }
    const [code, name] = rec.splice(0, 2);
    assert.equal(code, row.code ?? '', `${w}: 科目编码 as text, as in JSON`);
    assert.equal(name, textCell(row.name), `${w}: 科目名称`);
    if (projects) assert.equal(rec.shift(), textCell(row.project_name), `${w}: 项目名称`);
    json.columns.forEach((c) => {
      const cell = rec.shift();
      const want = c.key in row.amounts ? String(row.amounts[c.key]) : '';
      assert.equal(cell, want, `${w}: ${c.title} (${c.key})`);
    });
    if (unplaced) assert.equal(rec.shift(), row.unplaced.map(String).join(';'), `${w}: 未定栏目数字`);
    const [unit, level, lei, kuan, xiang, leaf] = rec.splice(0, 6);
    assert.equal(unit, json.unit, `${w}: 单位`);
    assert.equal(level, String(row.level), `${w}: 层级`);
    assert.deepEqual([lei, kuan, xiang], [0, 1, 2].map((k) => row.codes?.[k] ?? ''), `${w}: 类, 款, 项 as text`);
    const isParent = json.rows.some((r) => r.parent === row.index);
    assert.equal(leaf, row.kind === 'item' && !isParent ? '是' : '否', `${w}: 末级`);
    assert.equal(rec.length, 0, `${w}: no extra cells`);
  });
  checkTextCells(records, header.filter((h) => ['收支', '科目编码', '科目名称', '项目名称'].includes(h)), where);
}

/** The projects CSV against the JSON project list. */
export function expectProjectsCsv(records, json, where) {
  const header = ['项目编号', '项目名称', '不予公开', '科目编码', `金额（${json.unit}）`, '执行单位', '执行期限', '绩效指标数'];
  assert.deepEqual(records[0], header, `${where}: header`);
  assert.equal(records.length - 1, json.items.length, `${where}: one line per project`);
  json.items.forEach((p, i) => {
    const [id, name, withheld, code, amount, unit, period, indicators] = records[i + 1];
    const w = `${where} line ${i + 2} (${p.id})`;
    assert.equal(id, textCell(p.id), `${w}: 项目编号`);
    assert.equal(name, textCell(p.name), `${w}: 项目名称`);
    assert.equal(withheld, p.withheld ? '是' : '否', `${w}: 不予公开`);
    assert.equal(code, p.code ?? '', `${w}: 科目编码`);
    assert.equal(amount, p.amount === null ? '' : String(p.amount), `${w}: 金额`);
    assert.equal(unit, textCell(p.executing_unit), `${w}: 执行单位`);
    assert.equal(period, textCell(p.period), `${w}: 执行期限`);
    // blank, not 0, when no performance table is published (withheld projects)
    assert.equal(indicators, p.performance ? String(p.performance.indicators.length) : '', `${w}: 绩效指标数`);
  });
  checkTextCells(records, ['项目编号', '项目名称', '不予公开', '科目编码', '执行单位', '执行期限'], where);
}

/** No text cell may start a spreadsheet formula. */
function checkTextCells(records, names, where) {
  const cols = names.map((n) => records[0].indexOf(n)).filter((i) => i >= 0);
  records.slice(1).forEach((rec, i) => cols.forEach((c) => {
    assert.doesNotMatch(rec[c], FORMULA, `${where} line ${i + 2}, ${records[0][c]}: a text cell starts a formula`);
  }));
}
