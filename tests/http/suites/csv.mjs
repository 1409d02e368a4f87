// f. CSV: tables 1..9 and the project list, by ?format=csv and by Accept: text/csv, compared
// cell by cell with the JSON representation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCsv, expectProjectsCsv, expectTableCsv } from '../lib/csv.mjs';

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

    it('codes are text: the published segments joined, zeros kept (表二)', async () => {
      const url = `${ctx.base}/tables/2`;
      const json = (await ctx.client.api(url)).json;
      const records = checkCsv(await ctx.client.api(`${url}?format=csv`), 'table 2 CSV');
      const withZero = json.rows.filter((r) => r.codes?.some((c) => c.startsWith('0')));
      assert.ok(withZero.length > 0, 'the table has code segments with a leading zero (03, 05, 02)');
      for (const r of withZero) assert.equal(records[r.index + 1][0], r.codes.join(''), r.name);
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
