// The embed pages (/embed/{id}/{budgets|finals}/{year}[/tables/{n}], issue #15) in Debian's
// Chromium: framed by a page from another origin (a tiny http server on a second port), they
// render; the front page framed the same way is refused by its CSP. Expected figures are the
// bundled seed's (db/data/kashi-urumqi-office-2021-budget.json, read by hand: 表二's total row
// 700.94, 一般公共服务支出 662.96; 表三's total row 700.94 / basic 345.08 / project 355.86).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as env from './lib/env.mjs';

const chromium = await env.loadChromium();
const { startServer } = await import('../http/lib/server.mjs');
const { T, DESKTOP, newPage, assertNoProblems } = await import('./lib/page.mjs');

const PHONE = { width: 360, height: 740 };
const TABLE2 = '/embed/kashi-urumqi-office/budgets/2021/tables/2';
const WHOLE = '/embed/kashi-urumqi-office/budgets/2021';
const API = '/api/v1/departments/kashi-urumqi-office/budgets/2021';
const axePath = path.join(env.root, 'node_modules', 'axe-core', 'axe.min.js');

let server;
let browser;
let portal; // another origin: the same host on another port
let portalOrigin;

before(async () => {
  server = await startServer({ bin: env.bin, store: env.store, staticDir: env.staticDir });
  browser = await env.launch(chromium);
  // A portal page that frames ?src= from budgetd, as another site's page would.
  portal = http.createServer((req, res) => {
    const src = new URL(req.url, 'http://portal').searchParams.get('src') || '/';
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>门户</title></head>
<body><iframe title="部门预算" width="1000" height="700" src="${server.origin}${src}"></iframe></body></html>`);
  });
  await new Promise((resolve) => portal.listen(0, '127.0.0.1', resolve));
  portalOrigin = `http://127.0.0.1:${portal.address().port}`;
  assert.notEqual(portalOrigin, server.origin);
});

after(async () => {
  await browser?.close();
  portal?.close();
  if (server) assert.deepEqual(await server.stop(), { code: 0, signal: null });
});

/** The embed page settled: #embed no longer aria-busy (data or a message shown). */
async function settled(frame) {
  await frame.waitForFunction(() => {
    const m = document.getElementById('embed');
    return m && !m.hasAttribute('aria-busy');
  }, null, { timeout: T, polling: 50 });
}

/** The portal page framing src; resolves to the page, its problems and budgetd's frame. */
async function framed(t, src, viewport = DESKTOP) {
  const { page, problems } = await newPage(t, browser, { viewport });
  const blocked = [];
  page.on('console', (m) => { if (/frame-ancestors/.test(m.text())) blocked.push(m.text()); });
  await page.goto(`${portalOrigin}/?src=${encodeURIComponent(src)}`);
  const frame = await (await page.waitForSelector('iframe')).contentFrame();
  return { page, problems, frame, blocked };
}

/** The rows of the first table under heading text, as [name, ...cells] of trimmed text. */
const rowsOf = (frame, heading) => frame.evaluate((heading) => {
  const sec = [...document.querySelectorAll('section')].find((s) => s.querySelector('h2')?.textContent.startsWith(heading));
  return sec ? [...sec.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent.trim())) : null;
}, heading);

/** Latin words on the page other than CSV (the page is for citizens reading Chinese). */
const latinWords = (frame) => frame.evaluate(() => (document.body.innerText.match(/[A-Za-z][A-Za-z_-]*/g) || []).filter((w) => w !== 'CSV'));

describe('embedding in another site (cross-origin iframe)', () => {
  it('frames one table: 表二 with the seed\'s figures, CSV and a link back', async (t) => {
    const { frame, problems, blocked } = await framed(t, TABLE2);
    await settled(frame);
    assert.ok(frame.url().startsWith(`${server.origin}${TABLE2}`), frame.url());
    assert.deepEqual(blocked, []);
    const h2 = await frame.locator('h2').allTextContents();
    assert.deepEqual(h2, ['表二 部门收入总体情况表']);
    const rows = await rowsOf(frame, '表二');
    // total row: no code, the department, 总计 700.94, 一般公共预算拨款 700.94
    assert.deepEqual(rows[0].slice(0, 4), ['', '新疆维吾尔自治区喀什地区行政公署驻乌办事处', '700.94', '700.94']);
    assert.deepEqual(rows[1].slice(0, 4), ['201', '一般公共服务支出', '662.96', '662.96']);
    assert.match(await frame.locator('caption').first().textContent(), /单位：万元/);
    const csv = await frame.locator('a', { hasText: '下载表二 CSV' }).getAttribute('href');
    assert.equal(csv, `${API}/tables/2?format=csv`);
    assert.equal(await frame.locator('a', { hasText: '下载全部数字 CSV' }).getAttribute('href'), `${API}/amounts.csv`);
    const back = await frame.locator('a', { hasText: '完整页面查看表二' }).getAttribute('href');
    assert.equal(back, '/?dept=kashi-urumqi-office&year=2021&kind=budget#table-2');
    const res = await fetch(`${server.origin}${csv}`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /700\.94/);
    assert.deepEqual(await latinWords(frame), []);
    assertNoProblems(problems);
  });

  it('refuses to be framed on the front page and the API (frame-ancestors \'none\')', async (t) => {
    for (const src of ['/', '/?dept=kashi-urumqi-office&year=2021&kind=budget', '/embed.html', `${API}/tables/2`]) {
      const { frame, blocked } = await framed(t, src);
      const deadline = Date.now() + T;
      while (!blocked.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(blocked.length, 1, `${src}: Chromium did not report a frame-ancestors refusal`);
      assert.match(blocked[0], /frame-ancestors 'none'/);
      assert.ok(!frame.url().startsWith(server.origin), `${src}: the frame shows ${frame.url()}`);
    }
  });

  it('frames a whole disclosure at 360 px: headline figures and every table, no sideways page scroll', async (t) => {
    const { frame, page, problems } = await framed(t, WHOLE, PHONE);
    await page.setViewportSize(PHONE);
    await page.evaluate(() => { const f = document.querySelector('iframe'); f.width = '340'; f.height = '700'; });
    await settled(frame);
    const kpis = await frame.evaluate(() => [...document.querySelectorAll('.kpi')].map((k) => [k.querySelector('dt').textContent, k.querySelector('dd').textContent]));
    assert.deepEqual(kpis, [['收支总计', '700.94'], ['基本支出', '345.08'], ['项目支出', '355.86']]);
    const h2 = (await frame.locator('h2').allTextContents()).map((s) => s.split(' ')[0]);
    assert.deepEqual(h2, ['表一', '表二', '表三', '表四', '表五', '表六', '表七', '表八', '表九']);
    const t3 = await rowsOf(frame, '表三');
    assert.deepEqual(t3[0].slice(2, 5), ['700.94', '345.08', '355.86']);
    const overflow = await frame.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the frame scrolls sideways by ${overflow} px`);
    assert.equal(await frame.locator('a', { hasText: '查看完整公开内容' }).getAttribute('href'), '/?dept=kashi-urumqi-office&year=2021&kind=budget');
    assert.deepEqual(await latinWords(frame), []);
    assertNoProblems(problems);
  });

  it('honours ?level=unit (the 单位 disclosure, links keep the level)', async (t) => {
    const { frame, problems } = await framed(t, '/embed/putuo-commerce/budgets/2025/tables/2?level=unit');
    await settled(frame);
    // db/data/putuo-commerce-2025-budget-unit.json: title and 表二's title
    assert.equal(await frame.locator('.sub').textContent(), '上海市普陀区2025年区级单位预算');
    assert.deepEqual(await frame.locator('h2').allTextContents(), ['表二 2025年预算单位收入预算总表']);
    const csv = await frame.locator('a', { hasText: '下载表二 CSV' }).getAttribute('href');
    assert.equal(csv, '/api/v1/departments/putuo-commerce/budgets/2025/tables/2?format=csv&level=unit');
    const back = await frame.locator('a', { hasText: '完整页面' }).getAttribute('href');
    assert.equal(back, '/?dept=putuo-commerce&year=2025&kind=budget&level=unit#table-2');
    const dept = await framed(t, '/embed/putuo-commerce/budgets/2025/tables/2');
    await settled(dept.frame);
    assert.equal(await dept.frame.locator('.sub').textContent(), '上海市普陀区2025年区级部门预算');
    assertNoProblems(problems);
  });

  it('answers a malformed path with a 404 page in Chinese, and names a missing disclosure', async (t) => {
    const { page } = await newPage(t, browser);
    const res = await page.goto(`${server.origin}/embed/kashi-urumqi-office/budget/2021`);
    assert.equal(res.status(), 404);
    assert.match(await page.locator('h1').textContent(), /未找到/);
    const missing = await framed(t, '/embed/no-such-office/budgets/2021/tables/2');
    await settled(missing.frame);
    assert.match(await missing.frame.locator('[role=alert]').textContent(), /未找到这份公开内容/);
    const noTable = await framed(t, '/embed/kashi-urumqi-office/budgets/2021/tables/10');
    await settled(noTable.frame);
    assert.match(await noTable.frame.locator('[role=alert]').textContent(), /未找到这份公开内容/);
    assert.deepEqual(await latinWords(noTable.frame), []);
  });
});

describe('embed pages without JavaScript (rendered by the server)', () => {
  it('a frame with JavaScript off holds 表二 and 表三 with the seed\'s figures', async () => {
    const context = await browser.newContext({ viewport: DESKTOP, javaScriptEnabled: false, locale: 'zh-CN' });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(T);
      const res = await page.goto(`${server.origin}${WHOLE}`);
      assert.equal(res.status(), 200);
      assert.equal(await page.locator('script').count(), 0, 'the view needs no script');
      const kpis = await page.evaluate(() => [...document.querySelectorAll('.kpi')].map((k) => [k.querySelector('dt').textContent, k.querySelector('dd').textContent]));
      assert.deepEqual(kpis, [['收支总计', '700.94'], ['基本支出', '345.08'], ['项目支出', '355.86']]);
      const t2 = await rowsOf(page.mainFrame(), '表二');
      assert.deepEqual(t2[0].slice(0, 4), ['', '新疆维吾尔自治区喀什地区行政公署驻乌办事处', '700.94', '700.94']);
      assert.deepEqual(t2[1].slice(0, 4), ['201', '一般公共服务支出', '662.96', '662.96']);
      const t3 = await rowsOf(page.mainFrame(), '表三');
      assert.deepEqual(t3[0].slice(2, 5), ['700.94', '345.08', '355.86']);
      // one table alone: the same cells
      await page.goto(`${server.origin}${TABLE2}`);
      assert.deepEqual((await rowsOf(page.mainFrame(), '表二'))[1].slice(0, 4), ['201', '一般公共服务支出', '662.96', '662.96']);
    } finally {
      await context.close();
    }
  });
});

describe('embed pages: accessibility (axe-core, WCAG 2.1 A and AA)', () => {
  if (!fs.existsSync(axePath)) throw new Error(`run \`npm ci\` first (${axePath} is missing)`);
  for (const viewport of [DESKTOP, PHONE]) {
    for (const url of [TABLE2, WHOLE]) {
      it(`${url} at ${viewport.width} px`, async () => {
        const context = await browser.newContext({ viewport, bypassCSP: true, locale: 'zh-CN' });
        try {
          const page = await context.newPage();
          page.setDefaultTimeout(T);
          await page.goto(`${server.origin}${url}`);
          await settled(page.mainFrame());
          await page.addScriptTag({ path: axePath });
          const result = await page.evaluate(() => window.axe.run(document, {
            runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
            resultTypes: ['violations'],
          }));
          const v = result.violations.map((x) => `${x.id}: ${x.help}, e.g. ${x.nodes[0].target.join(' ')}`);
          assert.deepEqual(v, [], `axe found:\n${v.join('\n')}`);
        } finally {
          await context.close();
        }
      });
    }
  }
});
