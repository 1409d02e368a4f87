// Accessibility of the front page, checked by axe-core (the engine behind Lighthouse's and
// Deque's audits) against WCAG 2.x A and AA, at phone and desktop widths, with every
// <details> open so that hidden content (project target tables) is checked too.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as env from './lib/env.mjs';

const axePath = path.join(env.root, 'node_modules', 'axe-core', 'axe.min.js');
if (!fs.existsSync(axePath)) throw new Error(`run \`npm ci\` first (${axePath} is missing)`);

const { startServer } = await import('../http/lib/server.mjs');
const { DESKTOP, PHONE, T, waitRendered } = await import('./lib/page.mjs');
const chromium = await env.loadChromium();

let server;
let browser;

before(async () => {
  server = await startServer({ bin: env.bin, store: env.store, staticDir: env.staticDir });
  browser = await env.launch(chromium);
});

after(async () => {
  await browser?.close();
  if (server) assert.deepEqual(await server.stop(), { code: 0, signal: null });
});

/** axe's WCAG A/AA violations on the rendered page, as readable lines. */
async function audit(viewport, origin = server.origin, url = '/') {
  // axe is injected as a script, which the page's CSP (rightly) forbids: bypass it here only.
  const context = await browser.newContext({ viewport, bypassCSP: true, locale: 'zh-CN' });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(T);
    await page.goto(`${origin}${url}`);
    await waitRendered(page);
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
    await page.addScriptTag({ path: axePath });
    const result = await page.evaluate(() => window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    }));
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.length} element(s), e.g. ${v.nodes[0].target.join(' ')}`);
  } finally {
    await context.close();
  }
}

describe('accessibility (axe-core, WCAG 2.1 A and AA)', () => {
  // '/' is the directory of departments (#15; also in directory.test.mjs), then a disclosure
  for (const [viewport, url] of [DESKTOP, PHONE].flatMap((v) => [[v, '/'], [v, '/?dept=kashi-urumqi-office&year=2021&kind=budget']])) {
    it(`no violations at ${viewport.width} px: ${url}`, async () => {
      const violations = await audit(viewport, server.origin, url);
      assert.deepEqual(violations, [], `axe found:\n${violations.join('\n')}`);
    });
  }
});

describe('accessibility of a 决算, a 预算 in 元 and a 单位 disclosure (fixtures and corpus)', () => {
  let dir;
  let v2;

  before(async () => {
    const { buildV2Store } = await import('../http/suites/v2.mjs');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'budgetd-a11y-v2-'));
    const store = await buildV2Store({ ctl: env.ctl, seedPath: env.seedPath, root: env.root, dir });
    v2 = await startServer({ bin: env.bin, store, staticDir: env.staticDir });
  });

  after(async () => {
    try {
      if (v2) assert.deepEqual(await v2.stop(), { code: 0, signal: null });
    } finally {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const url of ['/?dept=fixture-office&year=2024&kind=final', '/?dept=fixture-office&year=2025&kind=budget',
    '/?dept=putuo-cpc-social-work&year=2024&kind=final', '/?dept=putuo-govt-office&year=2025&kind=budget&level=unit']) {
    it(`no violations at ${PHONE.width} px: ${url}`, async () => {
      const violations = await audit(PHONE, v2.origin, url);
      assert.deepEqual(violations, [], `axe found:\n${violations.join('\n')}`);
    });
  }
});

describe('accessibility of the 核对 section (findings written by hand)', () => {
  let dir;
  let srv;

  before(async () => {
    const { buildFindingsStore } = await import('../http/suites/audit.mjs');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'budgetd-a11y-audit-'));
    const store = await buildFindingsStore({ root: env.root, seedPath: env.seedPath, dir });
    srv = await startServer({ bin: env.bin, store, staticDir: env.staticDir });
  });

  after(async () => {
    try {
      if (srv) assert.deepEqual(await srv.stop(), { code: 0, signal: null });
    } finally {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const viewport of [DESKTOP, PHONE]) {
    it(`no violations at ${viewport.width} px, a finding's row marked`, async () => {
      const violations = await audit(viewport, srv.origin, '/?dept=kashi-urumqi-office&year=2021&kind=budget#table-6-row-0');
      assert.deepEqual(violations, [], `axe found:\n${violations.join('\n')}`);
    });
  }
});

// #15: 与上年比较 and the 其他年度 links, on a store with the year before (the picker's)
describe('accessibility of 与上年比较 (a store with 2021 and 2020)', () => {
  let dir;
  let srv;

  before(async () => {
    const { buildPickerStore } = await import('./lib/store.mjs');
    const built = await buildPickerStore({ ctl: env.ctl, seedPath: env.seedPath });
    dir = built.dir;
    srv = await startServer({ bin: env.bin, store: built.store, staticDir: env.staticDir });
  });

  after(async () => {
    try {
      if (srv) assert.deepEqual(await srv.stop(), { code: 0, signal: null });
    } finally {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const viewport of [DESKTOP, PHONE]) {
    it(`no violations at ${viewport.width} px`, async () => {
      const violations = await audit(viewport, srv.origin, '/?dept=kashi-urumqi-office&year=2021&kind=budget');
      assert.deepEqual(violations, [], `axe found:\n${violations.join('\n')}`);
    });
  }
});
