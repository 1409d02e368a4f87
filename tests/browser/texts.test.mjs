// The page's 情况说明, 核对 and 名词解释 as the server sends them (#15), read with JavaScript
// off: the findings, their links (a quoted sentence marked <mark id="quote-N"> in its
// paragraph, a table row with the column to mark), the terms linked in the text. Expected
// values are read by hand off db/data/*.json and tests/browser/fixtures/kashi-texts-findings.json
// (findings written by hand for this file; the audit rules are not involved).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as env from './lib/env.mjs';

const chromium = await env.loadChromium();
const { startServer } = await import('../http/lib/server.mjs');
const { T, DESKTOP } = await import('./lib/page.mjs');

const KASHI = '/?dept=kashi-urumqi-office&year=2021&kind=budget';
const CPC = '/?dept=putuo-cpc-social-work&year=2024&kind=final';

let browser;
let bundled; // the bundled store: the audit rules' findings
let own; // the Kashgar disclosure with the findings of fixtures/kashi-texts-findings.json
let dir;

/** dir/store.sqlite: the seed with this file's findings, a Putuo disclosure with none. */
function buildStore() {
  const tool = process.env.BUDGETD_FINDINGS_STORE || path.join(env.root, 'build/tests/findings_store');
  const store = path.join(dir, 'store.sqlite');
  const args = [store, env.seedPath, path.join(env.root, 'tests/browser/fixtures/kashi-texts-findings.json'),
    path.join(env.root, 'db/data/putuo-commerce-2025-budget-dept.json'), '-'];
  return new Promise((resolve, reject) => {
    execFile(tool, args, { timeout: 20_000 }, (err, stdout, stderr) => (err
      ? reject(new Error(`findings_store failed (${err.code ?? err.signal}): ${stderr}`))
      : resolve(store)));
  });
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'budgetd-browser-texts-'));
  bundled = await startServer({ bin: env.bin, store: env.store, staticDir: env.staticDir });
  own = await startServer({ bin: env.bin, store: await buildStore(), staticDir: env.staticDir });
  browser = await env.launch(chromium);
});

after(async () => {
  try {
    if (browser) await browser.close();
    for (const srv of [bundled, own]) {
      if (srv) assert.deepEqual(await srv.stop(), { code: 0, signal: null }, `budgetd exits 0; stderr:\n${srv.stderr()}`);
    }
  } finally {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** The page at url with JavaScript off, and the HTML the server sent. */
async function open(t, url) {
  const context = await browser.newContext({ viewport: DESKTOP, javaScriptEnabled: false, locale: 'zh-CN' });
  t.after(() => context.close());
  context.setDefaultTimeout(T);
  const page = await context.newPage();
  const response = await page.goto(url, { timeout: T });
  assert.equal(response.status(), 200);
  return { page, html: await response.text() };
}

const flat = (s) => s.replace(/\s+/g, ' ').trim();
const squeezed = (s) => s.replace(/\s/g, '');
/** Each child node of el: [tag or '#text', its text, its href]. */
const childrenOf = (loc) => loc.evaluate((el) => [...el.childNodes].map((n) => [
  n.nodeType === 3 ? '#text' : n.tagName.toLowerCase(), n.textContent, n.getAttribute?.('href') ?? null]));

describe('情况说明, 核对 and 名词解释 in the HTML (JavaScript off)', () => {
  it('a finding about a sentence links to it, marked in its paragraph (cpc 2024 决算, p18)', async (t) => {
    const { page, html } = await open(t, `${bundled.origin}${CPC}`);
    // p18 prints "年初预算为0万元 … 完成年初预算的95.89%": the audit's E05, a rate against a 0 budget
    const item = page.locator('#audit .finding', { hasText: '95.89%' }).first();
    const href = await item.locator('a.finding-link').getAttribute('href');
    assert.match(href, /^#quote-\d+$/, `the link leads to the sentence: ${href}`);
    assert.ok(html.includes(`<mark id="${href.slice(1)}" class="quote">`), 'the server wrote the mark');
    const mark = page.locator(href);
    assert.equal(await mark.evaluate((el) => el.tagName), 'MARK');
    const text = squeezed(await mark.textContent());
    assert.ok(text.includes('年初预算为0万元') && text.includes('完成年初预算的95.89%'), text);
    assert.equal(await mark.evaluate((el) => el.parentElement.tagName === 'P' && el.closest('.exp') !== null), true);
    assert.equal(flat(await item.locator('.finding-figs').textContent()), '见原文第 18 页');
    // 四、财政拨款收入支出决算总体情况说明 says 财政拨款收入 (term 1) twice: linked once
    const twice = page.locator('#exp-overall_2 + p');
    assert.deepEqual(await twice.locator('a.term').evaluateAll((els) => els.map((a) => [a.textContent, a.getAttribute('href')])),
      [['财政拨款收入', '#term-1']]);
    assert.equal((await twice.textContent()).split('财政拨款收入').length, 3);
  });

  it('the 核对 section lists every finding, in plain Chinese, with its figures, page and place', async (t) => {
    const { page } = await open(t, `${own.origin}${KASHI}`);
    assert.equal(flat(await page.locator('#audit .lede').textContent()),
      '按公开数字核对表内合计、表间数字和文字说明，发现 5 处不一致。“相差”为原表数字减应有数字。以下为程序核对的结果，以公开文件原文为准。');
    const items = page.locator('#audit ol.findings > li.finding');
    assert.deepEqual(await items.evaluateAll((els) => els.map((e) => [e.id, e.className])), [
      ['finding-1', 'finding sev-warning'], ['finding-2', 'finding sev-warning'], ['finding-3', 'finding sev-info'],
      ['finding-4', 'finding sev-warning'], ['finding-5', 'finding sev-error']]);
    const row = items.nth(4);
    assert.equal(flat(await row.locator('.finding-msg').textContent()), '差错 表六 302 商品和服务支出：人员经费一栏');
    assert.equal(flat(await row.locator('.finding-figs').textContent()), '应为 0 万元，原表 0 万元，相差 0 万元；见原文第 19 页');
    const link = row.locator('a.finding-link');
    assert.equal(await link.getAttribute('href'), '#table-6-row-10');
    assert.equal(await link.getAttribute('data-col'), 'personnel', 'the link names the cell to mark');
    assert.equal(flat(await row.locator('.finding-where').textContent()), '查看表六 302 商品和服务支出 · 人员经费 规则 T01');
    assert.equal(flat(await items.nth(2).locator('.sev').textContent()), '提示');
    assert.equal(await items.nth(0).locator('blockquote.finding-quote').textContent(), '公共预算 700.94万元，\n占 100%');
    assert.equal(await items.nth(0).locator('.finding-figs').count(), 0, 'no figures, no page: no line');
  });

  it('a quote is found whatever its white space; a term link across its edge is split there', async (t) => {
    const { page } = await open(t, `${own.origin}${KASHI}`);
    assert.equal(await page.locator('#finding-1 a.finding-link').getAttribute('href'), '#quote-1');
    // 二、收入预算情况说明, paragraph 2: "一般公共预算700.94万元，占100%，比上年预算增加…";
    // 一般公共预算 is term 2 of the glossary
    const para = page.locator('#quote-1').locator('xpath=..');
    assert.equal(await para.evaluate((p) => p.previousElementSibling.previousElementSibling.id), 'exp-income');
    const kids = await childrenOf(para);
    assert.deepEqual(kids.slice(0, 2), [['a', '一般', '#term-2'], ['mark', '公共预算700.94万元，占100%', null]]);
    assert.deepEqual(await childrenOf(page.locator('#quote-1')), [['a', '公共预算', '#term-2'], ['#text', '700.94万元，占100%', null]]);
    assert.equal(await page.locator('#quote-1 a').getAttribute('class'), 'term');
  });

  it('a quote not in its section links to the heading; one overlapping a mark links to that mark', async (t) => {
    const { page } = await open(t, `${own.origin}${KASHI}`);
    assert.equal(await page.locator('#finding-2 a.finding-link').getAttribute('href'), '#exp-income');
    // store text is text, never markup
    assert.equal(flat(await page.locator('#finding-2 .finding-msg').textContent()), '疑点 收入预算说明中找不到所引的句子<这句话不在说明里>');
    assert.equal(await page.locator('#finding-3 a.finding-link').getAttribute('href'), '#quote-1');
    // a section named by its index alone (2: 三、支出预算情况说明); the quote has U+3000 and U+00A0
    assert.equal(await page.locator('#finding-4 a.finding-link').getAttribute('href'), '#quote-4');
    assert.deepEqual(await childrenOf(page.locator('#quote-4')), [['a', '基本支出', '#term-5'], ['#text', '345.08万元', null]]);
    assert.equal(await page.locator('#quote-4').evaluate((m) => m.closest('.exp') !== null
      && m.parentElement.previousElementSibling.previousElementSibling.id), 'exp-expenditure');
    assert.deepEqual(await page.locator('mark').evaluateAll((els) => els.map((e) => e.id)), ['quote-1', 'quote-4']);
  });

  it('情况说明: headings, terms linked once a paragraph, the section\'s figures folded', async (t) => {
    const { page } = await open(t, `${own.origin}${KASHI}`);
    assert.equal(await page.locator('#explanations-h').textContent(), '情况说明');
    assert.equal(await page.locator('#exp-general_budget_scale').evaluate((el) => el.tagName), 'H4');
    assert.equal(await page.locator('#exp-general_budget_scale').textContent(), '（一）一般公共预算当年拨款规模变化情况');
    assert.equal(await page.locator('#exp-income').evaluate((el) => el.tagName), 'H3');
    // （一）'s paragraph holds terms 2, 5 and 6 of the glossary
    assert.deepEqual(await page.locator('#exp-general_budget_scale + p a.term').evaluateAll((els) => els.map((a) => [a.textContent, a.getAttribute('href')])),
      [['一般公共预算', '#term-2'], ['基本支出', '#term-5'], ['项目支出', '#term-6']]);
    const figs = page.locator('#exp-income ~ details.figs').first();
    assert.equal(await figs.locator('summary').textContent(), '本节数字（3 项）');
    assert.equal(await figs.getAttribute('open'), null, 'folded');
    assert.deepEqual(await figs.locator('thead th').allTextContents(), ['项目', '金额（万元）', '占比', '比上年增减', '原因']);
    const rows = await figs.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    assert.deepEqual(rows, [
      ['收入预算', '700.94', '', '', ''],
      ['一般公共预算', '700.94', '100%', '+145.97', '疆内喀什籍务工人员服务管理工作指挥部工作经费增加购车及人员补助,项目资金增加，人员增加，人员经费增加'],
      ['政府性基金', '0', '0%', '0', '未安排预算']]);
  });

  it('名词解释 lists the terms; a disclosure without findings says so', async (t) => {
    const { page } = await open(t, `${own.origin}${KASHI}`);
    const dts = await page.locator('#glossary dl.glossary dt').evaluateAll((els) => els.map((e) => [e.id, e.textContent]));
    assert.equal(dts.length, 8);
    assert.deepEqual(dts[0], ['term-1', '财政拨款']);
    assert.deepEqual(dts[6], ['term-7', '“三公”经费']);
    assert.equal(await page.locator('#glossary dd').first().textContent(), '指由一般公共预算、政府性基金预算安排的财政拨款数。');
    const { page: clean } = await open(t, `${own.origin}/?dept=putuo-commerce&year=2025&kind=budget`);
    assert.equal(await clean.locator('#audit .finding').count(), 0);
    assert.equal(flat(await clean.locator('#audit p').textContent()), '按公开数字核对表内合计、表间数字和文字说明，未发现不一致。');
  });
});
