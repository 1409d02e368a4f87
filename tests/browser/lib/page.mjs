// Helpers for the browser suite: a page per test in its own context, with everything that
// went wrong on it collected; waiting for the data to be rendered; the API's exact figures.
import assert from 'node:assert/strict';
import { parseExact as parseNumbersAsText } from '../../http/lib/decimal.mjs';

/** Every wait in the suite is bounded by this. */
export const T = 10_000;

export const NUMERALS = ['一', '二', '三', '四', '五', '六', '七', '八', '九'];
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 360, height: 800 };

/**
 * A new context and page (closed when test t ends). problems collects console errors,
 * uncaught exceptions, failed requests, responses >= 400 and requests to other origins.
 */
export async function newPage(t, browser, { viewport = DESKTOP, init = [] } = {}) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, locale: 'zh-CN' });
  t.after(() => context.close());
  context.setDefaultTimeout(T);
  context.setDefaultNavigationTimeout(T);
  const page = await context.newPage();
  for (const script of init) await page.addInitScript(script);
  const problems = { console: [], pageErrors: [], failed: [], bad: [], foreign: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') problems.console.push(`${m.text()} (${m.location().url || '?'})`);
  });
  page.on('pageerror', (e) => problems.pageErrors.push(String(e.stack || e)));
  page.on('requestfailed', (r) => {
    const why = r.failure()?.errorText;
    // The browser fetches the icon on its own, and cancels it when a test navigates on
    // before it arrived (seen under load): that says nothing about the page.
    if (why === 'net::ERR_ABORTED' && new URL(r.url()).pathname === '/favicon.svg') return;
    problems.failed.push(`${r.method()} ${r.url()}: ${why}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.bad.push(`${r.status()} ${r.request().method()} ${r.url()}`);
  });
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith('data:') && !u.startsWith('http://127.0.0.1:')) problems.foreign.push(u);
  });
  return { context, page, problems };
}

/** Asserts that nothing in problems happened. */
export function assertNoProblems(problems) {
  const lines = [
    ...problems.console.map((s) => `console error: ${s}`),
    ...problems.pageErrors.map((s) => `uncaught: ${s}`),
    ...problems.failed.map((s) => `request failed: ${s}`),
    ...problems.bad.map((s) => `HTTP error: ${s}`),
    ...problems.foreign.map((s) => `request to another origin: ${s}`),
  ];
  assert.deepEqual(lines, [], `problems while loading the page:\n${lines.join('\n')}`);
}

/** What the page shows while it is (or is not) loading, for failure messages. */
async function loadState(page) {
  return page.evaluate(() => {
    const c = document.getElementById('content');
    const s = document.getElementById('status');
    const e = document.getElementById('error');
    return JSON.stringify({
      'aria-busy': c ? c.getAttribute('aria-busy') : '(no #content)',
      status: s && s.isConnected && s.checkVisibility() ? s.textContent : null,
      error: e && e.checkVisibility() ? e.textContent : null,
    });
  }).catch((e) => `(unknown: ${e.message})`);
}

/**
 * Waits until #status is gone and #content is not aria-busy="true" (data or error shown; a
 * page the server rendered carries no aria-busy at all). Stops
 * waiting early, and fails, when the page shows #error but stays busy, or when the parsed
 * document has no #content at all (then waiting could only time out).
 */
export async function waitSettled(page) {
  let state;
  try {
    state = await (await page.waitForFunction(() => {
      const c = document.getElementById('content');
      if (!c) return document.readyState === 'loading' ? false : 'no-content';
      const s = document.getElementById('status');
      const e = document.getElementById('error');
      if (c.getAttribute('aria-busy') !== 'true' && (s === null || !s.isConnected || !s.checkVisibility())) return 'settled';
      return e && e.checkVisibility() ? 'error-busy' : false;
    }, null, { timeout: T, polling: 50 })).jsonValue();
  } catch (e) {
    throw new Error(`the page did not finish loading within ${T} ms: ${await loadState(page)} (${e.message.split('\n')[0]})`);
  }
  if (state === 'no-content') assert.fail('the page has no <main id="content">');
  if (state === 'error-busy') {
    // Allow a moment between showing the error and clearing aria-busy.
    const cleared = await page.waitForFunction(() => document.getElementById('content').getAttribute('aria-busy') !== 'true',
      null, { timeout: 1000, polling: 50 }).then(() => true, () => false);
    if (!cleared) assert.fail(`#error is shown but #content stays aria-busy="true": ${await loadState(page)}`);
  }
}

/** waitSettled, and the data (not an error) is shown. */
export async function waitRendered(page) {
  await waitSettled(page);
  const error = page.locator('#error');
  if (await error.isVisible()) assert.fail(`the page shows an error instead of data: ${await error.textContent()}`);
}

/** Opens url on page and waits until the data is rendered; returns the document's response. */
export async function load(page, url) {
  const response = await page.goto(url, { timeout: T });
  await waitRendered(page);
  return response;
}

/**
 * JSON.parse keeping each number as the text the API printed ("867.50", not 867.5): the
 * API prints each stored figure with its published decimals, which String(number) loses.
 */
export function parseExact(text) {
  return parseNumbersAsText(text, { all: true });
}

/** GET an API path from Node; {status, text, json} with numbers as their printed text. */
export async function api(origin, p) {
  const res = await fetch(origin + p, { signal: AbortSignal.timeout(T) });
  const text = await res.text();
  assert.equal(res.status, 200, `GET ${p}: ${text}`);
  return { status: res.status, text, json: parseExact(text) };
}

/** A signed change as the page must print it: +80, -1.69, 0. */
export function signed(s) {
  return s.startsWith('-') || /^0(\.0*)?$/.test(s) ? s : `+${s}`;
}

/**
 * For each figure, how many visible elements show it as a whole number in their own text
 * (not as part of a longer number).
 */
export function visibleFigureCounts(page, figures, scope = 'body') {
  return page.evaluate(([figs, sel]) => {
    const counts = Object.fromEntries(figs.map((f) => [f, 0]));
    const root = document.querySelector(sel);
    if (!root) return counts;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      for (const f of figs) {
        let i = n.data.indexOf(f);
        while (i >= 0) {
          const before = n.data[i - 1] ?? '';
          const after = n.data.slice(i + f.length, i + f.length + 2);
          if (!/[\d.]/.test(before) && !/^\d|^\.\d/.test(after)
            && el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) {
            counts[f] += 1;
            break;
          }
          i = n.data.indexOf(f, i + 1);
        }
      }
    }
    return counts;
  }, [figures, scope]);
}

/** The rows of #table-n that hold amount cells: [{cells: {col: text}, cols: [...], text}]. */
export function tableRows(page, n) {
  return page.$$eval(`#table-${n} tr`, (trs) => trs
    .map((tr) => ({
      cls: tr.className,
      cells: [...tr.querySelectorAll('td.num[data-col]')].map((td) => [td.dataset.col, td.textContent.trim()]),
      text: tr.textContent,
    }))
    .filter((r) => r.cells.length > 0));
}

/** Polls fn (in the page) until it returns a truthy value; fails with message after ms. */
export async function waitFor(page, fn, arg, message, ms = T) {
  try {
    return await page.waitForFunction(fn, arg, { timeout: ms, polling: 50 });
  } catch (e) {
    throw new Error(`${message} (waited ${ms} ms; ${e.message.split('\n')[0]})`);
  }
}
