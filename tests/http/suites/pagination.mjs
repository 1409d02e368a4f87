// d. The department list: limit/offset, the q and year filters, and paging through more
// than one department (a second budgetd on a temporary store holding the seed and a copy
// under another department id, imported with budgetctl).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer } from '../lib/server.mjs';

const LIST = '/api/v1/departments';

export default function pagination(ctx) {
  const list = async (client, query) => {
    const res = await client.api(`${LIST}${query}`);
    assert.equal(res.status, 200, `${query}: ${res.text.slice(0, 300)}`);
    return res;
  };

  describe('department list: paging and filters on the bundled store', () => {
    const ids = [...new Set(ctx.bundled.map((d) => d.department.id))].sort();

    it('limit=5&offset=0: every bundled department, next null, no Link header', async () => {
      const res = await list(ctx.client, `?limit=${ids.length}&offset=0`);
      assert.equal(res.json.total, ids.length);
      assert.equal(res.json.limit, ids.length);
      assert.equal(res.json.offset, 0);
      assert.deepEqual(res.json.items.map((d) => d.id), ids);
      assert.deepEqual(res.json.links, { self: `${LIST}?limit=${ids.length}&offset=0`, next: null });
      assert.equal(res.headers.get('link'), null);
    });

    it('limit=1&offset=last: the last department by id, next null', async () => {
      const res = await list(ctx.client, `?limit=1&offset=${ids.length - 1}`);
      assert.deepEqual(res.json.items.map((d) => d.id), [ids.at(-1)]);
      assert.equal(res.json.total, ids.length);
      assert.equal(res.json.links.next, null);
    });

    it('limit=1&offset=past the end: no items, total still all of them', async () => {
      const res = await list(ctx.client, `?limit=1&offset=${ids.length}`);
      assert.deepEqual(res.json.items, []);
      assert.equal(res.json.total, ids.length);
      assert.equal(res.json.offset, ids.length);
      assert.equal(res.json.links.next, null);
    });

    it('q filters by a substring of the name', async () => {
      const found = await list(ctx.client, `?q=${encodeURIComponent('喀什')}`);
      assert.equal(found.json.total, 1);
      assert.deepEqual(found.json.items.map((d) => d.id), [ctx.dept]);
      const none = await list(ctx.client, '?q=nomatch');
      assert.equal(none.json.total, 0);
      assert.deepEqual(none.json.items, []);
    });

    it('q filters by a substring of the id', async () => {
      const res = await list(ctx.client, `?q=${encodeURIComponent(ctx.dept.slice(0, 5))}`);
      assert.deepEqual(res.json.items.map((d) => d.id), [ctx.dept]);
    });

    it('year filters by disclosure year', async () => {
      const found = await list(ctx.client, `?year=${ctx.data.year}`);
      assert.equal(found.json.total, 1);
      assert.deepEqual(found.json.items.map((d) => d.id), [ctx.dept]);
      const none = await list(ctx.client, `?year=${ctx.data.year - 1}`);
      assert.equal(none.json.total, 0);
      assert.deepEqual(none.json.items, []);
    });
  });

  describe('department list: paging through two departments', () => {
    const copyId = `${ctx.dept}-copy`;
    let dir;
    let server;
    let client;

    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'budgetd-http-'));
      const copy = structuredClone(ctx.data);
      copy.department.id = copyId;
      const copyPath = path.join(dir, 'copy.json');
      fs.writeFileSync(copyPath, JSON.stringify(copy, null, 2));
      const store = path.join(dir, 'two.sqlite');
      await new Promise((resolve, reject) => {
        execFile(ctx.ctl, ['import', '--db', store, '--fresh', ctx.seedPath, copyPath],
          { timeout: 20_000 }, (err, stdout, stderr) => (err
            ? reject(new Error(`budgetctl import failed (${err.code ?? err.signal}): ${stderr}`))
            : resolve()));
      });
      server = await startServer({ bin: ctx.bin, store, staticDir: ctx.staticDir });
      client = ctx.clientFor(server.origin);
    });

    after(async () => {
      try {
        if (server) assert.deepEqual(await server.stop(), { code: 0, signal: null }, 'second budgetd exits 0');
      } finally {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('both departments are listed, by id', async () => {
      const res = await list(client, '');
      assert.equal(res.json.total, 2);
      assert.deepEqual(res.json.items.map((d) => d.id), [ctx.dept, copyId]);
    });

    it('limit=1 gives links.next and a Link rel="next" header; following it reaches the second', async () => {
      const first = await list(client, '?limit=1');
      assert.equal(first.json.total, 2);
      assert.deepEqual(first.json.items.map((d) => d.id), [ctx.dept]);
      const { next } = first.json.links;
      assert.equal(next, `${LIST}?limit=1&offset=1`);
      assert.equal(first.headers.get('link'), `<${next}>; rel="next"`);
      const second = await client.api(next);
      assert.equal(second.status, 200);
      assert.deepEqual(second.json.items.map((d) => d.id), [copyId]);
      assert.equal(second.json.total, 2);
      assert.equal(second.json.offset, 1);
      assert.equal(second.json.links.self, next);
      assert.equal(second.json.links.next, null, 'the last page');
      assert.equal(second.headers.get('link'), null, 'no Link on the last page');
    });

    it('next keeps the filters (q percent-encoded, year)', async () => {
      const q = '喀什';
      const first = await list(client, `?limit=1&year=${ctx.data.year}&q=${encodeURIComponent(q)}`);
      assert.equal(first.json.total, 2);
      const { next } = first.json.links;
      assert.ok(next, 'a next page');
      const url = new URL(next, 'http://x');
      assert.equal(url.pathname, LIST);
      assert.equal(url.searchParams.get('q'), q);
      assert.equal(url.searchParams.get('year'), String(ctx.data.year));
      assert.equal(url.searchParams.get('offset'), '1');
      assert.equal(first.headers.get('link'), `<${next}>; rel="next"`);
      const second = await client.api(next);
      assert.deepEqual(second.json.items.map((d) => d.id), [copyId]);
      assert.equal(second.json.links.next, null);
    });
  });
}
