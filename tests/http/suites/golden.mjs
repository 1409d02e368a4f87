// Golden files: tests/golden/table-N.json hold the reviewed JSON of each table of the bundled
// disclosure, pretty-printed with every number token as served (867.50 stays 867.50, not
// 867.5). BUDGETD_UPDATE_GOLDEN=1 rewrites them from the server; review the diff against the
// published text before committing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseExact, prettyExact } from '../lib/decimal.mjs';

export default function golden(ctx) {
  describe('golden files (tests/golden/table-N.json)', () => {
    for (let n = 1; n <= 9; n++) {
      it(`table ${n} equals tests/golden/table-${n}.json`, async (t) => {
        const res = await ctx.client.api(`${ctx.base}/tables/${n}`);
        assert.equal(res.status, 200);
        const file = path.join(ctx.goldenDir, `table-${n}.json`);
        if (ctx.updateGolden) {
          fs.mkdirSync(ctx.goldenDir, { recursive: true });
          fs.writeFileSync(file, `${prettyExact(res.text)}\n`);
          t.diagnostic(`wrote ${file}`);
          return;
        }
        assert.ok(fs.existsSync(file), `${file} is missing: run with BUDGETD_UPDATE_GOLDEN=1 and review it`);
        assert.deepStrictEqual(res.exact, parseExact(fs.readFileSync(file, 'utf8')));
      });
    }
  });
}
