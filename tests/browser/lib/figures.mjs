// The page's figures against the API's: every amount cell of a table, and the 三公 table.
// Figures are compared as the exact text the API printed (see parseExact in page.mjs).
import assert from 'node:assert/strict';
import { signed, tableRows } from './page.mjs';

/** #table-n's td.num[data-col] cells hold exactly the API table's amounts. */
export async function expectTableFigures(page, n, { json, text }) {
  const keys = json.columns.map((c) => c.key);
  const twoSided = json.columns.some((c) => c.side);
  for (const r of json.rows) {
    for (const v of Object.values(r.amounts)) assert.ok(text.includes(v), `the API's text has ${v}`);
  }
  const rows = (await tableRows(page, n))
    .map((r) => ({ ...r, cells: r.cells.filter(([k]) => keys.includes(k)) }))
    .filter((r) => r.cells.length > 0);
  // Every table: per column, the same figures (a two-sided table may pair rows side by side).
  for (const key of keys) {
    const want = json.rows.map((r) => r.amounts[key]).filter((v) => v !== undefined).sort();
    const got = rows.flatMap((r) => r.cells.filter(([k, v]) => k === key && v !== '').map(([, v]) => v)).sort();
    assert.deepEqual(got, want, `#table-${n} column ${key}: the non-blank cells are the API's figures`);
  }
  // One-sided tables: one <tr> per API row, in the API's order, blank cells empty.
  if (!twoSided) {
    const want = json.rows.map((r) => keys.map((k) => r.amounts[k] ?? ''));
    const got = rows.map((r) => {
      const m = new Map(r.cells);
      return keys.map((k) => m.get(k) ?? '');
    });
    assert.deepEqual(got, want, `#table-${n}: one <tr> per API row, in order, blank cells empty`);
  }
  if (json.rows.length === 0) {
    const note = page.locator(`#table-${n} p.table-note`);
    assert.equal(await note.count(), 1, `the empty #table-${n} has a p.table-note`);
    assert.ok((await note.textContent()).includes(json.note.slice(0, 20)), `#table-${n} .table-note shows the note`);
  }
  if (json.unplaced_note) {
    for (const [i, r] of json.rows.entries()) {
      for (const f of r.unplaced) assert.ok(rows[i].text.includes(f), `#table-${n} row ${i} shows its unplaced figure ${f}`);
    }
    const all = await page.locator(`#table-${n}`).textContent();
    assert.ok(all.includes('未定栏目'), `#table-${n} has the 未定栏目 column`);
    assert.ok(all.includes(json.unplaced_note.slice(0, 20)), `#table-${n} shows the unplaced note`);
  }
}

/** #sangong: a row per item with its amount, prior year and signed change, and the total row. */
export async function expectSangong(page, sg) {
  const rows = await page.$$eval('#sangong tr', (trs) => trs.map((tr) => ({
    total: tr.classList.contains('total'),
    cells: [...tr.querySelectorAll('th, td')].map((c) => c.textContent.trim()),
  })));
  const expectRow = (label, row, want) => {
    assert.ok(row, `#sangong has a row for ${label}`);
    const left = [...row.cells];
    for (const w of want) {
      const i = left.indexOf(w);
      assert.ok(i >= 0, `#sangong ${label}: a cell reads ${w} (cells: ${JSON.stringify(row.cells)})`);
      left.splice(i, 1);
    }
  };
  for (const item of sg.items) {
    const row = rows.find((r) => !r.total && r.cells.some((c) => c.includes(item.label)));
    expectRow(item.label, row, [item.amount, item.prior_year, signed(item.change)]);
  }
  const total = rows.find((r) => r.total) ?? rows.find((r) => r.cells.some((c) => /合\s*计/.test(c)));
  expectRow('合计', total, [sg.amount, sg.prior_year, signed(sg.change)]);
}
