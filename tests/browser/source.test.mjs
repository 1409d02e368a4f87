// Where a figure was printed (#18): on a disclosure whose PDF the store keeps, a figure of a
// table links the PDF at its page; clicked (or opened from the keyboard), it shows that page
// as the image the import rendered, with the figure's box outlined. The oracle is the PDF
// itself: `pdftotext -bbox` on the bundled corpus file gives the word printing the figure,
// and the outlined region must hold it, on the image the browser shows.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as env from './lib/env.mjs';

const chromium = await env.loadChromium();
const { startServer } = await import('../http/lib/server.mjs');
const { DESKTOP, PHONE, newPage, assertNoProblems, load } = await import('./lib/page.mjs');

const COMMERCE = '/?dept=putuo-commerce&year=2025&kind=budget';
const PDF = path.join(env.root, 'tests/extract/pdf/putuo-commerce-2025-budget-dept.pdf');
const PX_PER_PT = 110 / 72; // the import renders pages at 110 dpi

let browser;
let server;

before(async () => {
  server = await startServer({ bin: env.bin, store: env.store, staticDir: env.staticDir });
  browser = await env.launch(chromium);
});

after(async () => {
  if (browser) await browser.close();
  if (server) assert.deepEqual(await server.stop(), { code: 0, signal: null }, `budgetd exits 0; stderr:\n${server.stderr()}`);
});

/** The words pdftotext prints on page n of the PDF, each with its box in points. */
function words(n) {
  const xml = execFileSync('pdftotext', ['-q', '-bbox', '-f', String(n), '-l', String(n), PDF, '-'], { encoding: 'utf8' });
  return [...xml.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)]
    .map((m) => ({ x0: +m[1], y0: +m[2], x1: +m[3], y1: +m[4], text: m[5] }));
}

/** The outline shown lies on the line pdftotext prints on page n holding text (poppler gives
 * a line of running text as one word): within its height, and inside its width. */
function assertOnLine(shown, n, text) {
  const line = words(n).find((w) => w.text.includes(text));
  assert.ok(line, `pdftotext prints the line on page ${n}`);
  assert.ok(shown.r.y0 <= line.y0 * PX_PER_PT + 1 && shown.r.y1 >= line.y1 * PX_PER_PT - 1 &&
    shown.r.x0 >= line.x0 * PX_PER_PT - 5 && shown.r.x1 <= line.x1 * PX_PER_PT + 5,
  `${JSON.stringify(shown.r)} on ${JSON.stringify(line)}`);
}

/** Opens the figure link a (a locator) by activate(a), and reads what the dialog shows. */
async function openSource(page, a, activate) {
  const box = (await a.getAttribute('data-box')).split(',').map(Number);
  await activate(a);
  const dialog = page.locator('dialog.source-view');
  await dialog.waitFor({ state: 'visible' });
  await page.waitForFunction(() => {
    const img = document.querySelector('.source-view img');
    const mark = document.querySelector('.source-mark');
    return img.complete && img.naturalWidth > 0 && !mark.hidden;
  });
  const shown = await page.evaluate(() => {
    const img = document.querySelector('.source-view img');
    const m = document.querySelector('.source-mark').getBoundingClientRect();
    const i = img.getBoundingClientRect();
    const scale = img.naturalWidth / i.width;
    // the outlined region in the image's own pixels, and how much ink the image has there
    const r = { x0: (m.left - i.left) * scale, y0: (m.top - i.top) * scale, x1: (m.right - i.left) * scale, y1: (m.bottom - i.top) * scale };
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const px = g.getImageData(Math.round(r.x0), Math.round(r.y0), Math.round(r.x1 - r.x0), Math.round(r.y1 - r.y0)).data;
    let dark = 0;
    for (let k = 0; k < px.length; k += 4) if (px[k] < 128) dark++;
    const visible = m.top >= 0 && m.bottom <= innerHeight && m.left >= 0 && m.right <= innerWidth;
    return { src: img.getAttribute('src'), natural: [img.naturalWidth, img.naturalHeight], r, dark, visible,
      title: document.getElementById('source-view-title').textContent,
      pdf: document.querySelector('.source-bar a').getAttribute('href'), focused: document.activeElement.className };
  });
  return { box, shown, dialog };
}

describe('a figure opens the printed page with its place outlined', () => {
  it('table 1 of putuo-commerce 2025: the outlined region on page 9 holds the printed figure', async (t) => {
    const { page, problems } = await newPage(t, browser, { viewport: DESKTOP });
    await load(page, `${server.origin}${COMMERCE}`);
    // 表一, the row 1.一般公共预算资金, its 收入 figure: printed 371,514,655.00 on page 9
    const row = page.locator('#table-1 tr', { has: page.locator('th', { hasText: '1.一般公共预算资金' }) }).first();
    const a = row.locator('td[data-col="income"] a.src');
    assert.equal((await a.textContent()).trim(), '371514655.00');
    assert.match(await a.getAttribute('href'), /\/api\/v1\/departments\/putuo-commerce\/budgets\/2025\/source\.pdf#page=9$/);
    const { box, shown, dialog } = await openSource(page, a, (l) => l.click());
    assert.equal(box[0], 9);
    assert.match(shown.src, /^\/api\/v1\/sources\/b067184912969b733d53e86c4cf658ba91b4cecf93c25b9198ea3086515e7a6a\/pages\/9\.png$/);
    // a landscape A4 page (842 x 595 pt) at 110 dpi
    assert.deepEqual(shown.natural, [1287, 910]);
    assert.match(shown.title, /原文第 9 页/);
    assert.match(shown.pdf, /source\.pdf#page=9$/);
    assert.ok(shown.visible, 'the outlined figure is scrolled into view');
    assert.ok(shown.dark > 30, `the outlined region has print in it (${shown.dark} dark pixels)`);
    // the PDF's own word for this figure lies inside the outlined region
    const printed = words(9).filter((w) => w.text.replace(/,/g, '') === '371514655.00');
    assert.ok(printed.length > 0, 'pdftotext prints the figure on page 9');
    const inside = printed.filter((w) => w.x0 * PX_PER_PT >= shown.r.x0 - 1 && w.x1 * PX_PER_PT <= shown.r.x1 + 1 &&
      w.y0 * PX_PER_PT >= shown.r.y0 - 1 && w.y1 * PX_PER_PT <= shown.r.y1 + 1);
    assert.equal(inside.length, 1, `one printed word inside ${JSON.stringify(shown.r)}: ${JSON.stringify(printed)}`);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assertNoProblems(problems);
  });

  it('an audit finding opens its page, outlined on the line the text printed', async (t) => {
    const { page, problems } = await newPage(t, browser, { viewport: DESKTOP });
    await load(page, `${server.origin}${COMMERCE}`);
    // the E12 finding: 财政拨款收入 and 支出 both 37,151.47万元 but changed by two amounts;
    // its place is the 收入 figure, p7 of the PDF: 财政拨款收入37,151.47万元，比2024年…
    const finding = page.locator('#audit .finding', { hasText: '24,558.18' }).first();
    const a = finding.locator('a.src');
    assert.equal((await a.textContent()).trim(), '见原文第 7 页');
    const { box, shown } = await openSource(page, a, (l) => l.click());
    assert.equal(box[0], 7);
    assert.match(shown.src, /\/pages\/7\.png$/);
    assert.match(shown.title, /原文第 7 页：核对发现所指之处/);
    assert.ok(shown.dark > 30);
    assertOnLine(shown, 7, '财政拨款收入37,151.47万元');
    assertNoProblems(problems);
  });

  it('a figure of 情况说明 opens its page, outlined on the line the text printed it', async (t) => {
    const { page, problems } = await newPage(t, browser, { viewport: DESKTOP });
    await load(page, `${server.origin}${COMMERCE}`);
    // 机关运行经费: p22 prints 2025年财政拨款的机关运行经费预算为171.01万元
    const figs = page.locator('#explanations details.figs', { hasText: '2025年财政拨款的机关运行经费预算' }).first();
    await figs.locator('summary').click();
    const row = figs.locator('tr', { has: page.locator('th', { hasText: '2025年财政拨款的机关运行经费预算' }) }).first();
    const a = row.locator('a.src');
    assert.equal((await a.textContent()).trim(), '171.01');
    const { box, shown } = await openSource(page, a, (l) => l.click());
    assert.equal(box[0], 22);
    assert.match(shown.title, /原文第 22 页：2025年财政拨款的机关运行经费预算 171\.01/);
    assert.ok(shown.dark > 30);
    assertOnLine(shown, 22, '171.01万元');
    assertNoProblems(problems);
  });

  it('from the keyboard, and on a phone', async (t) => {
    const { page, problems } = await newPage(t, browser, { viewport: PHONE });
    await load(page, `${server.origin}${COMMERCE}`);
    const a = page.locator('#table-1 a.src').first();
    const { shown, dialog } = await openSource(page, a, async (l) => { await l.focus(); await page.keyboard.press('Enter'); });
    assert.ok(shown.visible, 'the outlined figure is in view on a phone');
    assert.ok(shown.dark > 30);
    assert.equal(shown.focused, 'source-close', 'focus moves into the dialog');
    const width = await dialog.evaluate((d) => d.getBoundingClientRect().width);
    assert.ok(width <= PHONE.width, `the dialog fits the phone (${width} px)`);
    await page.locator('.source-close').click();
    await dialog.waitFor({ state: 'hidden' });
    assertNoProblems(problems);
  });

  it('a disclosure typed in by hand has no PDF: its figures link nowhere', async (t) => {
    const { page, problems } = await newPage(t, browser, { viewport: DESKTOP });
    await load(page, `${server.origin}/?dept=kashi-urumqi-office&year=2021&kind=budget`);
    assert.equal(await page.locator('a.src').count(), 0);
    assert.equal(await page.locator('meta[name="budgetd-pages"]').count(), 0);
    assertNoProblems(problems);
  });
});
