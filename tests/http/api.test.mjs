// The HTTP suite: one real budgetd on the bundled store, a real client (fetch, node:http,
// gzip, a CSV parser), and every JSON answer validated against the OpenAPI document that
// budgetd itself serves at /api/v1/openapi.json. Run from the repository root:
//
//   npm ci   # once: ajv, ajv-formats, csv-parse, @seriousme/openapi-schema-validator
//   meson test -C build http --print-errorlogs
//
// or directly with BUDGETD_BIN, BUDGETD_STORE, BUDGETD_STATIC and BUDGETD_SEED set:
//   node --test --test-reporter=spec tests/http/api.test.mjs
//
// BUDGETD_UPDATE_GOLDEN=1 rewrites tests/golden/table-N.json from the server (review them!).
// BUDGETD_OPENAPI_LAX=1 turns OpenAPI mismatches from per-request failures into one list,
// reported by a single failing test at the end (for reconciling the document).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
for (const pkg of ['ajv', 'ajv-formats', 'csv-parse', '@seriousme/openapi-schema-validator']) {
  if (!fs.existsSync(path.join(root, 'node_modules', pkg, 'package.json'))) {
    throw new Error(`run \`npm ci\` first (in ${root}: node_modules/${pkg} is missing)`);
  }
}

const { startServer } = await import('./lib/server.mjs');
const { createClient } = await import('./lib/client.mjs');
const { ResponseValidator } = await import('./lib/openapi.mjs');
const suites = await Promise.all(['openapi', 'resources', 'pagination', 'errors', 'csv', 'transport', 'golden', 'v2', 'bundled', 'audit', 'cachekey', 'snapshot', 'series', 'exports', 'aggregate', 'search']
  .map((name) => import(`./suites/${name}.mjs`)));

const env = (name, fallback) => process.env[name] || fallback;
const bin = env('BUDGETD_BIN', path.join(root, 'build/server/budgetd'));
const data = JSON.parse(fs.readFileSync(
  env('BUDGETD_SEED', path.join(root, 'db/data/kashi-urumqi-office-2021-budget.json')), 'utf8'));
/** Every import file of the bundled store (db/data), as the documents the expectations of
 * the store-wide answers (the department list) are computed from. */
const dataDir = path.join(root, 'db', 'data');
const bundled = fs.readdirSync(dataDir).filter((f) => f.endsWith('.json')).sort()
  .map((f) => JSON.parse(fs.readFileSync(path.join(dataDir, f), 'utf8')));

/** Shared by the suites; filled in by before(). */
const ctx = {
  root,
  bin,
  ctl: env('BUDGETCTL_BIN', path.join(path.dirname(bin), 'budgetctl')),
  store: env('BUDGETD_STORE', path.join(root, 'build/server/budgetd.sqlite')),
  staticDir: env('BUDGETD_STATIC', path.join(root, 'static')),
  seedPath: env('BUDGETD_SEED', path.join(root, 'db/data/kashi-urumqi-office-2021-budget.json')),
  goldenDir: path.join(root, 'tests', 'golden'),
  updateGolden: process.env.BUDGETD_UPDATE_GOLDEN === '1',
  lax: process.env.BUDGETD_OPENAPI_LAX === '1',
  data,
  bundled,
  dept: data.department.id,
  base: `/api/v1/departments/${data.department.id}/${data.kind}s/${data.year}`,
  server: null,
  client: null,
  validator: null,
  doc: null,
  docError: null,
  /** A client for another budgetd, validated against the same document. */
  clientFor(origin) {
    return createClient({ origin, validator: ctx.validator, secrets: [ctx.store, root] });
  },
};

/** Stands in for the validator when the document cannot be used: every JSON answer fails. */
const brokenValidator = (why) => ({
  mismatches: new Map(),
  validateResponse() { assert.fail(`the OpenAPI document cannot be used: ${why}`); },
});

before(async () => {
  ctx.server = await startServer({ bin, store: ctx.store, staticDir: ctx.staticDir });
  // The document is read once, before any validation, without the validating client.
  const res = await fetch(`${ctx.server.origin}/api/v1/openapi.json`, { signal: AbortSignal.timeout(10_000) });
  ctx.docText = await res.text();
  ctx.docStatus = res.status;
  ctx.docType = res.headers.get('content-type');
  try {
    ctx.doc = JSON.parse(ctx.docText);
    ctx.validator = new ResponseValidator(ctx.doc, { lax: ctx.lax });
  } catch (e) {
    ctx.docError = e;
    ctx.validator = brokenValidator(e.message);
  }
  ctx.client = ctx.clientFor(ctx.server.origin);
});

after(async () => {
  if (ctx.server) {
    const status = await ctx.server.stop();
    assert.deepEqual(status, { code: 0, signal: null }, `budgetd exits 0 on SIGTERM; stderr:\n${ctx.server.stderr()}`);
  }
});

for (const suite of suites) suite.default(ctx);

if (ctx.lax) {
  describe('OpenAPI conformance (BUDGETD_OPENAPI_LAX=1)', () => {
    it('every JSON answer matched the document', () => {
      const list = [...ctx.validator.mismatches].map(([m, n]) => `- (${n}x) ${m}`);
      assert.equal(list.length, 0, `${list.length} distinct mismatches:\n${list.join('\n')}`);
    });
  });
}
