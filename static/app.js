// SPDX-License-Identifier: MIT
// budgetd front page: renders one departmental budget disclosure (部门预算/决算公开, of a
// 部门 or a 单位) from the JSON API under /api/v1. No framework; every element is built with
// the DOM API. Amounts are shown exactly as the API prints them (see parse()), each in its
// table's unit; no arithmetic on amounts (the headline totals come converted from the API).

import { add, cn, h, has, num, parse } from './dom.js';

const API = '/api/v1';
const KIND = { budget: '部门预算', final: '部门决算' };
const KIND_UNIT = { budget: '单位预算', final: '单位决算' };
/** Words that differ between a 预算 and a 决算 (决算 pages never say 预算安排 or 本年预算). */
const WORDS = {
  budget: { doc: '部门预算公开', tables: '部门预算公开表', both: '收入与支出预算总额', procurement: '政府采购预算', oc: '机关运行经费财政拨款预算' },
  final: { doc: '部门决算公开', tables: '部门决算公开表', both: '收入与支出决算总额', procurement: '政府采购支出', oc: '机关运行经费支出' },
};
/** The words of d's kind; a 单位 disclosure says 单位 where a 部门 one says 部门. */
function words(d) {
  const w = { ...(WORDS[d.kind] || WORDS.budget) };
  if (d.level === 'unit') for (const k of ['doc', 'tables']) w[k] = w[k].replace(/^部门/, '单位');
  return w;
}
/* Table types (the API's registry ids) the page reads by meaning, never by number. */
const TYPES = {
  summary: ['budget_summary', 'final_summary'],
  expenditure: ['budget_expenditure', 'final_expenditure'],
  basic: ['budget_general_basic_economic', 'final_general_basic'],
  project: ['budget_project'],
  sangong: ['budget_sangong', 'final_sangong'],
};
const SECTIONS = ['overview', 'charts', 'tables', 'projects', 'sangong', 'other-matters', 'explanations', 'audit', 'glossary'];
const $ = (id) => document.getElementById(id);

/* ---------- small helpers (and dom.js) ---------- */

/** An SVG element, as h() builds HTML ones. */
function s(tag, attrs, ...kids) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v != null) el.setAttribute(k, v);
  return add(el, kids);
}

/** A change with its sign: +80, -1.69, 0 (the API's digits, a + added to positive ones). */
function signed(v) {
  if (v == null) return '';
  const t = String(v);
  return t.startsWith('-') || /^0(\.0*)?$/.test(t) ? t : `+${t}`;
}
const percent = (v) => (v == null ? '' : `${signed(v)}%`);
const share = (v) => (v == null ? '' : `${num(v)}%`);

/** '2021-04-15' → '2021年4月15日' (text only). */
function date(d) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d || '');
  return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : (d || '');
}

function table(cls, caption, head, rows) {
  return h('table', { class: cls }, h('caption', null, caption),
    h('thead', null, h('tr', null, head.map((t) => h('th', { scope: 'col', class: t.num ? 'num' : null }, t.text ?? t)))),
    h('tbody', null, rows));
}

/* ---------- fetching ---------- */

class LoadError extends Error {
  constructor(reason, status) { super(reason); this.status = status; }
}

const REASONS = {
  400: '请求的参数有误', 404: '未找到所请求的部门或公开信息', 406: '服务器无法提供所需的数据格式',
  414: '请求地址过长', 429: '请求过于频繁', 500: '服务器读取数据时出错', 502: '网关出错',
  503: '服务暂时不可用', 504: '服务器响应超时',
};

/** Whether url may be a link: http(s) only (the store refuses others; this is for a store from elsewhere). */
function webLink(url) {
  return typeof url === 'string' && /^https?:\/\/[^\s/?#]/i.test(url);
}

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
const kindPath = (k) => (k === 'final' ? 'finals' : 'budgets');

/** The tables of a disclosure: the index says which exist and where; each is fetched by its link. */
async function tablesOf(url) {
  const idx = await api(url);
  return Promise.all((idx.items || []).map((item) => api(item.links.self)));
}

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
const levelOf = (d) => (d.level === 'unit' ? 'unit' : '');
/** The value of a disclosure in the select: 2021-budget, or 2025-budget-unit for a 单位 disclosure. */
const optionValue = (d) => `${d.year}-${d.kind}${levelOf(d) ? '-unit' : ''}`;

/** Newest first; in a year the budget before the final, the 部门 disclosure before the 单位 one. */
const newestFirst = (a, b) => Number(b.year) - Number(a.year) || (a.kind === b.kind ? 0 : a.kind === 'budget' ? -1 : 1)
  || (levelOf(a) ? 1 : 0) - (levelOf(b) ? 1 : 0);

/** The disclosure the URL asks for; without a year the latest budget, else the latest one. */
function pick(list, year, kind, level) {
  const sorted = [...list].sort(newestFirst);
  const k = KIND[kind] ? kind : '';
  const lv = (d) => levelOf(d) === (level || '');
  if (year) return sorted.find((d) => String(d.year) === year && (!k || d.kind === k) && lv(d)) || null;
  return sorted.find((d) => d.kind === (k || 'budget') && lv(d)) || sorted.find(lv) || sorted[0] || null;
}

/* ---------- loading a disclosure ---------- */

let seq = 0;
let shown = null; // the state whose data is on the page

function busy() {
  $('content').setAttribute('aria-busy', 'true');
  if (!$('status')) $('doc').replaceChildren(h('p', { id: 'status', role: 'status' }, '正在加载…'));
}

async function load(st, { scroll = true } = {}) {
  const my = ++seq;
  busy();
  try {
    const id = st.dept;
    // #15: without a department, / is the directory of every department (static/directory.js).
    document.body.toggleAttribute('data-directory', !id);
    if (!id) {
      const { showDirectory } = await import('./directory.js');
      shown = null;
      $('disclosure-title').textContent = '';
      $('dept-name').textContent = '部门预决算公开';
      $('disclosure-select').replaceChildren(h('option', { value: '' }, '年度与类型'));
      $('disclosure-select').disabled = true;
      document.title = '部门预决算公开 · budgetd';
      // #15 directory: the server rendered it into #doc; directory.js adds search and filters.
      await showDirectory({ h, api, current: () => my === seq });
      if (my !== seq) return;
      $('content').setAttribute('aria-busy', 'false');
      $('announce').textContent = '已加载：部门目录';
      return;
    }
    const deptUrl = `${API}/departments/${enc(id)}`;
    const pDept = api(deptUrl);
    pDept.then((dp) => { if (my === seq) showDept(dp); }, () => {});
    // A full URL names the disclosure: fetch it alongside the department.
    let base = st.dept && st.year && KIND[st.kind] ? `${deptUrl}/${kindPath(st.kind)}/${enc(st.year)}` : null;
    let level = st.level;
    if (!base) {
      const disc = pick((await pDept).disclosures || [], st.year, st.kind, st.level);
      if (!disc && !st.year) throw new LoadError('该部门尚未发布预算或决算公开', null);
      base = disc ? disc.links.self.split('?')[0] : `${deptUrl}/${kindPath(st.kind)}/${enc(st.year)}`;
      if (disc) level = levelOf(disc);
    }
    // The parts of a disclosure live at fixed paths under it: fetch them all at once.
    const q = level === 'unit' ? '?level=unit' : '';
    const pDoc = api(`${base}${q}`);
    const pTables = tablesOf(`${base}/tables${q}`);
    const pSangong = pDoc.then((x) => (x.links.sangong ? api(x.links.sangong) : null));
    // 核对 is an addition to the page: without it (an older server) the rest still shows.
    const pAudit = pDoc.then((x) => (x.audit?.link ? api(x.audit.link) : null)).catch(() => null);
    const [dept, d, tables, projects, sangong, audit] = await Promise.all([pDept, pDoc, pTables, api(`${base}/projects${q}`), pSangong, pAudit]);
    if (my !== seq) return;

    const now = { dept: dept.id, year: String(d.year), kind: d.kind, level: levelOf(d) };
    render(dept, d, tables, projects, sangong, audit);
    shown = now;
    $('disclosure-select').value = optionValue(d);
    if (!sameState(readState(), now)) history.replaceState(null, '', urlFor(now, location.hash));
    $('content').setAttribute('aria-busy', 'false');
    $('announce').textContent = `已加载：${dept.name} ${d.title || ''}`;
    if (!goHash() && scroll) window.scrollTo(0, 0);
    requestAnimationFrame(watchToc);
  } catch (e) {
    if (my !== seq) return;
    fail(e);
  }
}

function fail(e) {
  if (!(e instanceof LoadError)) console.warn(e); // a bug in the page, shown honestly below
  const reason = e instanceof LoadError ? e.message : '页面处理数据时出错';
  const status = e instanceof LoadError && e.status ? `（HTTP ${e.status}）` : '';
  shown = null;
  $('disclosure-title').textContent = '';
  $('doc').replaceChildren(
    h('p', { id: 'error', role: 'alert' }, `无法加载预算数据：${reason}${status}。请稍后重试。`),
    h('p', null, h('a', { href: '/' }, '返回首页'), '　或直接查看 ', h('a', { href: `${API}/departments` }, '开放数据接口（JSON）'), '。'),
  );
  document.title = '无法加载 · 部门预决算公开';
  $('content').setAttribute('aria-busy', 'false');
}

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

/* ---------- header: department name and disclosure select ---------- */

function showDept(dept) {
  $('dept-name').textContent = dept.name;
  const sel = $('disclosure-select');
  const list = [...(dept.disclosures || [])].sort(newestFirst);
  sel.replaceChildren(...list.map((d) => h('option', { value: optionValue(d) },
    `${d.year}年 ${(levelOf(d) ? KIND_UNIT : KIND)[d.kind] || d.kind}`)));
  sel.disabled = list.length === 0;
}

/* ---------- rendering ---------- */

function section(id, title, ...kids) {
  return h('section', { id, class: 'doc-section', 'aria-labelledby': `${id}-h` }, h('h2', { id: `${id}-h` }, title), kids);
}

/** The first table of one of types (TYPES.summary...), or undefined. */
function ofType(tables, types) {
  for (const ty of types) {
    const t = tables.find((x) => x.type === ty);
    if (t) return t;
  }
  return undefined;
}

const posOf = (t) => Number(t.position ?? t.number);
/** 表三 for the table at position 3 ('' without a table). */
const tableName = (t) => (t ? `表${cn(posOf(t))}` : '');

function render(dept, d, tables, projects, sangong, audit) {
  const w = words(d);
  const unitLevel = levelOf(d) === 'unit';
  $('disclosure-title').textContent = d.title || `${d.year}年${(unitLevel ? KIND_UNIT : KIND)[d.kind] || ''}公开`;
  $('dept-name').textContent = d.department?.name || dept.name;
  document.title = `${d.department?.short_name || dept.name} ${d.title || ''} · ${w.doc}`;
  renderToc(tables);
  const terms = (d.glossary || []).map((g) => g.term);
  const units = [...new Set(tables.map((t) => t.unit).filter(Boolean))];
  $('doc').replaceChildren(
    renderMeta(d, projects, units),
    renderAuditSummary(audit),
    renderOverview(d, tables, sangong),
    renderCharts(d, tables, sangong),
    section('tables', w.tables,
      h('p', { class: 'lede' }, `以下${cn(tables.length)}张表与公开文件中的表格逐格对应，金额单位以各表标注为准（${units.join('、') || d.unit}）；空白单元格表示原表未填数字。每张表可下载 CSV（可用 Excel 打开）或 JSON。`),
      tables.map(renderTable)),
    renderProjects(d, projects, ofType(tables, TYPES.project)),
    renderSangong(d, sangong, ofType(tables, TYPES.sangong)),
    renderOther(d),
    renderExplanations(d.explanations || [], terms, d.unit),
    renderAudit(audit, d, tables),
    renderGlossary(d.glossary || []),
  );
  markQuotes();
}

/** The contents' table links: one per published table, by position. */
function renderToc(tables) {
  const li = document.querySelector('.toc-tables');
  if (!li) return;
  const ol = h('ol', null, tables.map((t) => h('li', null, h('a', { href: `#table-${posOf(t)}` }, tableName(t)))));
  const old = li.querySelector('ol');
  if (old) old.replaceWith(ol);
  else li.append(ol);
}

function renderMeta(d, projects, units) {
  const src = d.source || {};
  const other = units.filter((u) => u !== d.unit);
  return h('div', null,
    h('p', { class: 'meta' },
      d.published ? h('span', null, `发布日期：${date(d.published)}`) : null,
      h('span', null, other.length ? `金额单位：表格为${units.join('、')}，文字部分为${d.unit}` : `金额单位：${d.unit || units[0] || ''}`),
      h('span', null, '数据：', h('a', { href: d.links.self }, 'JSON'), '，项目清单 ', h('a', { href: projects.links.csv || `${projects.links.self}?format=csv` }, 'CSV'))),
    sourceNote(src));
}

/* The source note, for readers: where the figures come from, collapsed until asked for. */

/** The transcriber's words for the page's own ones; a sentence still naming a field is left out. */
const NOTE_WORDS = [
  [/(表[一二三四五六七八九])的unplaced_note/g, '$1下方“未定栏目”的说明'], [/列入unplaced/g, '列入“未定栏目”'], [/unplaced/g, '“未定栏目”'],
  [/记为withheld-(\d+)至withheld-(\d+)/g, '依次列为第$1至第$2个不予公开的项目'],
  [/见projects/g, '见“项目支出”部分'], [/以staffing数据记录/g, '以“人员情况”表列出'],
];
function plainWords(notes) {
  let text = String(notes);
  for (const [re, to] of NOTE_WORDS) text = text.replace(re, to);
  return text;
}
function readerNotes(notes) {
  const text = plainWords(notes);
  return (text.match(/[^。]+。?/g) || []).filter((x) => !/[A-Za-z]/.test(x.replace(/PDF/g, ''))).join('');
}

function sourceNote(src) {
  if (!src.document && !src.notes) return null;
  const pages = has(src.pages) ? `共 ${src.pages} 页` : '';
  const link = webLink(src.url) ? h('a', { href: src.url, rel: 'noopener' }, '原文') : null;
  const notes = src.notes ? readerNotes(src.notes) : '';
  return h('details', { class: 'source' }, h('summary', null, '数据从哪里来'),
    h('p', null, `来源：${src.document ? `《${src.document}》` : '部门公开的文件'}`,
      pages || link ? ['（', pages, pages && link ? '，' : '', link, '）'] : null, '。'),
    h('p', null, '本页的数字和文字都取自这份公开文件：表格逐格、文字逐句照录，原文的笔误和合计不符之处也原样保留，没有改正或推算；原表空白的格子在本页也留空。'),
    notes ? h('p', null, `整理时的处理：${notes}`) : null);
}

/** The 三公 total to show as a headline: this year's budget, or a 决算's final figure. */
const sangongTotal = (sg) => (sg ? (has(sg.final) ? sg.final : sg.amount) : null);

function renderOverview(d, tables, sangong) {
  const o = d.overview || {};
  const t = d.totals || {};
  const w = words(d);
  const sum = tableName(ofType(tables, TYPES.summary));
  const exp = tableName(ofType(tables, TYPES.expenditure));
  const from = (t.converted_from || []).filter(Boolean);
  const kpis = [];
  if (has(t.revenue) && String(t.revenue) === String(t.expenditure)) kpis.push(['收支总计', t.revenue, 'revenue', sum ? `${w.both}（${sum}）` : w.both]);
  else kpis.push(['收入总计', t.revenue, 'revenue', sum], ['支出总计', t.expenditure, 'expenditure', sum]);
  kpis.push(['基本支出', t.basic, 'basic', `保障机构运转的人员经费和公用经费${exp ? `（${exp}）` : ''}`],
    ['项目支出', t.project, 'project', `为完成特定任务安排的支出${exp ? `（${exp}）` : ''}`]);
  const kunit = t.unit || '万元';
  const cards = kpis.filter((k) => has(k[1])).map(([label, v, key, note]) => [label, v, key, note, kunit]);
  if (sangong && has(sangongTotal(sangong))) cards.push(['“三公”经费', sangongTotal(sangong), 'sangong', has(sangong.final) ? '决算数' : '因公出国（境）、公务用车、公务接待', sangong.unit || d.unit]);
  const staffing = o.staffing || [];
  const org = o.organization;
  return section('overview', '概况',
    cards.length ? h('p', { class: 'kpi-head' }, `单位：${kunit}`,
      from.length ? `（公开表以${from.join('、')}为单位，此处按原数移动小数点换算为${kunit}，未作四舍五入）` : '') : null,
    h('dl', { class: 'kpis' }, cards.map(([label, v, key, note, unit]) => h('div', { class: `kpi kpi-${key}` },
      h('dt', null, label),
      h('dd', null, h('span', { class: 'kpi-num', 'data-total': key }, num(v)), h('span', { class: 'kpi-unit' }, unit), note ? h('span', { class: 'kpi-note' }, note) : null)))),
    h('div', { class: 'grid2' },
      h('div', null,
        o.functions?.length ? [h('h3', null, '主要职能'), h('ol', { class: 'functions' }, o.functions.map((f) => h('li', null, f)))] : null),
      h('div', null,
        org ? [h('h3', null, '机构设置'), org.text ? h('p', null, org.text) : null,
          org.internal_units?.length ? h('ul', { class: 'units', 'aria-label': '内设机构' }, org.internal_units.map((u) => h('li', null, u))) : null,
          orgUnits(org)] : null,
        staffing.length ? [h('h3', null, '人员情况'), staffTable(staffing)] : null)));
}

/** 单位构成: the units the disclosure covers, as listed (nothing when not published). */
function orgUnits(org) {
  const list = org.units || [];
  if (!list.length) return null;
  return [h('h3', null, '单位构成'),
    h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': '单位构成' },
      table('data units-table', '单位构成', ['单位名称', '单位性质', '备注'],
        list.map((u) => h('tr', null, h('th', { scope: 'row' }, u.name ?? ''), h('td', null, u.type ?? ''), h('td', null, u.note ?? '')))))];
}

function staffTable(rows) {
  const sub = new Set(['serving', 'retired', 'lixiu']);
  return h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': '人员情况' },
    table('data', '人员情况（单位：人）', ['类别', { text: '人数', num: true }, { text: '比上年增减', num: true }],
      rows.map((r) => h('tr', { class: sub.has(r.category) ? 'sub' : null },
        h('th', { scope: 'row' }, r.label), h('td', { class: 'num' }, num(r.count)), h('td', { class: 'num' }, signed(r.change))))));
}

/* Charts: horizontal bars in hand-written SVG, sized in % so they fit any width. */

function chart(id, title, note, items, colour, unit = '万元') {
  const rows = items.filter((i) => has(i.value));
  const max = Math.max(0, ...rows.map((i) => parseFloat(i.value) || 0));
  const ROW = 46;
  const height = rows.length * ROW + 4;
  const desc = rows.map((i) => `${i.label}：${i.value}${unit}`).join('；');
  const svg = s('svg', { role: 'img', 'aria-labelledby': `${id}-title ${id}-desc`, width: '100%', height, class: 'bars' },
    s('title', { id: `${id}-title` }, `${title}（单位：${unit}）`),
    s('desc', { id: `${id}-desc` }, desc || '无数据'),
    rows.map((i, n) => {
      const v = parseFloat(i.value) || 0;
      const w = max > 0 ? Math.max((v / max) * 70, v > 0 ? 0.5 : 0) : 0;
      const y = n * ROW;
      return s('g', { class: 'bar', tabindex: '0' },
        s('title', null, `${i.label}：${i.value}${unit}`),
        s('rect', { class: 'hit', x: '0', y: y + 1, width: '100%', height: ROW - 4, rx: '3' }),
        s('text', { class: 'lbl', x: '4', y: y + 16 }, i.label),
        s('rect', { class: `fill-${i.colour || colour}`, x: '4', y: y + 22, width: `${w}%`, height: '15', rx: '2' }),
        s('text', { class: 'val', x: `${w}%`, dx: '10', y: y + 34 }, num(i.value)));
    }),
    s('line', { class: 'axis', x1: '4', x2: '4', y1: '20', y2: height - 6 }));
  return h('figure', { class: 'chart', id }, h('figcaption', null, title, h('small', null, note)), svg);
}

function classRows(t) {
  return t ? t.rows.filter((r) => Number(r.level) === 1 && r.codes && r.codes.length === 1) : [];
}

/**
 * The column a chart reads from a table: its total (key total), else a 决算's final figure
 * (total_final, or the first column whose measure is final), else its first column.
 */
function figureColumn(t) {
  const cols = t?.columns || [];
  return cols.find((c) => c.key === 'total')
    || cols.find((c) => c.measure === 'final' && c.key.startsWith('total'))
    || cols.find((c) => c.measure === 'final')
    || cols[0];
}

/** A row's figure in col; in a table printed in halves (人员经费 | 公用经费) the row's figure of the same measure. */
function rowFigure(t, r, col) {
  const a = r.amounts || {};
  if (!col) return undefined;
  if (has(a[col.key])) return a[col.key];
  const same = (t.columns || []).find((c) => c.measure === col.measure && c.measure && has(a[c.key]));
  return same ? a[same.key] : undefined;
}

function classChart(id, title, what, t, colour) {
  const col = figureColumn(t);
  const items = classRows(t).map((r) => ({ label: `${r.code} ${r.name ?? ''}`.trim(), value: rowFigure(t, r, col) }));
  const note = t ? `按${what}“类”级科目，取自${tableName(t)}“${col?.title ?? ''}”栏；单位：${t.unit}` : '本公开未包含此表';
  return chart(id, title, note, items, colour, t?.unit || '万元');
}

function renderCharts(d, tables, sangong) {
  const t = d.totals || {};
  const exp = ofType(tables, TYPES.expenditure);
  const final = sangong && sangong.items.some((i) => has(i.final));
  const sgTable = ofType(tables, TYPES.sangong);
  return section('charts', '图解',
    h('div', { class: 'charts' },
      classChart('chart-function', '支出功能分类', '功能分类', exp, 1),
      chart('chart-basic-project', '基本支出与项目支出', `取自${tableName(exp) || '支出表'}合计行；单位：${t.unit || '万元'}`,
        [{ label: '基本支出', value: t.basic, colour: 2 }, { label: '项目支出', value: t.project, colour: 3 }], 2, t.unit || '万元'),
      classChart('chart-economic', '基本支出经济分类', '经济分类', ofType(tables, TYPES.basic), 2),
      chart('chart-sangong', '“三公”经费',
        sangong ? `${final ? '决算数' : '本年预算数'}，取自“三公”经费说明${sgTable ? `及${tableName(sgTable)}` : ''}；单位：${sangong.unit || d.unit}` : noSangong(sgTable),
        sangong ? sangong.items.map((i) => ({ label: i.label, value: final ? i.final : i.amount })) : [], 4, sangong?.unit || d.unit)));
}

/* The tables, laid out as published, each with its own headers and unit. */

const CODE_HEADS = ['类', '款', '项'];

/**
 * The header rows of a table as printed: each column's header levels (its group, split at
 * "/", then its title) stacked, the same group over neighbouring columns merged into one
 * cell, and a title reaching down to the last row.
 */
function tableHead(t, cols, depth, nameHead, extra) {
  const paths = cols.map((c) => [...(c.group ? String(c.group).split('/') : []), c.title ?? '']);
  const levels = Math.max(depth > 1 ? 2 : 1, ...paths.map((p) => p.length));
  const rows = Array.from({ length: levels }, () => []);
  const span = (n) => (n > 1 ? String(n) : null);
  if (depth > 1) {
    rows[0].push(h('th', { scope: 'col', class: 'pin pin-0', colspan: String(depth), rowspan: span(levels - 1) }, '科目编码'));
    for (let i = 0; i < depth; i++) rows[levels - 1].push(h('th', { scope: 'col', class: `pin pin-${i}` }, CODE_HEADS[i]));
  } else if (depth === 1) rows[0].push(h('th', { scope: 'col', class: 'pin pin-0', rowspan: span(levels) }, '科目编码'));
  rows[0].push(h('th', { scope: 'col', class: `pin pin-${depth} pin-last`, rowspan: span(levels) }, nameHead));
  if (extra.project) rows[0].push(h('th', { scope: 'col', rowspan: span(levels) }, '项目名称'));
  const prefix = (p, r) => p.slice(0, r + 1).join('\u0000');
  for (let r = 0; r < levels; r++) {
    for (let i = 0; i < cols.length;) {
      const p = paths[i];
      if (r >= p.length) { i++; continue; }
      if (r === p.length - 1) {
        rows[r].push(h('th', { scope: 'col', class: 'num', rowspan: span(levels - r) }, p[r]));
        i++;
        continue;
      }
      let j = i + 1;
      while (j < cols.length && paths[j].length - 1 > r && prefix(paths[j], r) === prefix(p, r)) j++;
      rows[r].push(h('th', { scope: 'col', colspan: span(j - i) }, p[r]));
      i = j;
    }
  }
  if (extra.unplaced) rows[0].push(h('th', { scope: 'col', rowspan: span(levels) }, '未定栏目＊'));
  return h('thead', null, rows.map((cells) => h('tr', null, cells)));
}

function tableBody(t, rows, cols, depth, extra) {
  const deep = rows.some((r) => Number(r.level) > 1);
  const n = posOf(t);
  return h('tbody', null, rows.map((r) => {
    const index = extra.index.get(r);
    const lvl = deep ? Number(r.level) || 0 : 0;
    const codes = r.codes || [];
    const blank = r.kind !== 'total' && !Object.keys(r.amounts || {}).length && !(r.unplaced || []).length;
    const cls = [r.kind === 'total' ? 'total' : 'item', `lvl-${lvl}`, blank ? 'blank' : ''].join(' ').trim();
    const cells = [];
    for (let i = 0; i < depth; i++) cells.push(h('td', { class: `code pin pin-${i}` }, codes.length - 1 === i ? codes[i] : ''));
    cells.push(h('th', { scope: 'row', class: `pin pin-${depth} pin-last` }, r.name ?? (r.kind === 'total' ? '合计' : '')));
    if (extra.project) {
      cells.push(h('td', { class: 'pname' }, !r.project ? '' : r.project_name
        ? h('a', { href: `#project-${r.project}` }, r.project_name)
        : h('a', { href: `#project-${r.project}` }, '不予公开')));
    }
    for (const c of cols) cells.push(h('td', { class: 'num', 'data-col': c.key }, num(r.amounts?.[c.key])));
    if (extra.unplaced) cells.push(h('td', { class: 'num unplaced', 'data-col': 'unplaced' }, (r.unplaced || []).map(String).join('；')));
    return h('tr', { class: cls, id: `table-${n}-row-${index}`, 'data-row-index': String(index) }, cells);
  }));
}

function oneTable(t, label, rows, cols, side, extra) {
  const depth = Math.max(0, ...rows.map((r) => (r.codes ? r.codes.length : 0)));
  const nameHead = side || !t.classification ? '项目' : '科目名称';
  const sideName = side === 'income' ? '收入' : side === 'expenditure' ? '支出' : '';
  // The code columns are pinned at fixed widths (style.css): wider when a code is over 3 digits.
  const long = rows.some((r) => (r.codes || []).some((c) => String(c).length > 3));
  return h('table', { class: `official depth-${depth}${long ? ' codes-long' : ''}` },
    h('caption', null, sideName ? h('span', { class: 'cap-side' }, sideName) : null,
      h('span', { class: 'sr-only' }, label, sideName ? `（${sideName}）` : ''), `（单位：${t.unit || '万元'}）`),
    tableHead(t, cols, depth, nameHead, extra),
    tableBody(t, rows, cols, depth, extra));
}

function renderTable(t) {
  const n = posOf(t);
  const label = `表${cn(n)} ${t.title}`;
  const rows = t.rows || [];
  const cols = t.columns || [];
  const extra = {
    index: new Map(rows.map((r, i) => [r, i])), // a row's index in t.rows, whichever side it is on
    project: rows.some((r) => r.project),
    unplaced: rows.some((r) => r.unplaced && r.unplaced.length) || !!t.unplaced_note,
  };
  const twoSided = cols.some((c) => c.side);
  const scroll = h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': label });
  if (twoSided) {
    const part = (side) => oneTable(t, label, rows.filter((r) => r.side === side), cols.filter((c) => c.side === side), side, extra);
    scroll.append(h('div', { class: 'sides' }, part('income'), part('expenditure')));
  } else {
    scroll.append(oneTable(t, label, rows, cols, null, extra));
  }
  // A table of over six figure columns is too wide for a portrait A4 page: it prints
  // on a landscape page (style.css, @page wide).
  const wide = cols.length > 6;
  return h('section', { id: `table-${n}`, class: wide ? 'dtable wide' : 'dtable', 'aria-labelledby': `table-${n}-h`, 'data-type': t.type, 'data-unit': t.unit },
    h('div', { class: 'table-head' },
      h('h3', { id: `table-${n}-h` }, label),
      h('p', { class: 'downloads' },
        h('a', { class: 'download-csv', href: `${t.links.self}?format=csv`, download: '' }, '下载 CSV'),
        h('a', { class: 'download-json', href: t.links.self, type: 'application/json' }, 'JSON'))),
    scroll,
    !rows.length ? [t.note ? h('p', { class: 'table-note' }, t.note) : null, h('p', { class: 'table-empty' }, '本表为空表：没有需要填列的数字。')]
      : t.note ? h('p', { class: 'table-note' }, t.note) : null,
    t.unplaced_note ? h('p', { class: 'table-footnote' }, `＊未定栏目：${plainWords(t.unplaced_note)}`) : null);
}

/* Projects, with 资金分配 and the full 绩效目标表. */

/** An amount with its unit ('' when not published, so that no lone unit is shown). */
const amountIn = (v, unit) => (has(v) ? [h('b', null, num(v)), ` ${unit}`] : '');

function renderProjects(d, p, tp) {
  const items = p.items || [];
  const named = items.filter((x) => !x.withheld);
  const w = p.withheld;
  const unit = p.unit || d.unit;
  const col = figureColumn(tp);
  const total = tp && col && (tp.totals || []).find((r) => has(r.amounts?.[col.key]));
  if (!items.length) return section('projects', '项目支出', h('p', null, '本公开未包含项目明细。'));
  return section('projects', '项目支出',
    h('p', null, d.kind === 'final' ? `本公开列出项目 ${items.length} 个` : `本年度共安排项目 ${items.length} 个`,
      total ? `，项目支出合计 ${num(total.amounts[col.key])} ${tp.unit}（见${tableName(tp)}）` : '',
      `。其中 ${named.length} 个项目公开了政策依据、资金分配和绩效目标，点击项目名称可展开。`),
    w && Number(w.count) > 0 ? h('p', { class: 'withheld-summary' },
      h('strong', null, `${w.count} 个项目共 ${num(w.amount)} ${unit}不予公开`),
      `。依据${w.legal_source || '相关规定'}${w.basis ? `：“${w.basis}”` : ''}。`) : null,
    h('ol', { class: 'projects' }, items.map((x) => (x.withheld ? withheldItem(x, w, unit) : h('li', null, projectDetails(x, unit))))));
}

function withheldItem(x, w, unit) {
  return h('li', { class: 'project withheld', id: `project-${x.id}` },
    h('span', { class: 'p-name' }, h('span', { class: 'tag' }, '不予公开'), '项目名称及明细未公开'),
    h('span', { class: 'p-amt' }, amountIn(x.amount, unit)),
    h('p', { class: 'basis' }, `依据：${x.legal_basis || w?.legal_source || '未说明'}`, x.code ? `；科目编码 ${x.code}` : ''));
}

function projectDetails(x, unit) {
  const perf = x.performance;
  const alloc = x.allocation;
  const facts = [
    ['科目编码', x.code],
    ['项目表所列名称', x.table_name && x.table_name !== x.name ? x.table_name : null],
    ['项目承担单位', x.executing_unit],
    ['资金执行时间', x.period],
    ['设立的政策依据', x.policy_basis],
  ].filter(([, v]) => has(v));
  const econ = Object.entries(x.economic || {});
  return h('details', { id: `project-${x.id}`, class: 'project' },
    h('summary', null, h('span', { class: 'p-name' }, x.name ?? ''), h('span', { class: 'p-amt' }, amountIn(x.amount, unit))),
    h('div', { class: 'p-body' },
      h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
      econ.length ? h('p', null, `经济分类：${econ.map(([k, v]) => `${k} ${num(v)}${unit}`).join('；')}`) : null,
      has(x.self_evaluation) ? h('p', null, `绩效自评得分：${num(x.self_evaluation)}`) : null,
      alloc ? [h('h3', null, '资金分配情况'), alloc.text ? h('p', null, alloc.text) : null,
        alloc.items?.length ? h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': `${x.name} 资金分配` },
          table('data', `${x.name} 资金分配（单位：${unit}）`, ['明细', { text: '金额', num: true }],
            alloc.items.map((i) => h('tr', null, h('th', { scope: 'row' }, i.item), h('td', { class: 'num', 'data-col': 'amount' }, num(i.amount)))))) : null] : null,
      perf ? [h('h3', null, '绩效目标表'), perfFunding(perf, unit),
        perf.objective ? h('dl', { class: 'facts' }, h('dt', null, '年度绩效目标'), h('dd', null, perf.objective)) : null,
        indicatorTable(x.name, perf.indicators || [])] : null));
}

function perfFunding(perf, unit) {
  const f = [['资金总额', perf.funding_total], ['其中：财政拨款', perf.funding_fiscal], ['其他资金', perf.funding_other]];
  return h('p', { class: 'funding' }, f.map(([k, v]) => h('span', null, `${k} `, h('b', null, has(v) ? num(v) : '—'), has(v) ? ` ${unit}` : '')));
}

function indicatorTable(name, list) {
  const span = (i, key) => {
    let j = i;
    while (j < list.length && key(list[j]) === key(list[i])) j++;
    return j - i;
  };
  const k1 = (x) => x.level1;
  const k2 = (x) => `${x.level1}\u0000${x.level2}`;
  const rows = list.map((x, i) => {
    const cells = [];
    if (i === 0 || k1(list[i - 1]) !== k1(x)) cells.push(h('th', { scope: 'row', rowspan: String(span(i, k1)) }, x.level1 ?? ''));
    if (i === 0 || k2(list[i - 1]) !== k2(x)) cells.push(h('th', { scope: 'row', rowspan: String(span(i, k2)) }, x.level2 ?? ''));
    cells.push(h('th', { scope: 'row', class: 'ind' }, x.name ?? ''), h('td', { class: 'val' }, x.value ?? ''));
    return h('tr', null, cells);
  });
  return h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': `${name} 绩效目标表` },
    table('data indicators', `${name} 绩效目标表`, ['一级指标', '二级指标', '三级指标', '指标值'], rows));
}

/* 三公 */

/* When there are no 三公 figures: a disclosure without the table says so; one whose table
 * prints no figures (a 决算 with none spent) says that, with the table's own note. */
function noSangong(sgTable) {
  if (!sgTable) return '本公开未包含“三公”经费数据';
  return `${tableName(sgTable)}${sgTable.title}未列出数字${sgTable.note ? `；原表说明：${sgTable.note.replace(/\s*\n\s*/g, ' ').replace(/[。.]\s*$/, '')}` : ''}`;
}

function renderSangong(d, sg, sgTable) {
  if (!sg) return section('sangong', '“三公”经费', h('p', null, `${noSangong(sgTable)}。`));
  const unit = sg.unit || d.unit;
  const link = sgTable ? ['分项数字另见', h('a', { href: `#table-${posOf(sgTable)}` }, tableName(sgTable)), '。'] : null;
  // A 决算 prints budget and final side by side: 预算数, 决算数 and the completion rate.
  const final = has(sg.final) || sg.items.some((i) => has(i.final) || has(i.budget));
  const intro = h('p', null, '“三公”经费指用一般公共预算财政拨款安排的因公出国（境）费、公务用车购置及运行费和公务接待费。');
  const box = (caption, head, rows) => h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': '“三公”经费' },
    table('data sangong', caption, head, rows));
  if (final) {
    const row = (label, x, cls) => h('tr', { class: cls },
      h('th', { scope: 'row' }, label),
      h('td', { class: 'num', 'data-col': 'budget' }, num(x.budget)),
      h('td', { class: 'num', 'data-col': 'final' }, num(x.final)),
      h('td', { class: 'num', 'data-col': 'completion' }, share(x.completion)),
      h('td', { class: 'reason' }, x.reason ?? ''));
    return section('sangong', '“三公”经费', intro,
      box(`“三公”经费预算数与决算数（单位：${unit}）`,
        ['项目', { text: '预算数', num: true }, { text: '决算数', num: true }, { text: '完成率', num: true }, '说明'],
        [sg.items.map((i) => row(i.label, i, `item${i.key === 'vehicle_purchase' || i.key === 'vehicle_operation' ? ' sub' : ''}`)), row('合计', sg, 'total')]),
      h('p', { class: 'table-footnote' }, '完成率为决算数占预算数的百分比，由接口按原文数字计算并四舍五入到0.01%（预算数为零时不计算）。', link));
  }
  const row = (label, x, cls) => h('tr', { class: cls },
    h('th', { scope: 'row' }, label),
    h('td', { class: 'num', 'data-col': 'amount' }, num(x.amount)),
    h('td', { class: 'num', 'data-col': 'prior_year' }, num(x.prior_year)),
    h('td', { class: 'num', 'data-col': 'change' }, signed(x.change)),
    h('td', { class: 'reason' }, x.reason ?? ''));
  return section('sangong', '“三公”经费', intro,
    box(`“三公”经费预算与上年比较（单位：${unit}）`,
      ['项目', { text: '本年预算', num: true }, { text: '上年预算', num: true }, { text: '比上年增减', num: true }, '增减原因'],
      [sg.items.map((i) => row(i.label, i, 'item')), row('合计', sg, 'total')]),
    h('p', { class: 'table-footnote' }, '上年预算数由接口按原文的本年预算数与增减额计算得出（原文未直接列出上年数）。', link));
}

/* 其他重要事项 */

/** 机关运行经费: a budget's amount and change, or a 决算's budget and final side by side. */
function ocTable(oc, caption) {
  const label = h('th', { scope: 'row' }, '机关运行经费');
  if (has(oc.final) || has(oc.budget)) {
    return table('data', caption, ['项目', { text: '预算数', num: true }, { text: '决算数', num: true }, '主要原因'],
      h('tr', null, label, h('td', { class: 'num' }, num(oc.budget)), h('td', { class: 'num' }, num(oc.final)), h('td', { class: 'reason' }, oc.reason ?? '')));
  }
  return table('data', caption, ['项目', { text: '金额', num: true }, { text: '比上年增减', num: true }, { text: '增减幅度', num: true }, '主要原因'],
    h('tr', null, label, h('td', { class: 'num' }, num(oc.amount)),
      h('td', { class: 'num' }, signed(oc.change)), h('td', { class: 'num' }, percent(oc.change_percent)), h('td', { class: 'reason' }, oc.reason ?? '')));
}

/** 机关运行经费's scope, from the counts that are published (nothing when none is). */
function ocScope(oc) {
  const parts = [];
  if (has(oc.administrative_units)) parts.push(`${num(oc.administrative_units)} 家行政单位`);
  if (has(oc.institutional_units)) parts.push(`${num(oc.institutional_units)} 家事业单位`);
  return parts.length ? h('p', { class: 'table-footnote' }, `范围：本级及下属 ${parts.join('、')}。`) : null;
}

/** A budget's planned purchases (预算安排); a 决算 plans nothing, and nothing unpublished is shown. */
function planned(d, as) {
  if (d.kind === 'final') return null;
  const parts = [];
  if (has(as.planned_vehicle_purchase)) parts.push(`购置车辆经费 ${num(as.planned_vehicle_purchase)} ${d.unit}`);
  if (has(as.planned_equipment_over_50)) parts.push(`购置单位价值50万元以上大型设备 ${num(as.planned_equipment_over_50)} 台（套）`);
  if (has(as.planned_equipment_over_100)) parts.push(`100万元以上大型设备 ${num(as.planned_equipment_over_100)} 台（套）`);
  return parts.length ? h('p', null, `${d.year}年预算安排：${parts.join('；')}。`) : null;
}

function renderOther(d) {
  const oc = d.operating_costs;
  const pr = d.procurement;
  const as = d.assets;
  const pf = d.performance;
  const none = h('p', null, '本公开未包含此项。');
  const w = words(d);
  const final = d.kind === 'final';
  const money = (rows) => rows.map(([label, v, cls]) => h('tr', { class: cls || null }, h('th', { scope: 'row' }, label), h('td', { class: 'num' }, num(v))));
  const box = (label, tbl) => h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': label }, tbl);
  return section('other-matters', '其他重要事项',
    h('div', { class: 'block', id: 'operating-costs' }, h('h3', null, '机关运行经费'),
      oc ? [box('机关运行经费', ocTable(oc, `${w.oc}（单位：${oc.unit || d.unit}）`)),
      ocScope(oc)] : none),
    h('div', { class: 'block', id: 'procurement' }, h('h3', null, '政府采购'),
      pr ? box('政府采购', table('data', `${w.procurement}（单位：${d.unit}）`, ['项目', { text: '金额', num: true }], money([
        [final ? '政府采购支出总额' : '政府采购预算', pr.amount, 'total'], ['货物', pr.goods, 'sub'], ['工程', pr.works, 'sub'], ['服务', pr.services, 'sub'],
        ['面向中小企业预留', pr.sme_reserved], ['其中：面向小微企业预留', pr.small_micro_reserved, 'sub']]))) : none),
    h('div', { class: 'block', id: 'assets' }, h('h3', null, '国有资产占用'),
      as ? [box('国有资产占用', table('data', `国有资产占用情况（截至${date(as.as_of)}）`,
        ['资产', { text: '数量', num: true }, { text: `价值（${d.unit}）`, num: true }], [
          h('tr', null, h('th', { scope: 'row' }, '房屋'), h('td', { class: 'num' }, has(as.building_area) ? `${num(as.building_area)} 平方米` : ''), h('td', { class: 'num' }, num(as.building_value))),
          (as.vehicles || []).map((v) => h('tr', { class: v.kind === 'total' ? null : 'sub' }, h('th', { scope: 'row' }, v.label),
            h('td', { class: 'num' }, has(v.count) ? `${num(v.count)} 辆` : ''), h('td', { class: 'num' }, num(v.value)))),
          h('tr', null, h('th', { scope: 'row' }, '办公家具'), h('td', { class: 'num' }), h('td', { class: 'num' }, num(as.furniture_value))),
          h('tr', null, h('th', { scope: 'row' }, '其他资产'), h('td', { class: 'num' }), h('td', { class: 'num' }, num(as.other_value))),
          h('tr', null, h('th', { scope: 'row' }, '单位价值50万元以上大型设备'), h('td', { class: 'num' }, has(as.equipment_over_50) ? `${num(as.equipment_over_50)} 台（套）` : ''), h('td', { class: 'num' })),
          h('tr', null, h('th', { scope: 'row' }, '单位价值100万元以上大型设备'), h('td', { class: 'num' }, has(as.equipment_over_100) ? `${num(as.equipment_over_100)} 台（套）` : ''), h('td', { class: 'num' })),
        ])),
      planned(d, as)] : none),
    h('div', { class: 'block', id: 'performance' }, h('h3', null, '预算绩效'),
      pf ? [box('预算绩效', table('data', '实行绩效管理的项目', ['项目', { text: '数值', num: true }], [
        h('tr', null, h('th', { scope: 'row' }, '一般公共预算项目数'), h('td', { class: 'num' }, has(pf.project_count) ? `${num(pf.project_count)} 个` : '')),
        h('tr', null, h('th', { scope: 'row' }, final ? '涉及金额' : '涉及预算金额'), h('td', { class: 'num' }, has(pf.amount) ? `${num(pf.amount)} ${d.unit}` : ''))])),
      h('p', null, '各项目的绩效目标表见', h('a', { href: '#projects' }, '项目支出'), '（点击项目名称展开）。')] : none));
}

/* 情况说明, with glossary terms linked. */

function linkTerms(text, terms) {
  const hits = [];
  terms.forEach((t, i) => {
    if (!t) return;
    for (let p = text.indexOf(t); p >= 0; p = text.indexOf(t, p + 1)) hits.push({ p, e: p + t.length, i });
  });
  hits.sort((a, b) => a.p - b.p || b.e - a.e);
  const out = [];
  const used = new Set();
  let pos = 0;
  for (const x of hits) {
    if (x.p < pos || used.has(x.i)) continue;
    used.add(x.i);
    out.push(text.slice(pos, x.p), h('a', { class: 'term', href: `#term-${x.i + 1}` }, text.slice(x.p, x.e)));
    pos = x.e;
  }
  out.push(text.slice(pos));
  return out;
}

/** 一、标题 for a numbered section, （一）标题 for a sub-section, the title alone without a number. */
function expHead(e) {
  if (!has(e.number)) return e.title ?? '';
  return String(e.number).startsWith('（') ? `${e.number}${e.title ?? ''}` : `${e.number}、${e.title ?? ''}`;
}

function figuresTable(e, unit) {
  const f = e.figures || [];
  if (!f.length) return null;
  const cols = [
    [`金额（${unit}）`, (x) => num(x.amount), true], ['占比', (x) => share(x.share), true], ['比上年增减', (x) => signed(x.change), true],
    ['增减幅度', (x) => percent(x.change_percent), true], ['原因', (x) => x.reason ?? '', false], ['说明', (x) => x.detail ?? '', false],
  ].filter(([, get]) => f.some((x) => get(x) !== ''));
  return h('details', { class: 'figs' }, h('summary', null, `本节数字（${f.length} 项）`),
    h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': `${expHead(e)} 本节数字` },
      table('data', `${expHead(e)} 中的数字`, ['项目', ...cols.map(([t, , n]) => ({ text: t, num: n }))],
        f.map((x) => h('tr', null, h('th', { scope: 'row' }, x.code ? `${x.label}（${x.code}）` : x.label),
          cols.map(([, get, n]) => h('td', { class: n ? 'num' : 'reason' }, get(x))))))));
}

function renderExplanations(list, terms, unit) {
  return section('explanations', '情况说明',
    h('div', { class: 'exp' }, list.map((e) => {
      const sub = String(e.number || '').startsWith('（');
      return [h(sub ? 'h4' : 'h3', { id: `exp-${e.key}` }, expHead(e)),
        (e.paragraphs || []).map((p) => h('p', null, linkTerms(p, terms))),
        figuresTable(e, unit)];
    })));
}

/* 核对: what the audit rules found, in plain Chinese, each linking to its place. */

const SEVERITY = { error: '差错', warning: '疑点', info: '提示' };
/** The column each row link should mark, by the link's target id (first finding wins). */
const hitColumns = new Map();

/** 核对：发现 N 处不一致 (by severity), or 未发现不一致; nothing when the API has no findings. */
function renderAuditSummary(audit) {
  if (!audit) return null;
  const n = Number(audit.total) || 0;
  if (!n) return h('p', { id: 'audit-summary', class: 'audit-summary audit-clean' }, '核对：未发现不一致');
  const parts = Object.entries(SEVERITY).filter(([k]) => Number(audit.by_severity?.[k]) > 0).map(([k, label]) => `${label} ${audit.by_severity[k]} 处`);
  return h('p', { id: 'audit-summary', class: 'audit-summary' },
    h('strong', null, `核对：发现 ${n} 处不一致`), parts.length ? `（${parts.join('，')}）` : '', ' ', h('a', { href: '#audit' }, '查看核对结果'));
}

/** The figures of a finding: 应为 299.49 万元，原表 299.48 万元，相差 -0.01 万元. */
function findingFigures(f) {
  const u = f.unit ? (f.unit === '%' ? '%' : ` ${f.unit}`) : '';
  const parts = [];
  if (has(f.expected)) parts.push(`应为 ${f.expected}${u}`);
  if (has(f.actual)) parts.push(`原表 ${f.actual}${u}`);
  if (has(f.difference)) parts.push(`相差 ${signed(f.difference)}${u}`);
  return parts.join('，');
}

/** Where a finding points on this page, and how to name it: [href, words, column key]. */
function findingTarget(f, d, tables) {
  const p = f.place || {};
  const pos = p.table?.position;
  const t = pos != null ? tables.find((x) => posOf(x) === Number(pos)) : null;
  const row = t && p.row && p.row.index != null ? (t.rows || [])[p.row.index] : null;
  if (row) {
    const name = [p.row.codes, p.row.name ?? row.name].filter(has).join(' ');
    return [`#table-${pos}-row-${p.row.index}`, `${tableName(t)}${name ? ` ${name}` : ''}${p.column?.title ? ` · ${p.column.title}` : ''}`, p.column?.key];
  }
  if (t) return [`#table-${pos}`, tableName(t), null];
  const exps = d.explanations || [];
  const e = p.section ? (exps.find((x) => p.section.key && x.key === p.section.key) || exps[p.section.index]) : null;
  if (e) return [`#exp-${e.key}`, `情况说明：${expHead(e)}`, null];
  return [null, null, null];
}

function renderAudit(audit, d, tables) {
  if (!audit) return null;
  hitColumns.clear();
  const items = audit.items || [];
  if (!items.length) {
    return section('audit', '核对', h('p', null, '按公开数字核对表内合计、表间数字和文字说明，未发现不一致。'));
  }
  return section('audit', '核对',
    h('p', { class: 'lede' }, `按公开数字核对表内合计、表间数字和文字说明，发现 ${items.length} 处不一致。“相差”为原表数字减应有数字。以下为程序核对的结果，以公开文件原文为准。`),
    h('ol', { class: 'findings' }, items.map((f, i) => {
      const [href, where, col] = findingTarget(f, d, tables);
      if (href && col && !hitColumns.has(href.slice(1))) hitColumns.set(href.slice(1), col);
      const figures = findingFigures(f);
      const page = f.place?.page;
      return h('li', { id: `finding-${i + 1}`, class: `finding sev-${f.severity}` },
        h('p', { class: 'finding-msg' }, h('span', { class: 'sev' }, SEVERITY[f.severity] || ''), ' ', f.message_zh),
        figures || page ? h('p', { class: 'finding-figs' }, figures, figures && page ? '；' : '', page ? `见原文第 ${page} 页` : '') : null,
        f.place?.quote ? h('blockquote', { class: 'finding-quote' }, f.place.quote) : null,
        h('p', { class: 'finding-where' },
          href ? [h('a', quoteLink(f, i, href), `查看${where}`), ' '] : null,
          h('small', { class: 'rule', title: '核对规则编号' }, `规则 ${f.rule}`)));
    })));
}

/** A finding's link; one about a sentence of an explanation carries the sentence, which
 * markQuotes() then finds and marks, and the link leads to it instead of the heading. */
function quoteLink(f, i, href) {
  const quote = f.place?.quote;
  if (!quote || !href.startsWith('#exp-')) return { href, class: 'finding-link' };
  return { href, class: 'finding-link', 'data-section': href.slice(1), 'data-quote': quote, 'data-mark': `quote-${i + 1}` };
}

/** Marks each finding's quoted sentence in its section (a quote not found there, whitespace
 * aside, leaves the link on the section's heading). */
function markQuotes() {
  for (const a of document.querySelectorAll('a.finding-link[data-quote]')) {
    const head = $(a.dataset.section);
    const mark = head ? wrapQuote(head, a.dataset.quote, a.dataset.mark) : null;
    if (mark) a.setAttribute('href', `#${mark.id}`);
  }
}

/** Wraps quote in <mark id> in the first paragraph after head that holds it; null if none. */
function wrapQuote(head, quote, id) {
  const want = quote.replace(/\s+/g, '');
  for (let p = head.nextElementSibling; want && p && p.tagName === 'P'; p = p.nextElementSibling) {
    const at = []; // [text node, offset] of each non-space character of the paragraph
    const walk = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      for (let k = 0; k < n.data.length; k++) if (!/\s/.test(n.data[k])) at.push([n, k]);
    }
    const i = at.map(([n, k]) => n.data[k]).join('').indexOf(want);
    if (i < 0) continue;
    const r = document.createRange();
    r.setStart(at[i][0], at[i][1]);
    r.setEnd(at[i + want.length - 1][0], at[i + want.length - 1][1] + 1);
    const mark = h('mark', { id, class: 'quote' });
    mark.append(r.extractContents());
    r.insertNode(mark);
    return mark;
  }
  return null;
}

/** Marks what a link led to: a table row (and the cell of the finding's column), a heading,
 * or a finding (/api/v1/audit links to #finding-N). */
function markHit(el) {
  for (const old of document.querySelectorAll('.hit, .hit-cell')) old.classList.remove('hit', 'hit-cell');
  if (el.tagName !== 'TR' && el.tagName !== 'MARK' && !/^H[34]$/.test(el.tagName) && !el.classList.contains('finding')) return;
  el.classList.add('hit');
  const col = hitColumns.get(el.id);
  const cell = col ? el.querySelector(`td[data-col="${CSS.escape(col)}"]`) : null;
  if (cell) cell.classList.add('hit-cell');
  if (!el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
  el.focus({ preventScroll: true });
}

function renderGlossary(list) {
  return section('glossary', '名词解释',
    list.length ? h('dl', { class: 'glossary' }, list.map((g, i) => [h('dt', { id: `term-${i + 1}` }, g.term), h('dd', null, g.definition)]))
      : h('p', null, '本公开未包含名词解释。'));
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

/* ---------- start ---------- */

$('disclosure-select').addEventListener('change', (e) => {
  const [year, kind, level] = e.target.value.split('-');
  const st = readState();
  if (year && kind) navigate({ dept: shown?.dept || st.dept, year, kind, level: level === 'unit' ? 'unit' : '' });
});

window.addEventListener('popstate', () => {
  const st = readState();
  if (shown && sameState(st, shown)) goHash();
  else load(st, { scroll: true });
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
// #15: a disclosure's page arrives rendered by the server (its state in <meta
// name="budgetd-page">); the script only adds behaviour. Without a department, / is the
// directory, which directory.js draws.
const served = document.querySelector('meta[name="budgetd-page"]');
if (served) {
  const [dept, year, kind, level] = served.content.split(' ');
  shown = { dept, year, kind, level: level === 'unit' ? 'unit' : '' };
  goHash();
  requestAnimationFrame(watchToc);
} else if (readState().dept) {
  document.body.toggleAttribute('data-directory', false);
} else {
  load(readState(), { scroll: false });
}
