// k. The whole store as one SQLite file (/api/v1/snapshot.sqlite): what budgetctl import
// writes beside the store, read back with Python's sqlite3 and checked against the import
// files; its ETag and 304; and a private store whose snapshot follows each import.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer } from '../lib/server.mjs';

const URL_PATH = '/api/v1/snapshot.sqlite';

/** Runs SQL on a SQLite file with Python's sqlite3 (read-only); rows as arrays. */
function query(file, sql) {
  const py = 'import json,sys,sqlite3\n'
    + 'c=sqlite3.connect("file:"+sys.argv[1]+"?mode=ro",uri=True)\n'
    + 'print(json.dumps(c.execute(sys.argv[2]).fetchall()))';
  return JSON.parse(execFileSync('python3', ['-c', py, file, sql], { encoding: 'utf8' }));
}

async function download(origin, dir, headers = {}) {
  const res = await fetch(`${origin}${URL_PATH}`, { headers, signal: AbortSignal.timeout(10_000) });
  const body = Buffer.from(await res.arrayBuffer());
  const file = path.join(dir, `dl-${Date.now()}-${Math.random().toString(16).slice(2)}.sqlite`);
  fs.writeFileSync(file, body);
  return { res, body, file };
}

const identity = (d) => `${d.department.id} ${d.year} ${d.kind} ${d.level ?? 'department'}`;
const DISCLOSURES = 'SELECT p.slug || \' \' || d.year || \' \' || d.kind || \' \' || d.level FROM disclosure d JOIN department p ON p.id = d.department_id ORDER BY 1';

export default function snapshot(ctx) {
  describe('the whole store as one SQLite file', () => {
    let dir;
    before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'budgetd-snapshot-')); });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('is a SQLite file holding every bundled disclosure, figures as imported', async () => {
      const { res, body, file } = await download(ctx.server.origin, dir);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/vnd.sqlite3');
      assert.match(res.headers.get('content-disposition'), /^attachment; filename="budgetd\.sqlite"$/);
      assert.equal(Number(res.headers.get('content-length')), body.length);
      assert.equal(body.subarray(0, 16).toString('latin1'), 'SQLite format 3\0');
      assert.deepEqual(query(file, 'PRAGMA integrity_check'), [['ok']]);
      assert.deepEqual(query(file, 'PRAGMA journal_mode'), [['delete']], 'opens without a -wal');
      assert.deepEqual(query(file, DISCLOSURES).map((r) => r[0]), ctx.bundled.map(identity).sort());
      // 三公 of the seed: 96.80 万元 (amounts are kept as integers of millionths)
      const sangong = query(file, `SELECT s.amount, s.amount_dp FROM sangong s JOIN disclosure d ON d.id = s.disclosure_id
        JOIN department p ON p.id = d.department_id WHERE p.slug = '${ctx.dept}' AND d.year = ${ctx.data.year}`);
      assert.equal(ctx.data.sangong.amount, '96.80');
      assert.deepEqual(sangong, [[96_800_000, 2]]);
    });

    it('has an ETag: 304 when it matches, no body', async () => {
      const first = await download(ctx.server.origin, dir);
      const etag = first.res.headers.get('etag');
      assert.match(etag, /^"[^"]+"$/);
      const again = await download(ctx.server.origin, dir, { 'If-None-Match': etag });
      assert.equal(again.res.status, 304);
      assert.equal(again.body.length, 0);
    });

    it('takes no query parameters (one file, one cache key)', async () => {
      const res = await ctx.client.api(`${URL_PATH}?v=2`);
      assert.equal(res.status, 400);
      assert.match(res.json.detail, /no query parameters/);
    });
  });

  describe('a store\'s snapshot follows its imports', () => {
    let dir;
    let server;
    const ctl = (args) => new Promise((resolve, reject) => {
      execFile(ctx.ctl, args, { timeout: 20_000 }, (err, stdout, stderr) => (err
        ? reject(new Error(`budgetctl ${args.join(' ')} failed (${err.code ?? err.signal}): ${stderr}`))
        : resolve()));
    });
    const files = () => fs.readdirSync(path.join(ctx.root, 'db', 'data')).filter((f) => f.endsWith('.json')).sort()
      .map((f) => path.join(ctx.root, 'db', 'data', f));

    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'budgetd-snapshot-'));
      const store = path.join(dir, 'store.sqlite');
      await ctl(['import', '--db', store, files()[0]]);
      server = await startServer({ bin: ctx.bin, store, staticDir: ctx.staticDir });
    });
    after(async () => {
      try {
        if (server) assert.deepEqual(await server.stop(), { code: 0, signal: null }, server.stderr());
      } finally {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('one disclosure, then two: a new file with a new ETag; a store without one is 404', async () => {
      const [a, b] = files().slice(0, 2);
      const one = await download(server.origin, dir);
      assert.equal(one.res.status, 200);
      assert.equal(query(one.file, 'SELECT count(*) FROM disclosure')[0][0], 1);
      await ctl(['import', '--db', path.join(dir, 'store.sqlite'), b]);
      const two = await download(server.origin, dir);
      assert.equal(two.res.status, 200);
      assert.notEqual(two.res.headers.get('etag'), one.res.headers.get('etag'));
      const want = [a, b].map((f) => identity(JSON.parse(fs.readFileSync(f, 'utf8')))).sort();
      assert.deepEqual(query(two.file, DISCLOSURES).map((r) => r[0]), want);
      fs.unlinkSync(path.join(dir, 'store.sqlite.snapshot'));
      const none = await ctx.clientFor(server.origin).api(URL_PATH);
      assert.equal(none.status, 404);
    });
  });
}
