// SPDX-License-Identifier: MIT
// Live data updates: while two budgetd (one with its answer cache, one without) serve a store
// under load, budgetctl import swaps a disclosure between two versions; every answer must be
// one version or the other, whole, and the last import must be served within 1 s.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startServer } from './lib/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const env = (name, fallback) => process.env[name] || fallback;
const bin = env('BUDGETD_BIN', path.join(root, 'build/server/budgetd'));
const ctl = env('BUDGETCTL_BIN', path.join(path.dirname(bin), 'budgetctl'));
const bundled = env('BUDGETD_STORE', path.join(root, 'build/server/budgetd.sqlite'));
const staticDir = env('BUDGETD_STATIC', path.join(root, 'static'));
const seedPath = env('BUDGETD_SEED', path.join(root, 'db/data/kashi-urumqi-office-2021-budget.json'));

const CLIENTS = 24; // concurrent keep-alive request loops, half on each budgetd
const IMPORTS = 10; // B, A, B, ..., A
const FRESH_MS = 1000; // the promise: an import is served within 1 s (budgetd aims at 20 ms)
const DWELL_MS = 150; // more load on each version once every representation has shown it
const TAIL_MS = 1500; // load after the last import, past FRESH_MS
const REQUEST_TIMEOUT_MS = 10_000;

/** amount + n exactly, for a non-negative decimal string ("299.48" + 1 = "300.48"). */
function plus(amount, n) {
  assert.match(amount, /^\d+(\.\d+)?$/);
  const [int, frac] = amount.split('.');
  const sum = String(BigInt(int) + BigInt(n));
  return frac === undefined ? sum : `${sum}.${frac}`;
}

/** Version B of the seed: another name, other figures in 表六 and in the first project, and
 * other text in parts that budgetd reads with other statements than those (overview,
 * explanations, allocation, indicators), so that an answer mixing A and B would show. */
function variant(seed) {
  const b = structuredClone(seed);
  const mark = '（实时更新测试）';
  b.department.name += mark;
  b.overview.functions[0] += mark;
  b.explanations[0].paragraphs[0] += mark;
  const table6 = b.tables.find((t) => t.number === 6);
  table6.rows.slice(0, 2).forEach((row, i) => {
    for (const key of Object.keys(row.amounts)) row.amounts[key] = plus(row.amounts[key], i + 1);
  });
  const project = b.projects[0];
  project.amount = plus(project.amount, 3);
  project.allocation.text += mark;
  project.allocation.items[0].amount = plus(project.allocation.items[0].amount, 3);
  project.performance.indicators[0].name += mark;
  return b;
}

/** What the clients ask for: each resource plain and with Accept-Encoding: gzip. */
function representations(seed) {
  const base = `/api/v1/departments/${seed.department.id}/${seed.kind}s/${seed.year}`;
  const paths = {
    departments: '/api/v1/departments',
    overview: base,
    table6: `${base}/tables/6`,
    table6csv: `${base}/tables/6?format=csv`,
    project: `${base}/projects/${seed.projects[0].id}`,
    projects: `${base}/projects`, // #17, round 4: read_projects.c's disclosure map
  };
  return Object.entries(paths).flatMap(([name, p]) => [
    { key: name, path: p, gzip: false },
    { key: `${name}+gzip`, path: p, gzip: true },
  ]);
}

/** One GET over node:http: the body's bytes exactly as received (no decompression). */
function get(port, rep, { agent = false, etag } = {}) {
  const headers = {};
  if (rep.gzip) headers['accept-encoding'] = 'gzip';
  if (etag) headers['if-none-match'] = etag;
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: rep.path, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({
        status: res.statusCode, etag: res.headers.etag, body: Buffer.concat(chunks),
      }));
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(
      new Error(`GET ${rep.path}: no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
  });
}

function budgetctl(store, file) {
  return new Promise((resolve, reject) => {
    execFile(ctl, ['import', '--db', store, file], { timeout: 60_000 }, (err, stdout, stderr) => (err
      ? reject(new Error(`budgetctl import ${file} failed (${err.code ?? err.signal}): ${stderr}`))
      : resolve()));
  });
}

/** Every representation once, as {body, etag} by key; each must be a 200. */
async function snapshot(port, reps) {
  const out = new Map();
  for (const rep of reps) {
    const res = await get(port, rep);
    assert.equal(res.status, 200, `GET ${rep.path}: ${res.body.toString('utf8', 0, 300)}`);
    out.set(rep.key, { body: res.body, etag: res.etag });
  }
  return out;
}

/** Polls until done(snapshot) holds for a snapshot, which it returns; fails after 5 s. */
async function until(port, reps, done, what) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const now = await snapshot(port, reps);
    if (done(now)) return now;
    assert.ok(Date.now() < deadline, `budgetd did not serve ${what} within 5 s`);
    await sleep(20);
  }
}

const sameAs = (want) => (got) => [...want].every(([k, v]) => got.get(k).body.equals(v.body));
const noneAs = (old) => (got) => [...old].every(([k, v]) => !got.get(k).body.equals(v.body));

/** The version ('A' or 'B') a load response belongs to; fails on anything else. */
function versionOf(rep, res, sent, known) {
  const where = `GET ${rep.path}${rep.gzip ? ' (gzip)' : ''}`;
  const names = Object.keys(known);
  if (res.status === 304) {
    assert.ok(sent !== undefined, `${where}: 304 to an unconditional request`);
    assert.equal(res.etag, sent, `${where}: a 304 must carry the ETag it matched`);
    assert.equal(res.body.length, 0, `${where}: a 304 with a body`);
    const v = names.find((n) => known[n].get(rep.key).etag === res.etag);
    assert.ok(v, `${where}: 304 for an ETag of neither version: ${res.etag}`);
    return v;
  }
  assert.equal(res.status, 200, `${where}: ${res.status} ${res.body.toString('utf8', 0, 300)}`);
  const v = names.find((n) => res.body.equals(known[n].get(rep.key).body));
  assert.ok(v, `${where}: ${res.body.length} bytes that are neither version (A: ${
    known.A.get(rep.key).body.length}, B: ${known.B.get(rep.key).body.length} bytes)`);
  assert.equal(res.etag, known[v].get(rep.key).etag, `${where}: version ${v}'s body with another ETag`);
  return v;
}

/** One client: a keep-alive connection to one budgetd asking for every representation in
 * turn until state.stop; odd clients revalidate with the last ETag they got. */
async function client(i, server, known, state) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const etags = new Map();
  try {
    for (let k = i; !state.stop; k++) {
      const rep = reps[k % reps.length];
      const sent = i % 2 === 1 ? etags.get(rep.key) : undefined;
      const start = performance.now();
      const res = await get(server.port, rep, { agent, etag: sent });
      const end = performance.now();
      const version = versionOf(rep, res, sent, known);
      etags.set(rep.key, res.etag);
      state.log.push({
        key: `${server.name} ${rep.key}`, server: server.name, start, end, version,
        status: res.status,
      });
    }
  } finally {
    agent.destroy();
  }
}

/** Waits until each of keys (a budgetd and a representation) has been answered with version
 * to a request started after since (log entries from index from on); fails after FRESH_MS
 * and a margin. */
async function untilServed(version, since, from, keys, state) {
  const deadline = since + FRESH_MS + 2000;
  const seen = new Set();
  let i = from;
  while (!state.stop && seen.size < keys.length) {
    for (; i < state.log.length; i++) {
      const r = state.log[i];
      if (r.start > since && r.version === version) seen.add(r.key);
    }
    const missing = keys.filter((key) => !seen.has(key));
    assert.ok(performance.now() < deadline || missing.length === 0,
      `version ${version} not served ${FRESH_MS} ms after the import: ${missing.join(', ')}`);
    await sleep(5);
  }
}

/** Imports B and A in turn while the clients run; returns [{version, start, end}]. */
async function flipFlop(store, files, keys, state) {
  const imports = [];
  for (let k = 0; k < IMPORTS && !state.stop; k++) {
    const version = k % 2 === 0 ? 'B' : 'A';
    const start = performance.now();
    await budgetctl(store, files[version]);
    const end = performance.now();
    imports.push({ version, start, end });
    await untilServed(version, end, state.log.length, keys, state);
    await sleep(k === IMPORTS - 1 ? TAIL_MS : DWELL_MS);
  }
  return imports;
}

/** Answers of the version before an import to requests started after it ended and answered
 * before the next one began (one that overlaps the next import may see either): late ones
 * (FRESH_MS or more after) break the promise; the others show how long budgetd took to
 * notice, per budgetd. */
function oldAnswers(log, imports) {
  const late = [];
  const notice = {}; // budgetd -> {count, latest} (ms after the import ended)
  let checked = 0;
  imports.forEach((im, k) => {
    const next = imports[k + 1]?.start ?? Infinity;
    for (const r of log) {
      if (r.start <= im.end || r.end >= next) continue;
      const after = Math.round(r.start - im.end);
      if (after >= FRESH_MS) checked++;
      if (r.version === im.version) continue;
      notice[r.server] ??= { count: 0, latest: 0 };
      notice[r.server].count++;
      notice[r.server].latest = Math.max(notice[r.server].latest, after);
      if (after >= FRESH_MS) late.push({ ...r, after });
    }
  });
  return { late, checked, notice };
}

function countBy(log, field) {
  const out = {};
  for (const r of log) out[r[field]] = (out[r[field]] ?? 0) + 1;
  return out;
}

const seed = JSON.parse(fs.readFileSync(seedPath, 'utf8'));
const reps = representations(seed);
const known = {}; // version -> Map(key -> {body, etag})
let dir;
let store;
let files;
const servers = []; // the one with the cache first: the versions are learnt from it

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'budgetd-live-'));
  store = path.join(dir, 'budgetd.sqlite');
  fs.copyFileSync(bundled, store);
  files = { A: seedPath, B: path.join(dir, 'variant-b.json') };
  fs.writeFileSync(files.B, JSON.stringify(variant(seed), null, 2));
  // Without the cache, every answer is built during the imports: a build that read across a
  // commit would show. With it, the cache must be dropped at each import.
  for (const [name, extraArgs] of [['cached', []], ['uncached', ['--cache-mb', '0']]]) {
    servers.push({ name, ...await startServer({ bin, store, staticDir, extraArgs }) });
  }
});

after(async () => {
  try {
    await Promise.all(servers.map((server) => server.stop()));
  } finally {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('versions A (the seed) and B differ in every representation; importing A back restores A byte for byte', async () => {
  const [cached, uncached] = servers;
  known.A = await snapshot(cached.port, reps);
  assert.ok(sameAs(known.A)(await snapshot(uncached.port, reps)), 'the two budgetd differ');
  await budgetctl(store, files.B);
  known.B = await until(cached.port, reps, noneAs(known.A), 'version B');
  assert.ok(sameAs(known.B)(await snapshot(cached.port, reps)), 'version B is not stable');
  assert.ok(sameAs(known.B)(await snapshot(uncached.port, reps)), 'the two budgetd differ');
  await budgetctl(store, files.A);
  await until(cached.port, reps, sameAs(known.A), 'the bytes of version A again');
  for (const rep of reps) {
    assert.notEqual(known.A.get(rep.key).etag, known.B.get(rep.key).etag, `${rep.key}: one ETag`);
  }
});

test('under load, every answer is A or B whole and the last import is served within 1 s', { timeout: 180_000 }, async (t) => {
  assert.ok(known.A && known.B, 'needs the versions learnt by the test before');
  const state = { stop: false, log: [], error: null };
  const fail = (e) => {
    state.error ??= e;
    state.stop = true;
  };
  const keys = servers.flatMap((server) => reps.map((rep) => `${server.name} ${rep.key}`));
  const clients = Array.from({ length: CLIENTS },
    (_, i) => client(i, servers[Math.floor(i / 2) % servers.length], known, state).catch(fail));
  await sleep(200);
  const imports = await flipFlop(store, files, keys, state).catch((e) => {
    fail(e);
    return [];
  });
  state.stop = true;
  await Promise.all(clients);
  if (state.error) throw state.error;

  const old = oldAnswers(state.log, imports);
  const versions = countBy(state.log, 'version');
  const took = imports.map((im) => Math.round(im.end - im.start));
  t.diagnostic(`${state.log.length} responses (${JSON.stringify(countBy(state.log, 'status'))}), `
    + `version A: ${versions.A ?? 0}, B: ${versions.B ?? 0}; ${imports.length} imports of `
    + `${took.join(', ')} ms; answers of the version before to requests started after an `
    + `import ended: ${JSON.stringify(old.notice)}; ${old.checked} requests ${FRESH_MS} ms or `
    + 'more after an import');
  assert.equal(imports.length, IMPORTS);
  assert.deepEqual(old.late, [], `the version before, ${FRESH_MS} ms or more after the import`);
  const last = imports.at(-1);
  const tail = state.log.filter((r) => r.start >= last.end + FRESH_MS);
  assert.ok(tail.length > 0, 'no requests in the last second of the load');
  assert.ok(tail.every((r) => r.version === last.version), 'after the last import, only its version');
  for (const key of keys) {
    const seen = new Set(state.log.filter((r) => r.key === key).map((r) => r.version));
    assert.deepEqual([...seen].sort(), ['A', 'B'], `${key}: versions seen`);
  }
});

test('budgetd stops on SIGTERM with exit code 0', async () => {
  for (const server of servers) {
    const status = await server.stop();
    assert.deepEqual(status, { code: 0, signal: null }, `${server.name}: ${server.stderr()}`);
  }
});
