// SPDX-License-Identifier: MIT
// budgetd front page, `/` without a department (#15): the server sends the directory (every
// department by region and level, the year and kind filters as a GET form, the comparison
// strip; api/page_directory.c); this script only adds behaviour: the full-text search
// (/api/v1/search), and filters that apply without a reload, by fetching the directory page
// for the new filters and swapping its parts in (never the API, never one request per
// department). Loaded by app.js, which lends its helpers (h, api).

const API = '/api/v1';
const KIND = { budget: '预算', final: '决算' };
const HIT = {
  department: '部门', disclosure: '公开文件', table: '公开表', row: '公开表中的一行', project: '项目',
  indicator: '绩效指标', explanation: '情况说明', glossary: '名词解释', overview: '部门概况', sangong: '“三公”经费',
};

/** The page URL of a disclosure: /?dept=…&year=…&kind=… (and level=unit for a 单位 one). */
export function pageUrl(dept, year, kind, level, hash = '') {
  const p = new URLSearchParams({ dept });
  if (year != null) p.set('year', String(year));
  if (kind) p.set('kind', kind);
  if (level === 'unit') p.set('level', 'unit');
  return `/?${p}${hash}`;
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

const $ = (id) => document.getElementById(id);
/** The parts of the directory that a change of filters redraws (all written by the server). */
const PARTS = ['dir-status', 'dir-list', 'dir-compare-body'];

/** The directory page for a URL (/?year=…&kind=…[&region=…]), parsed; throws on failure. */
async function fetchPage(url) {
  const res = await fetch(url, { headers: { Accept: 'text/html' } });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return new DOMParser().parseFromString(await res.text(), 'text/html');
}

/** Replaces the elements of ids with those of the fetched page; a live region (role=status)
 * keeps its element and takes the new text, so that a screen reader announces it. */
function swap(doc, ids) {
  for (const id of ids) {
    const now = $(id);
    const next = doc.getElementById(id);
    if (!now || !next) throw new Error(`no #${id}`);
    if (now.getAttribute('role') === 'status') now.textContent = next.textContent;
    else now.replaceWith(document.adoptNode(next));
  }
}

/** The filters' URL: /?year=…&kind=… (and the open region, when the page has one). */
function filterUrl(form) {
  const p = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (v) p.set(k, String(v));
  return `/${p.toString() ? `?${p}` : ''}`;
}

/**
 * Adds behaviour to the directory the server rendered into #doc. ctx: {h, api, current: () =>
 * bool (false once the page has moved on)}. When #doc does not hold it (app.js drew something
 * else there), the page for the current URL is fetched first: one request, to the page.
 */
export async function showDirectory({ h, api, current }) {
  if (!$('dir-list')) {
    const doc = await fetchPage(location.pathname + location.search);
    if (!current()) return;
    $('doc').replaceChildren(...[...doc.getElementById('doc').childNodes].map((n) => document.adoptNode(n)));
  }
  $('status')?.remove(); // the server's placeholder that keeps app.js from clearing #doc
  const form = document.querySelector('form.dir-filters');
  const q = $('dir-q');
  const results = $('dir-results');
  const yearSel = $('dir-year');
  const kindSel = $('dir-kind');
  $('dir-search').hidden = false;
  form.querySelector('.dir-apply').hidden = true; // a change applies at once

  let sseq = 0;
  async function search(e) {
    e?.preventDefault();
    const text = q.value.trim();
    const my = ++sseq;
    if (!text) { results.replaceChildren(); return; }
    const p = new URLSearchParams({ q: text, limit: '20' });
    if (yearSel.value) p.set('year', yearSel.value);
    if (kindSel.value) p.set('kind', kindSel.value);
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
  async function update(e) {
    e?.preventDefault();
    const url = filterUrl(form);
    const my = ++useq;
    const busy = [$('dir-depts'), $('dir-compare')];
    for (const el of busy) el.setAttribute('aria-busy', 'true');
    try {
      const doc = await fetchPage(url);
      if (my !== useq || !current()) return;
      swap(doc, PARTS);
      history.replaceState(null, '', url);
    } catch {
      if (my === useq) form.submit(); // the server's page for the filters, by a plain load
      return;
    } finally {
      if (my === useq) for (const el of busy) el.setAttribute('aria-busy', 'false');
    }
    if (q.value.trim()) search();
  }

  form.addEventListener('submit', update);
  yearSel.addEventListener('change', update);
  kindSel.addEventListener('change', update);
  q.closest('form').addEventListener('submit', search);
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
