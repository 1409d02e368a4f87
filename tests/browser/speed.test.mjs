// Speed of the citizen page (#15): first figures on Slow 3G, and Lighthouse mobile. The
// numbers are printed (the suite log shows them) and written to speed.json beside the
// screenshots; only what is stable is asserted: the first headline figure paints within 3 s
// on Slow 3G (one 2 s round trip and ~10 KB: the page, its style inlined, is one request),
// Lighthouse's accessibility score is 100 in every run, and the median of three runs'
// performance scores is at least 90 (a single run moves with the machine's load).
//
//   node --test --test-reporter=spec tests/browser/speed.test.mjs
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as env from './lib/env.mjs';

const lighthouseBin = path.join(env.root, 'node_modules', 'lighthouse', 'cli', 'index.js');
if (!fs.existsSync(lighthouseBin)) throw new Error(`run \`npm ci\` first (${lighthouseBin} is missing)`);

const chromium = await env.loadChromium();
const { startServer } = await import('../http/lib/server.mjs');
const { PHONE, T, newPage, assertNoProblems, waitRendered } = await import('./lib/page.mjs');
const { pageProbe } = await import('./lib/probes.mjs');

const DEEP = '/?dept=kashi-urumqi-office&year=2021&kind=budget';
/* The seed's headline figures (db/data/kashi-urumqi-office-2021-budget.json, 万元): 收支总计. */
const HEADLINE = ['700.94'];
/* Slow 3G as issue #15 defines it: a 2 s round trip, 50 kB/s each way. */
const SLOW_3G = { offline: false, latency: 2000, downloadThroughput: 50 * 1024, uploadThroughput: 50 * 1024 };
const BUDGET_MS = 3000;

let server;
let browser;
const results = {};

before(async () => {
  server = await startServer({ bin: env.bin, store: env.store, staticDir: env.staticDir });
  browser = await env.launch(chromium);
});

after(async () => {
  try {
    if (browser) await browser.close();
    fs.writeFileSync(path.join(env.shotsDir(), 'speed.json'), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    if (server) assert.deepEqual(await server.stop(), { code: 0, signal: null }, server.stderr());
  }
});

/** Runs before the page's own scripts: paint, element and LCP timings in window.__speed. */
function speedProbe() {
  const s = { paint: {}, elements: [], lcp: null };
  window.__speed = s;
  const watch = (type, fn) => {
    try { new PerformanceObserver((l) => l.getEntries().forEach(fn)).observe({ type, buffered: true }); } catch { /* not supported */ }
  };
  watch('paint', (e) => { s.paint[e.name] = e.startTime; });
  watch('largest-contentful-paint', (e) => { s.lcp = e.startTime; });
  watch('element', (e) => {
    s.elements.push({ id: e.identifier, time: e.renderTime || e.loadTime, text: (e.element?.textContent || '').trim().slice(0, 40) });
  });
}

/** GET path: {status, headers, text}. */
async function get(origin, p, headers = {}) {
  const res = await fetch(origin + p, { headers, signal: AbortSignal.timeout(T) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const sha256 = (text) => `'sha256-${crypto.createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const styleSrc = (csp) => (/(?:^|;)\s*style-src ([^;]*)/.exec(csp) || [])[1] ?? '';

describe('one request paints the page (#15)', () => {
  it('the page carries static/style.css in one <style>, which the CSP names by its hash', async () => {
    const css = fs.readFileSync(path.join(env.staticDir, 'style.css'), 'utf8');
    for (const p of [DEEP, '/', '/?dept=nope']) {
      const { status, headers, text } = await get(server.origin, p);
      assert.ok([200, 404].includes(status), `GET ${p}: ${status}`);
      const styles = [...text.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]);
      assert.deepEqual(styles.map((x) => x.length), [css.length], `GET ${p}: one <style>, the whole of style.css`);
      assert.equal(styles[0], css, `GET ${p}: the <style> is static/style.css as it is`);
      assert.doesNotMatch(text, /<link[^>]+stylesheet/, `GET ${p}: no stylesheet to fetch`);
      const csp = headers.get('content-security-policy') ?? '';
      assert.equal(styleSrc(csp), `'self' ${sha256(css)}`, `GET ${p}: style-src allows that <style> only: ${csp}`);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(text, /<script type="module" src="\/app\.js"><\/script>/, 'the script stays a module (never render-blocking)');
    }
    // A revalidated page keeps the policy its cached copy needs (a 304's headers update it).
    const first = await get(server.origin, DEEP);
    const again = await get(server.origin, DEEP, { 'If-None-Match': first.headers.get('etag') });
    assert.equal(again.status, 304);
    assert.equal(styleSrc(again.headers.get('content-security-policy')), `'self' ${sha256(css)}`, 'the 304 names the same hash');
  });

  it('an edited style.css is inlined, and hashed, at once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'budgetd-style-'));
    let other;
    try {
      fs.cpSync(env.staticDir, dir, { recursive: true });
      other = await startServer({ bin: env.bin, store: env.store, staticDir: dir });
      const before = await get(other.origin, DEEP);
      const css = `${fs.readFileSync(path.join(dir, 'style.css'), 'utf8')}\n.edited { color: #000 }\n`;
      fs.writeFileSync(path.join(dir, 'style.css.new'), css);
      fs.renameSync(path.join(dir, 'style.css.new'), path.join(dir, 'style.css'));
      const after = await get(other.origin, DEEP);
      assert.ok(!before.text.includes('.edited') && after.text.includes('.edited { color: #000 }'), 'the new style is in the page');
      assert.equal(styleSrc(after.headers.get('content-security-policy')), `'self' ${sha256(css)}`);
    } finally {
      if (other) assert.deepEqual(await other.stop(), { code: 0, signal: null }, other.stderr());
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('in the browser the inlined style applies, with no CSP violation', async (t) => {
    const { page, problems } = await newPage(t, browser, { init: [pageProbe] });
    await page.goto(`${server.origin}${DEEP}`);
    await waitRendered(page);
    const m = await page.evaluate(() => ({
      rules: [...document.styleSheets].reduce((n, s) => n + s.cssRules.length, 0),
      skip: getComputedStyle(document.querySelector('a.skip')).position,
      csp: window.__probe.csp,
    }));
    assert.deepEqual(m.csp, [], 'no CSP violation');
    assert.ok(m.rules > 100, `the style's rules apply (${m.rules})`);
    assert.notEqual(m.skip, 'static', 'the skip link is styled (positioned off screen until focused)');
    assertNoProblems(problems);
  });
});

describe('speed (#15)', () => {
  it('Slow 3G, empty cache: the first headline figure paints within 3 s', async (t) => {
    const runs = [];
    for (let i = 0; i < 2; i += 1) {
      const { context, page, problems } = await newPage(t, browser, { viewport: PHONE, init: [speedProbe] });
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
      await cdp.send('Network.emulateNetworkConditions', SLOW_3G);
      await page.goto(`${server.origin}${DEEP}`, { timeout: 60_000 });
      await waitRendered(page);
      await page.waitForLoadState('load', { timeout: 60_000 });
      const s = await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(() => r({
        ...window.__speed,
        marked: [...document.querySelectorAll('[elementtiming]')].map((e) => e.textContent.trim()),
        overview: !!document.getElementById('overview'),
      }), 100))));
      assertNoProblems(problems);
      await context.close();
      // Element Timing on the headline numbers (elementtiming="headline" on the 概况 cards'
      // figures): when the first of them was painted.
      const figure = s.elements.filter((e) => HEADLINE.some((f) => e.text.includes(f)))
        .sort((a, b) => a.time - b.time)[0];
      const fcp = s.paint['first-contentful-paint'] ?? null;
      assert.ok(figure != null, `an Element Timing entry holds ${HEADLINE.join('/')} (marked: ${JSON.stringify(s.marked)})`);
      runs.push({ figure: figure ? Math.round(figure.time) : null, fcp: fcp && Math.round(fcp), lcp: s.lcp && Math.round(s.lcp) });
    }
    results.slow3g = runs;
    t.diagnostic(`Slow 3G (2 s RTT, 50 kB/s), 360 px: ${runs.map((r) => `first figure ${r.figure ?? '-'} ms, FCP ${r.fcp} ms, LCP ${r.lcp} ms`).join('; ')}`);
    for (const r of runs) {
      const first = r.figure;
      assert.ok(first <= BUDGET_MS, `the first figure painted after ${first} ms on Slow 3G (budget ${BUDGET_MS} ms)`);
    }
  });

  it('Lighthouse mobile: accessibility 100, performance >= 90 (median of 3); LCP, TBT, CLS, DOM size reported', async (t) => {
    const runs = [];
    for (let i = 0; i < 3; i += 1) runs.push(await lighthouse(`${server.origin}${DEEP}`));
    results.lighthouse = runs;
    for (const r of runs) {
      t.diagnostic(`Lighthouse ${r.version} mobile: performance ${r.performance}, accessibility ${r.accessibility}, `
        + `FCP ${r.fcp} ms, LCP ${r.lcp} ms, TBT ${r.tbt} ms, CLS ${r.cls}, ${r.dom} DOM elements`);
    }
    // Performance moves with the machine's load (TBT above all): the median of three runs.
    const median = runs.map((r) => r.performance).sort((a, b) => a - b)[1];
    assert.ok(median >= 90, `Lighthouse mobile performance ${runs.map((r) => r.performance).join(', ')}: median ${median} >= 90`);
    for (const r of runs) {
      assert.equal(r.accessibility, 100, `Lighthouse accessibility 100: failing audits ${JSON.stringify(r.a11yFailed)}`);
    }
  });
});

/** One Lighthouse mobile run (its default: a Moto G Power, simulated slow 4G, 4x CPU). */
async function lighthouse(url) {
  const args = [lighthouseBin, url, '--quiet', '--output=json', '--output-path=stdout',
    '--only-categories=performance,accessibility', '--form-factor=mobile', '--max-wait-for-load=60000',
    '--chrome-flags=--no-sandbox --headless=new --disable-gpu --disable-dev-shm-usage'];
  const out = await new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env: { ...process.env, CHROME_PATH: env.chromiumPath }, maxBuffer: 64 << 20, timeout: 120_000 },
      (e, stdout, stderr) => (e ? reject(new Error(`lighthouse failed: ${e.message}\n${stderr}`)) : resolve(stdout)));
  });
  const lhr = JSON.parse(out);
  assert.equal(lhr.runtimeError, undefined, `Lighthouse could not audit the page: ${JSON.stringify(lhr.runtimeError)}`);
  const a = lhr.audits;
  const score = (c) => Math.round(lhr.categories[c].score * 100);
  const a11yFailed = lhr.categories.accessibility.auditRefs
    .filter((ref) => a[ref.id] && a[ref.id].score === 0).map((ref) => ref.id);
  return {
    version: lhr.lighthouseVersion,
    performance: score('performance'),
    accessibility: score('accessibility'),
    fcp: Math.round(a['first-contentful-paint'].numericValue),
    lcp: Math.round(a['largest-contentful-paint'].numericValue),
    tbt: Math.round(a['total-blocking-time'].numericValue),
    cls: Number(a['cumulative-layout-shift'].numericValue.toFixed(4)),
    dom: a['dom-size']?.numericValue ?? null,
    a11yFailed,
  };
}
