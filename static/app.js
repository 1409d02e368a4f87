// SPDX-License-Identifier: MIT
// budgetd front page: behaviour only. A disclosure's page arrives rendered by the server
// (api/page*.c, #15), every figure in it; this script adds the header search, the select of
// the department's other disclosures (each is another page), the contents highlighting, the
// marking of what a link leads to, and opening <details> for print. Without a department,
// / is the directory, which directory.js draws from the JSON API under /api/v1.

import { h, parse } from './dom.js';

const API = '/api/v1';
const SECTIONS = ['overview', 'charts', 'tables', 'projects', 'sangong', 'other-matters', 'explanations', 'audit', 'glossary'];
const $ = (id) => document.getElementById(id);

/* ---------- fetching (the search and the directory) ---------- */

class LoadError extends Error {
  constructor(reason, status) { super(reason); this.status = status; }
}

const REASONS = {
  400: '请求的参数有误', 404: '未找到所请求的部门或公开信息', 406: '服务器无法提供所需的数据格式',
  414: '请求地址过长', 429: '请求过于频繁', 500: '服务器读取数据时出错', 502: '网关出错',
  503: '服务暂时不可用', 504: '服务器响应超时',
};

async function api(url) {
  let res;
  try {
    res = await fetch(url, { headers: { Accept: 'application/json' } });
  } catch {
    throw new LoadError('无法连接到服务器，请检查网络', null);
  }
  if (!res.ok) throw new LoadError(REASONS[res.status] || (res.status >= 500 ? '服务器出错' : '请求未被接受'), res.status);
  try {
    const body = parse(await res.text());
    if (body === null || typeof body !== 'object') throw new Error('not an object');
    return body;
  } catch {
    throw new LoadError('服务器返回的数据格式有误', res.status);
  }
}

const enc = encodeURIComponent;

/* ---------- URL state ---------- */

function readState() {
  const p = new URLSearchParams(location.search);
  return { dept: p.get('dept') || '', year: p.get('year') || '', kind: p.get('kind') || '', level: p.get('level') === 'unit' ? 'unit' : '' };
}

function urlFor(st, hash = '') {
  const p = new URLSearchParams();
  if (st.dept) p.set('dept', st.dept);
  if (st.year) p.set('year', st.year);
  if (st.kind) p.set('kind', st.kind);
  if (st.level === 'unit') p.set('level', 'unit');
  const q = p.toString();
  return `${location.pathname}${q ? `?${q}` : ''}${hash}`;
}

const sameState = (a, b) => a && b && a.dept === b.dept && a.year === b.year && a.kind === b.kind && (a.level || '') === (b.level || '');

let seq = 0;
let shown = null; // the disclosure the server rendered into this page (its <meta name="budgetd-page">)

/* ---------- the directory (/ without a department) ---------- */

async function load() {
  const my = ++seq;
  $('content').setAttribute('aria-busy', 'true');
  document.body.toggleAttribute('data-directory', true);
  try {
    const { showDirectory } = await import('./directory.js');
    // #15 directory: the server rendered it into #doc; directory.js adds search and filters.
    await showDirectory({ h, api, current: () => my === seq });
    if (my !== seq) return;
    $('content').setAttribute('aria-busy', 'false');
    $('announce').textContent = '已加载：部门目录';
  } catch (e) {
    if (my !== seq) return;
    fail(e);
  }
}

function fail(e) {
  if (!(e instanceof LoadError)) console.warn(e); // a bug in the page, shown honestly below
  const reason = e instanceof LoadError ? e.message : '页面处理数据时出错';
  const status = e instanceof LoadError && e.status ? `（HTTP ${e.status}）` : '';
  $('doc').replaceChildren(
    h('p', { id: 'error', role: 'alert' }, `无法加载预算数据：${reason}${status}。请稍后重试。`),
    h('p', null, h('a', { href: '/' }, '返回首页'), '　或直接查看 ', h('a', { href: `${API}/departments` }, '开放数据接口（JSON）'), '。'),
  );
  document.title = '无法加载 · 部门预决算公开';
  $('content').setAttribute('aria-busy', 'false');
}

/* ---------- links into the page ---------- */

/** Scrolls to the section the hash names (opening it if a <details>); false if none. */
function goHash() {
  const id = decodeURIComponent(location.hash.slice(1));
  if (!id) return false;
  const el = $(id);
  if (!el) {
    if (shown && !SECTIONS.includes(id)) history.replaceState(null, '', urlFor(readState()));
    return false;
  }
  for (let d = el.closest('details'); d; d = d.parentElement.closest('details')) d.open = true;
  el.scrollIntoView({ block: el.tagName === 'TR' ? 'center' : 'start' });
  markHit(el);
  return true;
}

/** Another disclosure is another page, which the server renders (#15). */
function navigate(st) {
  location.assign(urlFor(st, location.hash));
}

/** The column a finding's link marks in the row it leads to: the first such link's
 * data-col (<a class="finding-link" href="#table-N-row-I" data-col="KEY">). */
function hitColumn(id) {
  for (const a of document.querySelectorAll('a.finding-link[data-col]')) {
    if (a.getAttribute('href') === `#${id}`) return a.dataset.col;
  }
  return null;
}

/** Marks what a link led to: a table row (and the cell of the finding's column), a heading,
 * or a finding (/api/v1/audit links to #finding-N). */
function markHit(el) {
  for (const old of document.querySelectorAll('.hit, .hit-cell')) old.classList.remove('hit', 'hit-cell');
  if (el.tagName !== 'TR' && el.tagName !== 'MARK' && !/^H[34]$/.test(el.tagName) && !el.classList.contains('finding')) return;
  el.classList.add('hit');
  const col = el.tagName === 'TR' ? hitColumn(el.id) : null;
  const cell = col ? el.querySelector(`td[data-col="${CSS.escape(col)}"]`) : null;
  if (cell) cell.classList.add('hit-cell');
  if (!el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
  el.focus({ preventScroll: true });
}

/* ---------- contents highlighting ---------- */

let tocTimer = 0;
function watchToc() {
  const links = [...document.querySelectorAll('.toc a')];
  const update = () => {
    tocTimer = 0;
    let current = null;
    for (const a of links) {
      const el = $(a.getAttribute('href').slice(1));
      if (el && el.getBoundingClientRect().top < 140) current = a;
    }
    for (const a of links) {
      if (a === current) a.setAttribute('aria-current', 'true');
      else a.removeAttribute('aria-current');
    }
    const toc = document.querySelector('.toc');
    if (current && toc.scrollWidth > toc.clientWidth + 1) toc.scrollLeft = current.offsetLeft - toc.clientWidth / 2;
  };
  if (!watchToc.on) {
    watchToc.on = true;
    window.addEventListener('scroll', () => { if (!tocTimer) tocTimer = requestAnimationFrame(update); }, { passive: true });
  }
  update();
}

/* ---------- department search ---------- */

function setupSearch() {
  const input = $('dept-search');
  const list = $('dept-results');
  const msg = $('dept-results-msg');
  let timer = 0;
  let qseq = 0;

  const close = () => { list.hidden = true; msg.hidden = true; };
  const buttons = () => [...list.querySelectorAll('button')];
  const choose = (item) => {
    close();
    input.value = item.name;
    navigate({ dept: item.id, year: '', kind: '', level: '' });
  };
  const select = (b) => {
    for (const li of list.children) li.setAttribute('aria-selected', String(li.contains(b)));
    b.focus();
  };

  async function search() {
    const q = input.value.trim();
    const my = ++qseq;
    if (!q) { close(); return []; }
    try {
      const body = await api(`${API}/departments?q=${enc(q)}&limit=20`);
      if (my !== qseq) return null;
      const items = body.items || [];
      list.replaceChildren(...items.map((it) => h('li', { role: 'option', 'aria-selected': 'false' },
        h('button', { type: 'button', tabindex: '-1', onclick: () => choose(it) }, it.name))));
      list.hidden = items.length === 0;
      msg.hidden = items.length !== 0;
      msg.textContent = items.length ? '' : `未找到名称含“${q}”的部门`;
      $('announce').textContent = items.length ? `找到 ${body.total ?? items.length} 个部门，按下方向键选择` : msg.textContent;
      return items;
    } catch (e) {
      if (my !== qseq) return null;
      list.hidden = true;
      msg.hidden = false;
      msg.textContent = `搜索失败：${e.message}${e.status ? `（HTTP ${e.status}）` : ''}`;
      return [];
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    qseq++;
    close();
    timer = setTimeout(search, 200);
  });
  input.addEventListener('keydown', async (e) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      const b = buttons();
      if (!list.hidden && b.length) select(b[0]);
    } else if (e.key === 'Escape') {
      close();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      let items = null;
      if (!list.hidden) items = buttons();
      if (items && items.length) { items[0].click(); return; }
      clearTimeout(timer);
      const found = await search();
      if (found && found.length === 1) choose(found[0]);
    }
  });
  list.addEventListener('keydown', (e) => {
    const b = buttons();
    const i = b.indexOf(document.activeElement);
    if (e.key === 'ArrowDown') { e.preventDefault(); if (i < b.length - 1) select(b[i + 1]); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); if (i > 0) select(b[i - 1]); else input.focus(); }
    else if (e.key === 'Home') { e.preventDefault(); select(b[0]); }
    else if (e.key === 'End') { e.preventDefault(); select(b[b.length - 1]); }
    else if (e.key === 'Escape') { e.preventDefault(); close(); input.focus(); }
  });
  $('picker').addEventListener('submit', (e) => e.preventDefault());
  document.addEventListener('click', (e) => { if (!$('picker').contains(e.target)) close(); });
  $('picker').addEventListener('focusout', (e) => {
    if (e.relatedTarget && !e.currentTarget.querySelector('.search').contains(e.relatedTarget)) close();
  });
}

/* ---------- where a figure was printed (#18) ---------- */
// A figure whose place in the published PDF is known links that PDF at its page (which works
// without this script). Here the link opens the page instead, as the image the server
// rendered at import, scrolled to the figure with its box outlined, and the PDF one link away.

const PX_PER_PT = 110 / 72; // page images are rendered at 110 dpi (ingest.h: INGEST_PAGE_DPI)

function setupSource() {
  const meta = document.querySelector('meta[name="budgetd-pages"]');
  if (!meta) return;
  const title = h('h2', { id: 'source-view-title' });
  const img = h('img', { alt: '' });
  const mark = h('div', { class: 'source-mark', 'aria-hidden': 'true' });
  const pdf = h('a', { rel: 'noopener', target: '_blank' });
  const note = h('p', { class: 'source-note', hidden: true });
  const close = h('button', { type: 'button', class: 'source-close' }, '关闭');
  const scroller = h('div', { class: 'source-page' }, h('div', { class: 'source-frame' }, img, mark));
  const dialog = h('dialog', { class: 'source-view', 'aria-labelledby': 'source-view-title' },
    h('div', { class: 'source-bar' }, title, pdf, close), note, scroller);
  document.body.append(dialog);
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('click', (e) => { if (e.target === dialog) dialog.close(); });

  // The box in the image's own pixels, as percentages of it: right at any displayed size.
  function place(box) {
    const [x0, y0, x1, y1] = box.slice(1).map((v) => v * PX_PER_PT);
    const w = img.naturalWidth, hgt = img.naturalHeight;
    const pad = 3;
    mark.style.setProperty('left', `${((x0 - pad) / w) * 100}%`);
    mark.style.setProperty('top', `${((y0 - pad) / hgt) * 100}%`);
    mark.style.setProperty('width', `${((x1 - x0 + 2 * pad) / w) * 100}%`);
    mark.style.setProperty('height', `${((y1 - y0 + 2 * pad) / hgt) * 100}%`);
    mark.hidden = false;
    const r = mark.getBoundingClientRect(), s = scroller.getBoundingClientRect();
    scroller.scrollTop += r.top - s.top - (s.height - r.height) / 2;
    scroller.scrollLeft += r.left - s.left - (s.width - r.width) / 2;
  }

  function show(a) {
    const box = a.dataset.box.split(',').map(Number);
    const page = box[0];
    // what it is: a finding's place, or the figure with the name of its row
    const row = a.closest('tr')?.querySelector('th')?.textContent.trim();
    const figure = a.closest('.finding') ? '核对发现所指之处' : `${row ? `${row} ` : ''}${a.textContent.trim()}`;
    title.textContent = `原文第 ${page} 页：${figure}`;
    pdf.textContent = `在 PDF 中打开第 ${page} 页`;
    pdf.href = a.href;
    note.hidden = true;
    mark.hidden = true;
    img.alt = `原文第 ${page} 页的图像，${figure}已框出`;
    img.onload = () => place(box);
    img.onerror = () => { note.textContent = '这一页的图像暂时无法显示，请在 PDF 中查看。'; note.hidden = false; };
    img.src = `${meta.content}${page}.png`;
    if (!dialog.open) dialog.showModal();
    if (img.complete && img.naturalWidth) place(box);
    close.focus();
  }

  document.addEventListener('click', (e) => {
    const a = e.target.closest && e.target.closest('a.src[data-box]');
    if (!a || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    show(a);
  });
}

/* ---------- start ---------- */

$('disclosure-select').addEventListener('change', (e) => {
  const [year, kind, level] = e.target.value.split('-');
  const st = readState();
  if (year && kind) navigate({ dept: shown?.dept || st.dept, year, kind, level: level === 'unit' ? 'unit' : '' });
});

// Back to a page (from the back/forward cache, or with the form state the browser restores):
// the select shows the disclosure this page is, as the server wrote it.
window.addEventListener('pageshow', () => {
  const sel = $('disclosure-select');
  const served = [...sel.options].find((o) => o.defaultSelected);
  if (served) sel.value = served.value;
});

window.addEventListener('popstate', () => {
  const st = readState();
  if (shown && sameState(st, shown)) goHash();
  else if (!shown && !st.dept) load();
  else location.reload(); // another disclosure: the server renders it
});
window.addEventListener('hashchange', () => {
  const el = $(decodeURIComponent(location.hash.slice(1)));
  if (el && el.tagName === 'DETAILS' && !el.open) el.open = true;
  if (el) markHit(el);
});

// Print everything: open all <details> before printing, restore afterwards.
window.addEventListener('beforeprint', () => {
  for (const d of document.querySelectorAll('details:not([open])')) { d.open = true; d.dataset.printOpened = ''; }
});
window.addEventListener('afterprint', () => {
  for (const d of document.querySelectorAll('details[data-print-opened]')) { d.open = false; delete d.dataset.printOpened; }
});

setupSearch();
setupSource();
// A disclosure's page (its state in <meta name="budgetd-page">) is already whole: nothing
// is rebuilt. Without a department, / is the directory; a page the server could not find
// (#error) is left as it came.
const served = document.querySelector('meta[name="budgetd-page"]');
if (served) {
  const [dept, year, kind, level] = served.content.split(' ');
  shown = { dept, year, kind, level: level === 'unit' ? 'unit' : '' };
  goHash();
  requestAnimationFrame(watchToc);
} else if (readState().dept) {
  document.body.toggleAttribute('data-directory', false);
} else {
  load();
}
