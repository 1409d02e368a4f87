// The disclosure page on a phone, on paper and in its texts (#15): the label columns of wide
// tables stay in view while the table scrolls sideways; every column header of every table is
// in the text of the page printed to A4 (Chromium's page.pdf(), read back with poppler's
// pdftotext); the source note is closed on load and the page shows no field names or code
// words. Run from the repository root: node --test tests/browser/print.test.mjs
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as env from './lib/env.mjs';

const chromium = await env.loadChromium();
const { startServer } = await import('../http/lib/server.mjs');
const { DESKTOP, newPage, assertNoProblems, load, api } = await import('./lib/page.mjs');

const PHONE = { width: 360, height: 740 };
/** The seed (Kashi, 2021 预算: 表二 9 figure columns, 表七 11) and a Putuo 决算 (表七 12). */
const SEED = { url: '/?dept=kashi-urumqi-office&year=2021&kind=budget', api: '/api/v1/departments/kashi-urumqi-office/budgets/2021' };
const PUTUO = { url: '/?dept=putuo-cpc-social-work&year=2024&kind=final', api: '/api/v1/departments/putuo-cpc-social-work/finals/2024' };

let server;
let browser;
let origin;
let tmp;

before(async () => {
  server = await startServer({ bin: env.bin, store: env.store, staticDir: env.staticDir });
  origin = server.origin;
  browser = await env.launch(chromium);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'budgetd-print-'));
});

after(async () => {
  try {
    if (browser) await browser.close();
  } finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    if (server) {
      const status = await server.stop();
      assert.deepEqual(status, { code: 0, signal: null }, `budgetd exits 0 on SIGTERM; stderr:\n${server.stderr()}`);
    }
  }
});

/** The tables of a disclosure from the API: [{position, columns: [{title, group}]}]. */
async function apiTables(base) {
  const { json } = await api(origin, `${base}/tables`);
  const out = [];
  for (const item of json.items) out.push((await api(origin, new URL(item.links.self, origin).pathname)).json);
  return out;
}

/** Prints page to A4 and returns the PDF's text, all whitespace removed. pdftotext -raw keeps
 * the lines of one wrapped header cell together (-layout sets neighbouring cells' lines side
 * by side); a glyph outside the page is not in the text in either mode. */
async function printedText(page, name) {
  const pdf = path.join(tmp, `${name}.pdf`);
  await page.pdf({ path: pdf, format: 'A4' });
  return execFileSync('pdftotext', ['-raw', '-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
}

const squash = (s) => String(s).replace(/\s+/g, '');
const count = (text, word) => text.split(word).length - 1;

/** Each header title and group of table t: how often it must be printed at least. */
function headerWords(t) {
  const want = new Map();
  for (const c of t.columns) {
    const title = squash(c.title ?? '');
    if (title) want.set(title, (want.get(title) ?? 0) + 1);
  }
  for (const g of new Set(t.columns.map((c) => c.group).filter(Boolean).flatMap((g) => String(g).split('/')))) {
    const w = squash(g);
    if (w && !want.has(w)) want.set(w, 1);
  }
  return want;
}

/** Hides everything on the page but the <table>s of #table-n (restore() shows it all again). */
function isolate(page, n) {
  return page.evaluate((id) => {
    const keep = document.getElementById(id);
    const hidden = [];
    const hide = (el) => { if (el.style.display !== 'none') { el.style.display = 'none'; hidden.push(el); } };
    for (let el = keep; el && el !== document.body; el = el.parentElement) {
      for (const sib of el.parentElement.children) if (sib !== el) hide(sib);
    }
    for (const el of keep.querySelectorAll('.table-head, caption, p')) hide(el);
    window.__restore = () => { for (const el of hidden) el.style.display = ''; };
  }, `table-${n}`);
}

/** Code words and identifiers that must never be on the page (checked by hand against
 * db/data/*.json: field names of the import format and the transcriber's notes). */
const CODE_WORDS = ['unplaced', 'withheld', 'staffing', 'projects', 'unplaced_note', 'notes', 'source',
  'null', 'undefined', 'NaN', 'budget_', 'final_', 'kind', 'level'];
/** The ASCII words a reader may see: formats, the program's name and licence, HTTP codes. */
const ALLOWED_ASCII = new Set(['PDF', 'CSV', 'JSON', 'Excel', 'OpenAPI', 'budgetd', 'MIT', 'HTTP']);

/** The 核对 rule numbers (规则 E08) are reference numbers, listed in README.md: allowed. */
const RULE = /^[A-Z]\d{2}$/;

/** The text of each visible text node of the page (innerText runs neighbouring links together). */
const visibleTexts = (page) => page.evaluate(() => {
  const out = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    if (n.data.trim() && el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })
      && !el.closest('.sr-only, noscript, script, style')) out.push(n.data);
  }
  return out;
});

async function checkWords(page, where) {
  const body = await page.locator('body').innerText();
  const texts = await visibleTexts(page);
  assert.ok(texts.join('').length > 1000, `${where}: the page shows its text`);
  for (const w of CODE_WORDS) assert.ok(!body.includes(w), `${where}: no "${w}" on the page`);
  const ascii = [...new Set(texts.flatMap((x) => x.match(/[A-Za-z][A-Za-z0-9_-]*/g) || []))]
    .filter((w) => !ALLOWED_ASCII.has(w) && !RULE.test(w));
  assert.deepEqual(ascii, [], `${where}: only ${[...ALLOWED_ASCII].join(' ')} are written in Latin letters`);
}

describe('phones, paper and texts (#15)', () => {
  for (const [name, doc, n] of [['the seed 表七', SEED, 7], ['the seed 表二', SEED, 2], ['the Putuo 决算 表二', PUTUO, 2]]) {
    it(`1. at 360x740, ${name} scrolled to the right keeps its code and name columns in view`, async (t) => {
      const { page, problems } = await newPage(t, browser, { viewport: PHONE });
      await load(page, `${origin}${doc.url}`);
      const box = page.locator(`#table-${n} .table-scroll`);
      await box.scrollIntoViewIfNeeded();
      const scrolled = await box.evaluate((el) => {
        // the first body rows 200 px below the top, clear of the contents bar
        window.scrollBy(0, el.querySelector('tbody tr').getBoundingClientRect().top - 200);
        el.scrollLeft = el.scrollWidth;
        return { left: el.scrollLeft, wide: el.scrollWidth > el.clientWidth };
      });
      assert.ok(scrolled.wide && scrolled.left > 50, `#table-${n} is wider than the phone and scrolls (${JSON.stringify(scrolled)})`);
      // Each body row's label cells: the name (th) and the 类/款/项 code cells before it.
      const cells = await box.evaluate((el) => {
        const c = el.getBoundingClientRect();
        const rows = [...el.querySelectorAll('tbody tr')].slice(0, 4);
        return rows.flatMap((tr) => [...tr.children].filter((x) => x.tagName === 'TH' || x.classList.contains('code')).map((x) => {
          const r = x.getBoundingClientRect();
          const cx = r.left + r.width / 2;
          const cy = r.top + r.height / 2;
          const top = document.elementFromPoint(cx, cy);
          return { text: x.textContent.trim().slice(0, 12), left: r.left, right: r.right, cLeft: c.left, cRight: c.right, onTop: !!top && x.contains(top), cy };
        }));
      });
      assert.ok(cells.length >= 4, `#table-${n} has label cells (${cells.length})`);
      for (const x of cells) {
        assert.ok(x.left >= x.cLeft - 1 && x.right <= x.cRight + 1, `label cell "${x.text}" stays inside the scrolled box (${JSON.stringify(x)})`);
        assert.ok(x.onTop, `label cell "${x.text}" is on top of the figures scrolled under it (${JSON.stringify(x)})`);
      }
      assertNoProblems(problems);
    });
  }

  it('2. at 360x740 the 三公 reasons wrap inside the screen instead of running off it', async (t) => {
    const { page, problems } = await newPage(t, browser, { viewport: PHONE });
    await load(page, `${origin}${SEED.url}`);
    const { json: sg } = await api(origin, `${SEED.api}/sangong`);
    const long = sg.items.map((i) => i.reason).sort((a, b) => b.length - a.length)[0];
    assert.ok(long.length >= 20, 'the seed has a long reason (疆内喀什籍务工人员…新增购车经费)');
    const got = await page.locator('#sangong .table-scroll').evaluate((el, want) => {
      const c = el.getBoundingClientRect();
      const td = [...el.querySelectorAll('td.reason')].find((x) => x.textContent.trim() === want);
      const r = td.getBoundingClientRect();
      const line = parseFloat(getComputedStyle(td).lineHeight);
      return { fits: el.scrollWidth <= el.clientWidth + 1, right: r.right, cRight: c.right, lines: Math.round((r.height - 4) / line), vw: innerWidth };
    }, long);
    assert.ok(got.fits, `the 三公 table needs no sideways scrolling at 360 px (${JSON.stringify(got)})`);
    assert.ok(got.right <= got.cRight + 1 && got.right <= got.vw, `the reason cell ends inside the screen (${JSON.stringify(got)})`);
    assert.ok(got.lines >= 2, `the long reason wraps onto several lines (${JSON.stringify(got)})`);
    assertNoProblems(problems);
  });

  for (const [name, doc] of [['the seed', SEED], ['the Putuo 决算', PUTUO]]) {
    it(`3. ${name} printed to A4: every column header of every table is on paper`, async (t) => {
      const { page, problems } = await newPage(t, browser, { viewport: DESKTOP });
      await load(page, `${origin}${doc.url}`);
      const tables = await apiTables(doc.api);
      assert.equal(tables.length, 9, `${name} has nine tables`);
      // The whole page, as a reader prints it: every title somewhere in the text.
      const all = await printedText(page, `${name}-all`);
      for (const t9 of tables) {
        for (const c of t9.columns) assert.ok(all.includes(squash(c.title)), `表${t9.position} column "${c.title}" is in the printed page`);
      }
      // Each table printed alone: its own header cells, each as often as the table has it.
      for (const t9 of tables) {
        const n = t9.position;
        await isolate(page, n);
        const text = await printedText(page, `${name}-${n}`);
        await page.evaluate(() => window.__restore());
        for (const [word, times] of headerWords(t9)) {
          assert.ok(count(text, word) >= times, `表${n} printed alone shows "${word}" ${times} time(s), found ${count(text, word)}`);
        }
      }
      assertNoProblems(problems);
    });
  }

  for (const [name, doc] of [['the seed', SEED], ['the Putuo 决算', PUTUO]]) {
    it(`4. ${name}: the source note is closed on load, and no code words are on the page`, async (t) => {
      const { page, problems } = await newPage(t, browser, { viewport: DESKTOP });
      await load(page, `${origin}${doc.url}`);
      const note = page.locator('details.source');
      assert.equal(await note.count(), 1, 'the page has one source note');
      assert.equal(await note.evaluate((d) => d.open), false, 'the source note is closed on load');
      const { json: d } = await api(origin, doc.api);
      await checkWords(page, `${name}, note closed`);
      await note.locator('summary').click();
      assert.equal(await note.evaluate((x) => x.open), true, 'a click opens the note');
      const text = await note.innerText();
      assert.ok(text.includes(d.source.document), `the note names the document: ${d.source.document}`);
      await checkWords(page, `${name}, note open`);
      // Every <details> opened, as printing does: still no code words.
      await page.evaluate(() => { for (const x of document.querySelectorAll('details')) x.open = true; });
      await checkWords(page, `${name}, everything open`);
      assertNoProblems(problems);
    });
  }
});
