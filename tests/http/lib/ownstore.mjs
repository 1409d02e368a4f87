// A budgetd of a suite's own, on a store the suite builds (fixtures, hand-written findings),
// started before the suite's tests and stopped (exit 0 asserted) after them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { startServer } from './server.mjs';

/**
 * Call inside a describe(): build(dir) resolves to the store's path. Returns get(url,
 * status = 200), which asserts the status, and the client once started (own.client).
 */
export function ownStore(ctx, prefix, build) {
  const own = { dir: null, server: null, client: null };
  own.get = async (url, status = 200) => {
    const res = await own.client.api(url);
    assert.equal(res.status, status, `GET ${url}: ${res.text.slice(0, 300)}`);
    return res;
  };
  before(async () => {
    own.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const store = await build(own.dir);
    own.server = await startServer({ bin: ctx.bin, store, staticDir: ctx.staticDir });
    own.client = ctx.clientFor(own.server.origin);
  });
  after(async () => {
    try {
      if (own.server) assert.deepEqual(await own.server.stop(), { code: 0, signal: null }, own.server.stderr());
    } finally {
      if (own.dir) fs.rmSync(own.dir, { recursive: true, force: true });
    }
  });
  return own;
}
