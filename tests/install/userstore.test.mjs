// SPDX-License-Identifier: MIT
// The user store (#16): budgetctl with no --db (and no $BUDGETD_DB) writes
// ${XDG_DATA_HOME:-$HOME/.local/share}/budgetd/budgetd.sqlite, never the build's bundled store;
// the first import starts it from a copy of the bundled store (--fresh: from its files alone).
// Read-only verbs and budgetd with no --db read the user store once it exists, else the
// bundled one. Every run here has its own HOME and XDG_DATA_HOME in a temporary folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run through meson test)`);
  return v;
};
const budgetd = env('BUDGETD_BIN');
const budgetctl = env('BUDGETCTL_BIN');
const bundled = env('BUDGETD_STORE');
const source = env('BUDGETD_SOURCE');
const dataDir = path.join(source, 'db/data');

// What the bundled store holds, from its import files: the department ids.
const bundledIds = [...new Set(fs.readdirSync(dataDir).filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(fs.readFileSync(path.join(dataDir, f), 'utf8')).department.id))].sort();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'budgetd-userstore-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

// A disclosure the bundled store does not hold: a bundled file under another department id.
const extraId = 'newcomer-test-office';
const extraFile = path.join(tmp, 'extra.json');
{
  const doc = JSON.parse(fs.readFileSync(path.join(dataDir,
    'putuo-wanli-subdistrict-2024-budget-dept.json'), 'utf8'));
  doc.department.id = extraId;
  fs.writeFileSync(extraFile, JSON.stringify(doc));
}

const sha256 = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

// A clean environment: HOME (and XDG_DATA_HOME when given) in tmp, no $BUDGETD_DB.
function envFor({ home, xdg, db } = {}) {
  const e = { ...process.env };
  delete e.BUDGETD_DB;
  delete e.XDG_DATA_HOME;
  delete e.HOME;
  if (home) e.HOME = home;
  if (xdg) e.XDG_DATA_HOME = xdg;
  if (db) e.BUDGETD_DB = db;
  return e;
}

function ctl(args, e) {
  const r = spawnSync(budgetctl, args, { env: e, encoding: 'utf8', cwd: tmp });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const listed = (stdout) => stdout.trim().split('\n').filter(Boolean).map((l) => l.split('\t')[0]).sort();

// budgetd with no --db and no --static, as a newcomer starts it; resolves to the department
// ids it serves over loopback and the store it says it serves.
async function start(e) {
  const child = spawn(budgetd, ['--port', '0', '--threads', '2', '--access-log', 'off'],
    { env: e, cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  const d = { child, stderr: '' };
  child.stderr.on('data', (b) => { d.stderr += b; });
  d.port = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`budgetd did not start: ${d.stderr}`)), 10_000);
    child.once('exit', (code) => reject(new Error(`budgetd exited ${code}: ${d.stderr}`)));
    child.stdout.on('data', (b) => {
      out += b;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
  });
  return d;
}

async function stop(d) {
  d.child.kill('SIGTERM');
  await new Promise((resolve) => (d.child.exitCode !== null ? resolve() : d.child.once('exit', resolve)));
}

async function departmentIds(d) {
  const res = await fetch(`http://127.0.0.1:${d.port}/api/v1/departments?limit=100`);
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.total, body.items.length);
  return body.items.map((x) => x.id).sort();
}

// Asks until budgetd serves want (its watcher looks every 20 ms): at most 5 s.
async function awaitIds(d, want) {
  let ids;
  for (let i = 0; i < 100; i++) {
    ids = await departmentIds(d);
    if (JSON.stringify(ids) === JSON.stringify(want)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(ids, want);
}

async function served(e) {
  const d = await start(e);
  try {
    const ids = await departmentIds(d);
    const page = await fetch(`http://127.0.0.1:${d.port}/`);
    assert.equal(page.status, 200, 'the front page from the default static folder');
    await page.arrayBuffer();
    return { ids, store: /serving (.*)/.exec(d.stderr)?.[1] };
  } finally {
    await stop(d);
  }
}

test('the bundled import files name departments', () => {
  assert.ok(bundledIds.length >= 2, bundledIds.join());
  assert.ok(!bundledIds.includes(extraId));
});

test('import without --db creates the user store under $HOME and leaves the bundled store alone', async () => {
  const home = path.join(tmp, 'home');
  fs.mkdirSync(home);
  const e = envFor({ home });
  const user = path.join(home, '.local/share/budgetd/budgetd.sqlite');
  const before = sha256(bundled);

  // Before: budgetd and the read-only verbs read the bundled store.
  let s = await served(e);
  assert.deepEqual(s.ids, bundledIds);
  assert.equal(s.store, bundled);
  let r = ctl(['list'], e);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(listed(r.stdout), bundledIds);
  assert.ok(!fs.existsSync(path.join(home, '.local')), 'reading creates nothing');

  r = ctl(['import', extraFile], e);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`into ${user.replace(/[.]/g, '\\.')}:`));
  assert.equal(sha256(bundled), before, 'the bundled store is byte for byte the same');
  assert.ok(fs.statSync(user).isFile(), 'the user store exists');
  // The published PDFs the bundled store keeps came along (#18): the user store serves them.
  assert.deepEqual(fs.readdirSync(`${user}.files`).sort(), fs.readdirSync(`${bundled}.files`).sort());
  assert.ok(fs.readdirSync(`${user}.files`).length >= 6);
  for (const dir of ['.local', '.local/share', '.local/share/budgetd'])
    assert.equal(fs.statSync(path.join(home, dir)).mode & 0o777, 0o700, `${dir} is 0700`);

  // After: the user store, which holds the bundled disclosures and the new one.
  const after = [...bundledIds, extraId].sort();
  r = ctl(['list'], e);
  assert.deepEqual(listed(r.stdout), after);
  r = ctl(['export', extraId, '2024'], e);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).department.id, extraId);
  r = ctl(['export', '--db', bundled, extraId, '2024'], e);
  assert.equal(r.code, 1, 'not in the bundled store');
  s = await served(e);
  assert.deepEqual(s.ids, after);
  assert.equal(s.store, user);

  // A second import goes to the same store; the bundled one still untouched.
  r = ctl(['import', extraFile], e);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(sha256(bundled), before);
});

test('a running budgetd with no --db takes up the user store once it is created, and falls back when it is removed', async () => {
  const xdg = path.join(tmp, 'xdg-live');
  const e = envFor({ home: tmp, xdg });
  const user = path.join(xdg, 'budgetd/budgetd.sqlite');
  const d = await start(e);
  try {
    assert.deepEqual(await departmentIds(d), bundledIds);
    const r = ctl(['import', extraFile], e);
    assert.equal(r.code, 0, r.stderr);
    await awaitIds(d, [...bundledIds, extraId].sort());
    const snapshot = await fetch(`http://127.0.0.1:${d.port}/api/v1/snapshot.sqlite`);
    assert.equal(snapshot.status, 200, 'the download beside the store now served');
    assert.equal(Buffer.from(await snapshot.arrayBuffer()).length, fs.statSync(`${user}.snapshot`).size);
    for (const f of fs.readdirSync(path.dirname(user)))
      fs.rmSync(path.join(path.dirname(user), f), { recursive: true });
    await awaitIds(d, bundledIds);
  } finally {
    await stop(d);
  }
  assert.match(d.stderr, /now exists: serving it instead of the bundled store/);
});

test('a file at the user store that is no store is not served; the store that replaces it is', async () => {
  const xdg = path.join(tmp, 'xdg-garbage');
  const e = envFor({ home: tmp, xdg });
  const user = path.join(xdg, 'budgetd/budgetd.sqlite');
  const built = path.join(tmp, 'built.sqlite');
  assert.equal(ctl(['import', '--db', built, '--fresh', extraFile], e).code, 0);
  const d = await start(e); // (at start, a file there that is no store is refused: exit 66)
  try {
    fs.mkdirSync(path.dirname(user), { recursive: true });
    fs.writeFileSync(user, 'not a store');
    await new Promise((r) => setTimeout(r, 200)); // ten looks of the watcher
    assert.deepEqual(await departmentIds(d), bundledIds, 'the bundled store, still');
    fs.copyFileSync(built, `${user}.new`);
    fs.renameSync(`${user}.new`, user);
    await awaitIds(d, [extraId]);
  } finally {
    await stop(d);
  }
});

test('$XDG_DATA_HOME wins over $HOME; --fresh starts the user store from its files alone', () => {
  const home = path.join(tmp, 'home2');
  const xdg = path.join(tmp, 'xdg');
  fs.mkdirSync(home);
  const e = envFor({ home, xdg });
  const r = ctl(['import', '--fresh', extraFile], e);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(fs.existsSync(path.join(xdg, 'budgetd/budgetd.sqlite')));
  assert.ok(!fs.existsSync(path.join(home, '.local')));
  assert.deepEqual(listed(ctl(['list'], e).stdout), [extraId]);
});

test('a first import that fails leaves no user store', () => {
  const xdg = path.join(tmp, 'xdg-bad');
  const e = envFor({ home: tmp, xdg });
  const bad = path.join(tmp, 'bad.json');
  fs.writeFileSync(bad, '{"format": "budgetd-disclosure/2"}');
  const before = sha256(bundled);
  const r = ctl(['import', bad], e);
  assert.equal(r.code, 65, r.stderr);
  assert.ok(!fs.existsSync(path.join(xdg, 'budgetd/budgetd.sqlite')), 'no user store');
  assert.deepEqual(fs.readdirSync(path.join(xdg, 'budgetd')), [], 'nothing beside it either');
  assert.deepEqual(listed(ctl(['list'], e).stdout), bundledIds, 'the bundled store is read');
  assert.equal(sha256(bundled), before);
});

test('$BUDGETD_DB and --db still name the store; with no HOME import asks for --db', () => {
  const xdg = path.join(tmp, 'xdg-env');
  const other = path.join(tmp, 'other.sqlite');
  let r = ctl(['import', extraFile], envFor({ xdg, db: other }));
  assert.equal(r.code, 0, r.stderr);
  assert.ok(fs.existsSync(other));
  assert.ok(!fs.existsSync(path.join(xdg, 'budgetd')), 'no user store');
  r = ctl(['import', extraFile], envFor({}));
  assert.equal(r.code, 64);
  assert.match(r.stderr, /--db/);
  assert.equal(ctl(['list'], envFor({})).code, 0, 'reading needs no HOME: the bundled store');
});
