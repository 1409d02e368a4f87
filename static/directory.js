// SPDX-License-Identifier: MIT
// budgetd front page, `/` without a department (#15): a directory of every department in the
// store, by region and level (部门/单位), filtered by year and kind, with full-text search and a
// comparison strip (支出总计 and “三公”经费 per disclosure, from /api/v1/aggregate). Loaded by
// app.js, which lends its helpers (h, api); figures are shown as the API prints them.

const API = '/api/v1';
const KIND = { budget: '预算', final: '决算' };
const LEVEL = { department: '部门公开', unit: '单位公开' };
const NO_REGION = '未注明地区';
const HIT = {
  department: '部门', disclosure: '公开文件', table: '公开表', row: '公开表中的一行', project: '项目',
  indicator: '绩效指标', explanation: '情况说明', glossary: '名词解释', overview: '部门概况', sangong: '“三公”经费',
};
const enc = encodeURIComponent;

/** The page URL of a disclosure: /?dept=…&year=…&kind=… (and level=unit for a 单位 one). */
export function pageUrl(dept, year, kind, level, hash = '') {
  const p = new URLSearchParams({ dept });
  if (year != null) p.set('year', String(year));
  if (kind) p.set('kind', kind);
  if (level === 'unit') p.set('level', 'unit');
  return `/?${p}${hash}`;
}

/** A 万元 figure with at least two decimals (867.5 → 867.50), by its digits, no arithmetic. */
function wan(v) {
  if (v == null) return null;
  const t = String(v);
  if (!/^-?\d+(\.\d+)?$/.test(t)) return t;
  const [i, f = ''] = t.split('.');
  return `${i}.${f.padEnd(2, '0')}`;
}

/** Where on the disclosure page a search hit is (an id of app.js's page), or ''. */
function hashOf(hit) {
  const p = hit.place || {};
  const table = /\/tables\/(\d+)/.exec(hit.link || '');
  if (p.project) return `#project-${p.project}`;
  if (table && p.row != null) return `#table-${table[1]}-row-${p.row}`;
  if (table) return `#table-${table[1]}`;
  if (hit.hit === 'sangong') return '#sangong';
  if (p.explanation) return `#exp-${p.explanation}`;
  if (hit.hit === 'glossary') return '#glossary';
  if (hit.hit === 'overview') return '#overview';
  return '';
}

function hitUrl(hit) {
  const id = hit.department?.id;
  if (hit.hit === 'department' || hit.year == null) return pageUrl(id);
  return pageUrl(id, hit.year, hit.kind, hit.level, hashOf(hit));
}

/** Every department with its region and disclosures (the list, then each department). */
async function departments(api) {
  const all = [];
  for (let url = `${API}/departments?limit=500`; url;) {
    const page = await api(url);
    all.push(...(page.items || []));
    url = page.links?.next || null;
  }
  return Promise.all(all.map((d) => api(d.links?.self || `${API}/departments/${enc(d.id)}`)));
}

/** Sums of measure per department, year and kind for the filters, keyed "id|year|kind". */
async function sums(api, measure, f) {
  const p = new URLSearchParams({ measure, group: 'department,year,kind', order: '-sum', limit: '1000' });
  if (f.year) p.set('year', f.year);
  if (f.kind) p.set('kind', f.kind);
  const body = await api(`${API}/aggregate?${p}`);
  return body.items || [];
}

const matches = (d, f) => (!f.year || String(d.year) === f.year) && (!f.kind || d.kind === f.kind);
const discLabel = (d) => `${d.year}年${KIND[d.kind] || d.kind}`;
const byName = (a, b) => a.name.localeCompare(b.name, 'zh-CN');

/**
 * Shows the directory in #doc. ctx: {h, api, state: {year, kind}, current: () => bool (false
 * once the page has moved on)}. Rejects with app.js's LoadError when the list cannot be read.
 */
export async function showDirectory({ h, api, state, current }) {
  const f = { year: /^\d{4}$/.test(state.year || '') ? state.year : '', kind: KIND[state.kind] ? state.kind : '' };
  const depts = (await departments(api)).sort(byName);
  if (!current()) return;
  const years = [...new Set(depts.flatMap((d) => (d.disclosures || []).map((x) => String(x.year))))].sort().reverse();
  if (f.year && !years.includes(f.year)) f.year = '';

  const list = h('div', { id: 'dir-list' });
  const strip = h('div', { id: 'dir-compare-body' });
  const results = h('div', { id: 'dir-results' });
  const status = h('p', { id: 'dir-status', class: 'lede', role: 'status' });
  const select = (id, label, options, value) => h('label', { class: 'dir-field', for: id }, label,
    h('select', { id, onchange: update }, options.map(([v, t]) => h('option', { value: v, selected: v === value }, t))));
  const yearSel = select('dir-year', '年度', [['', '全部年度'], ...years.map((y) => [y, `${y}年`])], f.year);
  const kindSel = select('dir-kind', '类型', [['', '预算和决算'], ['budget', '预算'], ['final', '决算']], f.kind);
  const q = h('input', { id: 'dir-q', type: 'search', autocomplete: 'off', placeholder: '如：视联网、公务接待', 'aria-describedby': 'dir-q-hint' });

  let sseq = 0;
  async function search(e) {
    e?.preventDefault();
    const text = q.value.trim();
    const my = ++sseq;
    if (!text) { results.replaceChildren(); return; }
    const p = new URLSearchParams({ q: text, limit: '20' });
    if (f.year) p.set('year', f.year);
    if (f.kind) p.set('kind', f.kind);
    results.replaceChildren(h('p', { role: 'status' }, '正在检索…'));
    try {
      const body = await api(`${API}/search?${p}`);
      if (my !== sseq) return;
      results.replaceChildren(renderHits(h, text, body));
    } catch (err) {
      if (my !== sseq) return;
      results.replaceChildren(h('p', { role: 'status', class: 'dir-error' }, `检索失败：${err.message}${err.status ? `（HTTP ${err.status}）` : ''}`));
    }
  }

  let useq = 0;
  async function update() {
    f.year = yearSel.querySelector('select').value;
    f.kind = kindSel.querySelector('select').value;
    const my = ++useq;
    const p = new URLSearchParams();
    if (f.year) p.set('year', f.year);
    if (f.kind) p.set('kind', f.kind);
    history.replaceState(null, '', `/${p.toString() ? `?${p}` : ''}`);
    const shown = renderList(h, depts, f, list);
    status.textContent = `共 ${shown} 个部门${f.year || f.kind ? `有${f.year ? `${f.year}年的` : ''}${f.kind ? KIND[f.kind] : '预决算'}公开` : ''}`;
    strip.replaceChildren(h('p', { class: 'lede' }, '正在加载…'));
    try {
      const [exp, sg] = await Promise.all([sums(api, 'expenditure', f), sums(api, 'sangong', f)]);
      if (my !== useq || !current()) return;
      strip.replaceChildren(renderStrip(h, exp, sg));
    } catch (err) {
      if (my !== useq) return;
      strip.replaceChildren(h('p', { class: 'dir-error' }, `对比数据暂时无法加载：${err.message}${err.status ? `（HTTP ${err.status}）` : ''}`));
    }
    if (q.value.trim()) search();
  }

  document.getElementById('doc').replaceChildren(
    h('p', { class: 'lede' }, `本站收录 ${depts.length} 个部门的预算、决算公开。按地区和层级浏览，或检索公开文件的全文；点击即可查看该部门的公开内容。`),
    h('form', { class: 'dir-filters', 'aria-label': '按年度和类型筛选', onsubmit: (e) => e.preventDefault() }, yearSel, kindSel),
    h('section', { id: 'dir-search', class: 'doc-section', 'aria-labelledby': 'dir-search-h' },
      h('h2', { id: 'dir-search-h' }, '检索公开内容'),
      h('form', { role: 'search', class: 'dir-form', onsubmit: search },
        h('label', { for: 'dir-q' }, '关键词'), q, h('button', { type: 'submit' }, '检索')),
      h('p', { id: 'dir-q-hint', class: 'dir-hint' }, '检索各部门公开文件的全部文字；输入一两个字时只检索部门和项目名称。'),
      results),
    h('section', { id: 'dir-compare', class: 'doc-section', 'aria-labelledby': 'dir-compare-h' },
      h('h2', { id: 'dir-compare-h' }, '各部门对比'),
      h('p', { class: 'lede' }, '各部门公开的支出总计与“三公”经费（单位：万元），按支出总计从高到低排列；只计部门公开，单位公开已含在其所属部门之中。'),
      strip),
    h('section', { id: 'dir-depts', class: 'doc-section', 'aria-labelledby': 'dir-depts-h' },
      h('h2', { id: 'dir-depts-h' }, '部门目录'), status, list),
  );
  await update();
}

/** The departments matching f, grouped by region then level; returns how many are shown. */
function renderList(h, depts, f, el) {
  const regions = new Map();
  let shown = 0;
  for (const d of depts) {
    const discs = (d.disclosures || []).filter((x) => matches(x, f));
    if (!discs.length) continue;
    shown++;
    const r = d.region || NO_REGION;
    if (!regions.has(r)) regions.set(r, []);
    regions.get(r).push({ d, discs });
  }
  const names = [...regions.keys()].sort((a, b) => (a === NO_REGION) - (b === NO_REGION) || a.localeCompare(b, 'zh-CN'));
  el.replaceChildren(...(shown ? names.map((r, i) => {
    const entries = regions.get(r);
    return h('section', { class: 'dir-region', 'aria-labelledby': `dir-region-${i}`, 'data-region': r },
      h('h3', { id: `dir-region-${i}` }, r, h('span', { class: 'dir-count' }, `${entries.length} 个部门`)),
      Object.entries(LEVEL).map(([lv, title]) => {
        const rows = entries.map(({ d, discs }) => ({ d, discs: discs.filter((x) => (x.level || 'department') === lv) }))
          .filter((x) => x.discs.length);
        if (!rows.length) return null;
        return h('div', { class: 'dir-level', 'data-level': lv }, h('h4', null, title),
          h('ul', { class: 'dir-depts' }, rows.map(({ d, discs }) => h('li', { 'data-dept': d.id },
            h('span', { class: 'dir-name' }, d.name),
            h('span', { class: 'dir-links' }, discs.map((x) => h('a', { href: pageUrl(d.id, x.year, x.kind, x.level), 'aria-label': `${d.name} ${discLabel(x)}${lv === 'unit' ? '（单位）' : ''}` }, discLabel(x))))))));
      }));
  }) : [h('p', null, '没有符合条件的部门，请换一个年度或类型。')]));
  return shown;
}

/** The comparison table: one row per disclosure, 支出总计 then “三公”经费. */
function renderStrip(h, exp, sg) {
  const key = (it) => `${it.key.department}|${it.key.year}|${it.key.kind}`;
  const sangong = new Map(sg.map((it) => [key(it), it]));
  const rows = exp.map((it) => ({ it, sg: sangong.get(key(it)) }));
  for (const it of sg) if (!exp.some((e) => key(e) === key(it))) rows.push({ it, sg: it });
  if (!rows.length) return h('p', null, '所选年度和类型没有可对比的数字。');
  const cell = (v) => (v == null ? h('td', { class: 'num dir-none' }, '未公开') : h('td', { class: 'num' }, wan(v)));
  return h('div', { class: 'dir-table', role: 'region', tabindex: '0', 'aria-label': '各部门对比表（可左右滚动）' }, h('table', { id: 'dir-compare-table' },
    h('caption', { class: 'sr-only' }, '各部门支出总计与“三公”经费（万元）'),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, '部门及公开'), h('th', { scope: 'col', class: 'num' }, '支出总计'), h('th', { scope: 'col', class: 'num' }, '“三公”经费'))),
    h('tbody', null, rows.map(({ it, sg: s }) => h('tr', { 'data-dept': it.key.department, 'data-year': String(it.key.year), 'data-kind': it.key.kind },
      h('th', { scope: 'row' }, h('a', { href: pageUrl(it.key.department, it.key.year, it.key.kind) }, it.label.department),
        h('span', { class: 'dir-sub' }, `${it.key.year}年${KIND[it.key.kind] || ''}`)),
      cell(exp.includes(it) ? it.sum : null), cell(s ? s.sum : null))))));
}

/** The search answer: a count, then each hit linking to its place on the disclosure page. */
function renderHits(h, text, body) {
  const items = body.items || [];
  const names = body.match === 'names';
  const head = items.length
    ? `找到 ${body.total ?? items.length}${body.capped ? ' 处以上' : ' 处'}${names ? '（一两个字只检索部门和项目名称）' : ''}${items.length < (body.total ?? 0) ? `，显示前 ${items.length} 处` : ''}`
    : `未找到含“${text}”的内容`;
  const marked = (snippet, hl) => {
    const out = [];
    let at = 0;
    for (const [a, b] of hl || []) {
      if (a < at || b > snippet.length) continue;
      out.push(snippet.slice(at, a), h('mark', null, snippet.slice(a, b)));
      at = b;
    }
    out.push(snippet.slice(at));
    return out;
  };
  return h('div', null, h('p', { role: 'status', class: 'dir-hits-head' }, head),
    items.length ? h('ol', { class: 'dir-hits' }, items.map((it) => h('li', null,
      h('a', { href: hitUrl(it) }, marked(it.snippet || it.name || '', it.highlights)),
      h('span', { class: 'dir-sub' }, [HIT[it.hit] || '', it.department?.name, it.year != null ? `${it.year}年${KIND[it.kind] || ''}${it.level === 'unit' ? '（单位）' : ''}` : null]
        .filter(Boolean).join(' · '))))) : null);
}
