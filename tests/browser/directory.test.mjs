// The directory at `/` (#15): rendered by the server (api/page_directory.c), every department
// of the bundled store by region and level, the year and kind filters, the comparison strip;
// static/directory.js adds the full-text search and filters without a reload. Against a real
// budgetd and Debian's Chromium, with JavaScript and without. Expected names, regions and
// figures are those of db/data/*.json, read by hand (not the program's output). Run as
// page.test.mjs is.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as env from './lib/env.mjs';

const chromium = await env.loadChromium();
const { startServer } = await import('../http/lib/server.mjs');
const { T, DESKTOP, PHONE, newPage, assertNoProblems, load, waitRendered, waitFor } = await import('./lib/page.mjs');

const axePath = path.join(env.root, 'node_modules', 'axe-core', 'axe.min.js');

const PUTUO = '上海市普陀区';
const KASHI = '新疆维吾尔自治区喀什地区';
const NO_REGION = '未注明地区'; // putuo-cpc-social-work publishes no region: it is listed under this heading, last
/** db/data: department id → [name, region heading, disclosures as the page names them]. */
const DEPTS = {
  'kashi-urumqi-office': ['新疆维吾尔自治区喀什地区行政公署驻乌鲁木齐办事处', KASHI, ['2021年预算']],
  'putuo-commerce': ['上海市普陀区商务委员会', PUTUO, ['2025年预算']],
  'putuo-cpc-social-work': ['中共上海市普陀区委社会工作部', NO_REGION, ['2024年决算']],
  'putuo-govt-office': ['上海市普陀区人民政府办公室', PUTUO, ['2025年预算']],
  'putuo-wanli-subdistrict': ['上海市普陀区人民政府万里街道办事处', PUTUO, ['2024年预算']],
};
/** db/data: the 单位 disclosures (putuo-*-2025-budget-unit.json). */
const UNITS = { 'putuo-commerce': ['2025年预算'], 'putuo-govt-office': ['2025年预算'] };
/** db/data: sangong.amount of each 部门 disclosure (万元); the cpc 决算 has no sangong. */
const SANGONG = {
  'putuo-govt-office|2025|budget': '867.50', 'kashi-urumqi-office|2021|budget': '96.80',
  'putuo-wanli-subdistrict|2024|budget': '47.91', 'putuo-commerce|2025|budget': '1.00',
  'putuo-cpc-social-work|2024|final': '未公开',
};

let server;
let browser;
let origin;

before(async () => {
  server = await startServer({ bin: env.bin, store: env.store, staticDir: env.staticDir });
  origin = server.origin;
  browser = await env.launch(chromium);
});

after(async () => {
  try {
    if (browser) await browser.close();
  } finally {
    if (server) assert.deepEqual(await server.stop(), { code: 0, signal: null }, `budgetd exits 0; stderr:\n${server.stderr()}`);
  }
});

/** The directory as shown: region heading → level → {dept id: link texts}. */
function listed(page) {
  return page.evaluate(() => {
    const out = {};
    for (const r of document.querySelectorAll('#dir-list .dir-region')) {
      const region = {};
      for (const lv of r.querySelectorAll('.dir-level')) {
        const depts = {};
        for (const li of lv.querySelectorAll('li[data-dept]')) {
          depts[li.dataset.dept] = { name: li.querySelector('.dir-name').textContent, links: [...li.querySelectorAll('a')].map((a) => a.textContent) };
        }
        region[lv.dataset.level] = depts;
      }
      out[r.querySelector('h3').firstChild.textContent] = region;
    }
    return out;
  });
}

/** Sets the filters by their selects and waits until the directory shows them. */
async function choose(page, year, kind) {
  await page.selectOption('#dir-year', year);
  await page.selectOption('#dir-kind', kind);
  const p = new URLSearchParams();
  if (year) p.set('year', year);
  if (kind) p.set('kind', kind);
  const search = p.toString() ? `?${p}` : '';
  await page.waitForFunction((s) => location.search === s && !document.querySelector('[aria-busy="true"]'), search, { timeout: T });
}

/** Waits for a disclosure's page (sent rendered by the server); returns its state "dept year kind level". */
async function disclosure(page) {
  await page.waitForLoadState('load');
  return page.locator('meta[name="budgetd-page"]').getAttribute('content', { timeout: T });
}

/** The page URL of each disclosure db/data holds (the links a reader must find). */
function disclosureLinks() {
  const out = [];
  const url = (id, label, unit) => `/?dept=${id}&year=${label.slice(0, 4)}&kind=${label.endsWith('决算') ? 'final' : 'budget'}${unit ? '&level=unit' : ''}`;
  for (const [id, [, , labels]] of Object.entries(DEPTS)) for (const l of labels) out.push(url(id, l, false));
  for (const [id, labels] of Object.entries(UNITS)) for (const l of labels) out.push(url(id, l, true));
  return out.sort();
}

/** What db/data says the directory shows for a year/kind filter. */
function expected(year, kind) {
  const want = {};
  const put = (id, level, labels) => {
    const ok = labels.filter((l) => (!year || l.startsWith(`${year}年`)) && (!kind || l.endsWith(kind === 'final' ? '决算' : '预算')));
    if (!ok.length) return;
    const [name, region] = DEPTS[id];
    want[region] ??= {};
    want[region][level] ??= {};
    want[region][level][id] = { name, links: ok };
  };
  for (const [id, [, , labels]] of Object.entries(DEPTS)) put(id, 'department', labels);
  for (const [id, labels] of Object.entries(UNITS)) put(id, 'unit', labels);
  return want;
}

async function strip(page) {
  await waitFor(page, () => document.querySelector('#dir-compare-table, #dir-compare-body p:not(.lede)'), null, 'the comparison strip');
  return page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#dir-compare-table tbody tr')].map((tr) => [
    `${tr.dataset.dept}|${tr.dataset.year}|${tr.dataset.kind}`,
    { cells: [...tr.querySelectorAll('td')].map((td) => td.textContent), href: tr.querySelector('a').getAttribute('href') }])));
}

async function axe(page) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'],
  }));
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes[0].target.join(' ')})`);
}

describe('the directory at /', () => {
  it('lists every bundled department under its region and level, and the region order', async (t) => {
    const { page, problems } = await newPage(t, browser);
    await load(page, `${origin}/`);
    assert.deepEqual(await listed(page), expected('', ''));
    const regions = await page.locator('#dir-list .dir-region h3').evaluateAll((hs) => hs.map((x) => x.firstChild.textContent));
    assert.deepEqual(regions, [PUTUO, KASHI, NO_REGION], 'regions by name, the one without a region last');
    // by name as zh-CN sorts it (pinyin): 人民政府办(bàn)公室, 人民政府万(wàn)里, 商(shāng)务; code point order puts 万 before 办
    const putuo = await page.locator('.dir-region[data-region="上海市普陀区"] .dir-level[data-level="department"] li').evaluateAll((lis) => lis.map((li) => li.dataset.dept));
    assert.deepEqual(putuo, ['putuo-govt-office', 'putuo-wanli-subdistrict', 'putuo-commerce']);
    assert.equal(await page.locator('.toc').isVisible(), false, 'the disclosure contents are hidden on the directory');
    const text = await page.locator('main').innerText();
    for (const word of ['unplaced', 'withheld', 'staffing', 'department', 'budget', 'undefined', 'null']) {
      assert.ok(!text.includes(word), `no "${word}" on the page`);
    }
    assertNoProblems(problems);
  });

  it('the year and kind filters narrow it as the data says, and the URL keeps them', async (t) => {
    const { page, problems } = await newPage(t, browser);
    await load(page, `${origin}/`);
    for (const [year, kind] of [['2024', ''], ['', 'final'], ['2025', 'budget'], ['2021', 'final'], ['', '']]) {
      await choose(page, year, kind);
      assert.deepEqual(await listed(page), expected(year, kind), `filter ${year || 'any year'} ${kind || 'any kind'}`);
      const rows = await strip(page);
      const want = Object.keys(SANGONG).filter((k) => (!year || k.split('|')[1] === year) && (!kind || k.endsWith(kind)));
      assert.deepEqual(Object.keys(rows).sort(), want.sort(), `comparison rows for ${year} ${kind}`);
    }
    await page.evaluate(() => { document.getElementById('dir-status').dataset.kept = 'yes'; });
    await choose(page, '2024', '');
    assert.equal(new URL(page.url()).search, '?year=2024');
    // db/data: in 2024 the wanli 预算 and the cpc 决算; the live region stays, its text changes
    assert.equal(await page.locator('#dir-status').textContent(), '共 2 个部门有2024年的预决算公开');
    assert.equal(await page.locator('#dir-status').getAttribute('data-kept'), 'yes', 'the same status element (announced)');
    await page.waitForLoadState('networkidle');
    await page.reload();
    await waitRendered(page);
    assert.equal(await page.inputValue('#dir-year'), '2024', 'a reload keeps the filter');
    assert.deepEqual(await listed(page), expected('2024', ''));
    assertNoProblems(problems);
  });

  it('the comparison strip shows the documents\' 三公 and totals, each linking to its disclosure', async (t) => {
    const { page, problems } = await newPage(t, browser);
    await load(page, `${origin}/`);
    const rows = await strip(page);
    for (const [k, sg] of Object.entries(SANGONG)) {
      assert.ok(rows[k], `a row for ${k}`);
      assert.equal(rows[k].cells[1], sg, `三公 of ${k}`);
      const [dept, year, kind] = k.split('|');
      assert.equal(rows[k].href, `/?dept=${dept}&year=${year}&kind=${kind}`);
    }
    // kashi's 收支总体情况表: 支 出 总 计 700.94 万元
    assert.equal(rows['kashi-urumqi-office|2021|budget'].cells[0], '700.94');
    await page.locator('#dir-compare-table a', { hasText: DEPTS['putuo-govt-office'][0] }).click();
    await page.waitForURL(/dept=putuo-govt-office/);
    assert.equal(await disclosure(page), 'putuo-govt-office 2025 budget department');
    assert.equal(await page.locator('#dept-name').textContent(), DEPTS['putuo-govt-office'][0]);
    assert.ok((await page.locator('#sangong').innerText()).includes('867.50'), 'the disclosure shows 867.50');
    assertNoProblems(problems);
  });

  it('a directory link leads to the disclosure, also a 单位 one and the 决算', async (t) => {
    const { page, problems } = await newPage(t, browser);
    await load(page, `${origin}/`);
    await page.locator('li[data-dept="putuo-cpc-social-work"] a').click();
    await page.waitForURL(/dept=putuo-cpc-social-work/);
    assert.equal(await disclosure(page), 'putuo-cpc-social-work 2024 final department');
    assert.equal(await page.locator('#dept-name').textContent(), DEPTS['putuo-cpc-social-work'][0]);
    assert.match(await page.locator('#disclosure-title').textContent(), /决算/);
    await page.goBack();
    await waitRendered(page);
    await page.locator('.dir-level[data-level="unit"] li[data-dept="putuo-commerce"] a').click();
    await page.waitForURL(/level=unit/);
    assert.equal(await disclosure(page), 'putuo-commerce 2025 budget unit');
    assert.equal(await page.locator('#disclosure-select').inputValue(), '2025-budget-unit');
    assertNoProblems(problems);
  });

  it('full-text search for 视联网 finds the Kashgar project and opens it; two characters search names', async (t) => {
    const { page, problems } = await newPage(t, browser);
    await load(page, `${origin}/`);
    // by keyboard: Tab from the top of the page to the search box
    let onBox = false;
    for (let i = 0; i < 12 && !onBox; i++) {
      await page.keyboard.press('Tab');
      onBox = await page.evaluate(() => document.activeElement?.id === 'dir-q');
    }
    assert.ok(onBox, 'the search box is reached with Tab');
    await page.keyboard.type('视联网');
    await page.keyboard.press('Enter');
    const hit = page.locator('#dir-results .dir-hits a', { hasText: '服务保障提升项目质保金及视联网会议室项目缺口资金及质保金' }).first();
    await hit.waitFor({ timeout: T });
    assert.equal(await hit.getAttribute('href'), '/?dept=kashi-urumqi-office&year=2021&kind=budget#project-service-upgrade-retention');
    assert.equal(await hit.locator('mark').first().textContent(), '视联网');
    await hit.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/dept=kashi-urumqi-office/);
    assert.equal(await disclosure(page), 'kashi-urumqi-office 2021 budget department');
    assert.ok(await page.locator('#project-service-upgrade-retention').isVisible(), 'the project is shown');

    await load(page, `${origin}/`);
    await page.fill('#dir-q', '商务');
    await page.press('#dir-q', 'Enter');
    const dept = page.locator('#dir-results .dir-hits a', { hasText: DEPTS['putuo-commerce'][0] }).first();
    await dept.waitFor({ timeout: T });
    assert.equal(await dept.getAttribute('href'), '/?dept=putuo-commerce');
    assertNoProblems(problems);
  });

  for (const viewport of [PHONE, { width: 360, height: 740 }, DESKTOP]) {
    it(`axe finds nothing and nothing overflows at ${viewport.width}x${viewport.height}`, async (t) => {
      // axe is injected as a script, which the page's CSP forbids: bypassed here only.
      const ctx = await browser.newContext({ viewport, bypassCSP: true, locale: 'zh-CN' });
      t.after(() => ctx.close());
      const p = await ctx.newPage();
      p.setDefaultTimeout(T);
      await load(p, `${origin}/`);
      await p.fill('#dir-q', '视联网');
      await p.press('#dir-q', 'Enter');
      await p.locator('#dir-results .dir-hits a').first().waitFor();
      await strip(p);
      assert.deepEqual(await axe(p), []);
      const wide = await p.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(wide <= viewport.width, `page is ${wide} px wide at ${viewport.width}`);
      const dir = env.shotsDir();
      if (dir) await p.screenshot({ path: path.join(dir, `directory-${viewport.width}x${viewport.height}.png`), fullPage: true });
    });
  }
});

describe('the directory is one page from the server', () => {
  it('without JavaScript it lists every bundled department with links to its disclosures, and the filters work', async (t) => {
    const ctx = await browser.newContext({ viewport: DESKTOP, javaScriptEnabled: false, locale: 'zh-CN' });
    t.after(() => ctx.close());
    const page = await ctx.newPage();
    page.setDefaultTimeout(T);
    await page.goto(`${origin}/`);
    assert.deepEqual(await listed(page), expected('', ''));
    const hrefs = await page.locator('#dir-list a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(hrefs.sort(), disclosureLinks(), 'a link to every disclosure of the store');
    assert.equal(await page.locator('#dir-search').isVisible(), false, 'no search form that needs the script');
    assert.equal(await page.locator('.toc').isVisible(), false, 'no contents of a disclosure');
    assert.equal((await strip(page))['kashi-urumqi-office|2021|budget'].cells[0], '700.94');
    // the filter form reloads the page with ?year=&kind=
    await page.selectOption('#dir-year', '2024');
    await page.selectOption('#dir-kind', 'budget');
    await Promise.all([page.waitForURL(/year=2024/), page.locator('.dir-apply').click()]);
    assert.deepEqual(await listed(page), expected('2024', 'budget'));
    assert.deepEqual(Object.keys(await strip(page)), ['putuo-wanli-subdistrict|2024|budget']);
    assert.equal(await page.inputValue('#dir-year'), '2024');
    assert.equal(await page.locator('#dir-status').textContent(), '共 1 个部门有2024年的预算公开');
  });

  it('loading it asks the API nothing per department (at most one request), nor does a filter', async (t) => {
    const { page, problems } = await newPage(t, browser);
    const api = [];
    page.on('request', (r) => { if (new URL(r.url()).pathname.startsWith('/api/')) api.push(r.url()); });
    await load(page, `${origin}/`);
    await page.waitForLoadState('networkidle');
    assert.ok(api.length <= 1, `requests to /api/ on load: ${api.join(', ')}`);
    await choose(page, '2025', '');
    await page.waitForLoadState('networkidle');
    assert.ok(api.length <= 1, `requests to /api/ after a filter: ${api.join(', ')}`);
    assert.deepEqual(api.filter((u) => u.includes('/departments')), [], 'no request per department');
    assertNoProblems(problems);
  });
});

/** A store of n departments in three regions (the seed's figures, trimmed to 表一 and 表八). */
async function buildManyStore(n) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'budgetd-directory-'));
  const seed = JSON.parse(fs.readFileSync(env.seedPath, 'utf8'));
  const files = [];
  for (let i = 0; i < n; i++) {
    const d = structuredClone(seed);
    d.department = { id: `many-${String(i).padStart(3, '0')}`, name: `测试部门${i}`, region: MANY_REGIONS[i % 3] };
    d.tables = d.tables.filter((x) => x.number === 1 || x.number === 8);
    d.explanations = [];
    d.projects = [];
    files.push(path.join(dir, `${i}.json`));
    fs.writeFileSync(files[i], JSON.stringify(d));
  }
  const store = path.join(dir, 'store.sqlite');
  await new Promise((resolve, reject) => {
    execFile(env.ctl, ['import', '--fresh', '--db', store, ...files], { timeout: 120_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`budgetctl import failed: ${stderr}`)) : resolve()));
  });
  return { dir, store };
}
const MANY_REGIONS = ['甲省甲市', '乙省乙市', '丙省丙市'];

describe('a directory of many departments', () => {
  let many;
  let built;
  before(async () => {
    built = await buildManyStore(130);
    many = await startServer({ bin: env.bin, store: built.store, staticDir: env.staticDir });
  });
  after(async () => {
    try {
      if (many) assert.deepEqual(await many.stop(), { code: 0, signal: null });
    } finally {
      if (built) fs.rmSync(built.dir, { recursive: true, force: true });
    }
  });

  it('lists the regions with their counts and opens one region at a time; the strip keeps to 50 rows', async (t) => {
    const { page, problems } = await newPage(t, browser);
    await load(page, `${many.origin}/`);
    // 130 departments, i % 3: 44 in 甲, 43 in 乙 and 丙; regions in pinyin order: 丙(bǐng) 甲(jiǎ) 乙(yǐ)
    const heads = await page.locator('#dir-list .dir-region h3').evaluateAll((hs) => hs.map((x) => x.textContent));
    assert.deepEqual(heads, ['丙省丙市43 个部门', '甲省甲市44 个部门', '乙省乙市43 个部门']);
    assert.equal(await page.locator('#dir-list li[data-dept]').count(), 0, 'no department listed before its region is opened');
    const rows = await page.locator('#dir-compare-table tbody tr').count();
    assert.equal(rows, 50);
    assert.match(await page.locator('#dir-compare-body .dir-hint').textContent(), /共 130 项/);
    const html = await (await fetch(`${many.origin}/`)).text();
    assert.ok(html.length < 60_000, `the page is ${html.length} bytes`);

    await Promise.all([page.waitForURL(/region=/), page.locator('.dir-region[data-region="乙省乙市"] .dir-more a').click()]);
    await waitRendered(page);
    const open = await page.locator('#dir-list li[data-dept]').evaluateAll((lis) => lis.map((li) => li.dataset.dept));
    assert.equal(open.length, 43);
    assert.ok(open.every((id) => Number(id.slice(5)) % 3 === 1), 'only 乙省乙市 is open');
    assert.equal(await page.locator('#dir-compare-table tbody tr').count(), 43, 'the strip of the region');
    // a filter keeps the open region
    await page.selectOption('#dir-kind', 'budget');
    await page.waitForFunction(() => /kind=budget/.test(location.search) && !document.querySelector('[aria-busy="true"]'));
    assert.match(decodeURIComponent(page.url()), /region=乙省乙市/);
    assert.equal(await page.locator('#dir-list li[data-dept]').count(), 43);
    assertNoProblems(problems);
  });

  it('axe finds nothing on the regions listed closed, nor with one open', async (t) => {
    // axe is injected as a script, which the page's CSP forbids: bypassed here only.
    const ctx = await browser.newContext({ viewport: PHONE, bypassCSP: true, locale: 'zh-CN' });
    t.after(() => ctx.close());
    const p = await ctx.newPage();
    p.setDefaultTimeout(T);
    for (const url of [`${many.origin}/`, `${many.origin}/?region=${encodeURIComponent('甲省甲市')}`]) {
      await load(p, url);
      assert.deepEqual(await axe(p), [], url);
      const wide = await p.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(wide <= PHONE.width, `page is ${wide} px wide`);
    }
  });
});
