// SPDX-License-Identifier: MIT
// `meson install`, then budgetd and budgetctl from PATH (#16): a build of this source of its
// own (-Dtests=false, as README's run-only install; -Doptimization=0, so that it takes half
// the time and a developer's -O0 build is kept free of warnings, which -Werror makes errors:
// gcc at -O0 cannot see that a length checked before an snprintf fits), installed under a
// temporary prefix;
// budgetd started with no option but --port 0 from an unrelated folder serves the bundled
// store and the front page over loopback, and budgetctl list reads the same store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const source = process.env.BUDGETD_SOURCE;
const meson = process.env.MESON || 'meson';
if (!source) throw new Error('BUDGETD_SOURCE is not set (run through meson test)');
const dataDir = path.join(source, 'db/data');
const bundledIds = [...new Set(fs.readdirSync(dataDir).filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(fs.readFileSync(path.join(dataDir, f), 'utf8')).department.id))].sort();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'budgetd-install-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const prefix = path.join(tmp, 'prefix');
const build = path.join(tmp, 'build');
const cwd = path.join(tmp, 'elsewhere');
fs.mkdirSync(cwd);

// No user store, no $BUDGETD_DB: the installed defaults alone.
const runEnv = { ...process.env, PATH: `${path.join(prefix, 'bin')}:${process.env.PATH}`,
  HOME: cwd, XDG_DATA_HOME: path.join(cwd, 'xdg') };
delete runEnv.BUDGETD_DB;

function must(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.error ?? ''}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test('meson setup -Dtests=false, compile, install --skip-subprojects', () => {
  must(meson, ['setup', '-Dtests=false', '-Doptimization=0', `--prefix=${prefix}`, build, source]);
  must(meson, ['compile', '-C', build]);
  must(meson, ['install', '-C', build, '--skip-subprojects', '--quiet']);
  for (const f of ['bin/budgetd', 'bin/budgetctl', 'share/budgetd/budgetd.sqlite',
    'share/budgetd/static/index.html', 'share/budgetd/static/style.css'])
    assert.ok(fs.existsSync(path.join(prefix, f)), `${f} is installed`);
  // libmicrohttpd is linked in: its header and static library are not installed.
  assert.deepEqual(fs.readdirSync(prefix).sort(), ['bin', 'share']);
});

test('budgetd from PATH, no options but --port 0, serves the bundled store and the page', async () => {
  const child = spawn('budgetd', ['--port', '0'], { env: runEnv, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  try {
    const port = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`budgetd did not start: ${stderr}`)), 10_000);
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`budgetd exited ${code}: ${stderr}`)));
      child.stdout.on('data', (d) => {
        out += d;
        const m = /^listening on http:\/\/127\.0\.0\.1:(\d+)\/\n/.exec(out);
        if (m) { clearTimeout(timer); resolve(Number(m[1])); }
      });
    });
    const origin = `http://127.0.0.1:${port}`;
    const res = await fetch(`${origin}/api/v1/departments?limit=100`);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.deepEqual(body.items.map((d) => d.id).sort(), bundledIds);

    const home = await fetch(`${origin}/`);
    assert.equal(home.status, 200);
    const html = await home.text();
    assert.match(html, /<html/);
    for (const id of bundledIds) assert.ok(html.includes(`dept=${id}`), `/ links ${id}`);

    const page = await fetch(`${origin}/?dept=${bundledIds[0]}`);
    assert.equal(page.status, 200);
    await page.arrayBuffer();
    const js = await fetch(`${origin}/app.js`);
    assert.equal(js.status, 200, 'the front page script from the installed static folder');
    await js.arrayBuffer();
    // The published PDFs are installed beside the store (#18), served byte for byte.
    const pdf = await fetch(`${origin}/api/v1/departments/putuo-commerce/budgets/2025/source.pdf`);
    assert.equal(pdf.status, 200, 'the PDF kept beside the installed store');
    assert.ok(Buffer.from(await pdf.arrayBuffer()).equals(fs.readFileSync(
      path.join(source, 'tests/extract/pdf/putuo-commerce-2025-budget-dept.pdf'))));
    assert.match(stderr, new RegExp(`serving ${prefix}/share/budgetd/budgetd\\.sqlite`));
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
  }
});

test('budgetctl list from PATH reads the installed store', () => {
  const out = must('budgetctl', ['list'], { env: runEnv, cwd });
  assert.deepEqual(out.trim().split('\n').map((l) => l.split('\t')[0]).sort(), bundledIds);
});
