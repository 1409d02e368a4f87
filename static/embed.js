// SPDX-License-Identifier: MIT
// budgetd embed page: one disclosure (headline figures and its tables) or one table, compact,
// for other sites to put in an <iframe>. The server sends this page for
// /embed/{id}/{budgets|finals}/{year}[/tables/{n}][?level=unit] once the path's shape is
// right; the page reads the path and fetches the API. Amounts are shown as the API prints
// them (no arithmetic), each in its table's unit.

import { cn, h, has, num, parse } from './dom.js';

const KIND = { budgets: '预算', finals: '决算' };
const REASONS = { 404: '未找到这份公开内容：部门、年度或表号有误，或尚未公开。' };


class LoadError extends Error {}

/** The API's JSON with every number as the text it was written in (700.94, 867.50). */
async function api(url) {
  let res;
  try {
    res = await fetch(url, { headers: { Accept: 'application/json' } });
  } catch {
    throw new LoadError('无法连接到服务器，请检查网络后重试。');
  }
  if (!res.ok) throw new LoadError(REASONS[res.status] || '暂时无法载入，请稍后再试。');
  return parse(await res.text());
}

/** What the path asks for, or null (the server only sends this page for a well-formed one). */
function request() {
  const m = /^\/embed\/([a-z0-9-]+)\/(budgets|finals)\/(\d{4})(?:\/tables\/(\d{1,2}))?$/.exec(location.pathname);
  if (!m) return null;
  const level = new URLSearchParams(location.search).get('level') === 'unit' ? 'unit' : '';
  const base = `/api/v1/departments/${m[1]}/${m[2]}/${m[3]}`;
  const q = level ? '?level=unit' : '';
  const page = new URLSearchParams({ dept: m[1], year: m[3], kind: m[2] === 'finals' ? 'final' : 'budget' });
  if (level) page.set('level', 'unit');
  return { dept: m[1], kinds: m[2], year: m[3], table: m[4] ? Number(m[4]) : null, level, base, q, page: `/?${page}` };
}

/* ---------- tables ---------- */

/** Header rows: a column's group (levels joined) over its title, neighbours with the same group merged. */
function head(cols, codes, nameHead, unplaced) {
  const grouped = cols.some((c) => has(c.group));
  const span = grouped ? '2' : null;
  const top = [];
  const bottom = [];
  if (codes) top.push(h('th', { scope: 'col', rowspan: span }, '科目编码'));
  top.push(h('th', { scope: 'col', rowspan: span }, nameHead));
  for (let i = 0; i < cols.length;) {
    const g = cols[i].group;
    if (!has(g)) {
      top.push(h('th', { scope: 'col', rowspan: span }, cols[i].title ?? ''));
      i++;
      continue;
    }
    let j = i + 1;
    while (j < cols.length && cols[j].group === g) j++;
    top.push(h('th', { scope: 'colgroup', colspan: j - i > 1 ? String(j - i) : null }, String(g).split('/').join(' / ')));
    for (let k = i; k < j; k++) bottom.push(h('th', { scope: 'col' }, cols[k].title ?? ''));
    i = j;
  }
  if (unplaced) top.push(h('th', { scope: 'col', rowspan: span }, '未定栏目'));
  return h('thead', null, h('tr', null, top), bottom.length ? h('tr', null, bottom) : null);
}

function body(rows, cols, codes, unplaced) {
  return h('tbody', null, rows.map((r) => h('tr', { class: r.kind === 'total' ? 'total' : null },
    codes ? h('td', { class: 'code' }, r.code ?? (r.codes || []).join('')) : null,
    h('th', { scope: 'row' }, r.name ?? (r.kind === 'total' ? '合计' : ''), r.project_name ? `（${r.project_name}）` : ''),
    cols.map((c) => h('td', { class: 'num' }, num(r.amounts?.[c.key]))),
    unplaced ? h('td', { class: 'num' }, (r.unplaced || []).map(String).join('；')) : null)));
}

function grid(t, label, rows, cols, side) {
  const codes = rows.some((r) => r.codes && r.codes.length);
  const unplaced = rows.some((r) => r.unplaced && r.unplaced.length);
  const sideName = side === 'income' ? '收入' : side === 'expenditure' ? '支出' : '';
  return h('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': sideName ? `${label}（${sideName}）` : label },
    h('table', null,
      h('caption', null, sideName ? `${sideName}　` : '', `单位：${t.unit || '万元'}`),
      head(cols, codes, side || !t.classification ? '项目' : '科目名称', unplaced),
      body(rows, cols, codes, unplaced)));
}

/** One table as published, with its CSV and a link to it on the full page. */
function renderTable(t, req, level) {
  const n = Number(t.position ?? t.number);
  const label = `表${cn(n)} ${t.title}`;
  const rows = t.rows || [];
  const cols = t.columns || [];
  const Tag = level;
  const parts = cols.some((c) => c.side)
    ? ['income', 'expenditure'].map((s) => grid(t, label, rows.filter((r) => r.side === s), cols.filter((c) => c.side === s), s))
    : [grid(t, label, rows, cols, null)];
  return h('section', { class: 'table', 'aria-label': label },
    h(Tag, null, label),
    parts,
    t.note ? h('p', { class: 'note' }, t.note) : null,
    rows.length ? null : h('p', { class: 'note' }, '本表为空表：没有需要填列的数字。'),
    // The import file's own account of these figures is long and technical: the full page has it.
    t.unplaced_note || rows.some((r) => r.unplaced && r.unplaced.length)
      ? h('p', { class: 'note' }, '未定栏目：原公开文件中这些数字所属的栏目无法确定，按原文顺序列出；说明见完整页面。') : null,
    h('p', { class: 'links' },
      h('a', { href: `${req.base}/tables/${n}?format=csv${req.level ? '&level=unit' : ''}`, target: '_blank', rel: 'noopener' }, `下载表${cn(n)} CSV`),
      h('a', { href: `${req.page}#table-${n}`, target: '_blank', rel: 'noopener' }, `在完整页面查看表${cn(n)}`)));
}

/* ---------- the two views ---------- */

function header(d, req) {
  const kind = `${req.level ? '单位' : '部门'}${KIND[req.kinds]}`;
  return [h('h1', null, d.department?.name || ''), h('p', { class: 'sub' }, d.title || `${d.year}年${kind}公开`)];
}

function headline(d) {
  const t = d.totals || {};
  const same = has(t.revenue) && String(t.revenue) === String(t.expenditure);
  const items = (same ? [['收支总计', t.revenue]] : [['收入总计', t.revenue], ['支出总计', t.expenditure]])
    .concat([['基本支出', t.basic], ['项目支出', t.project]]).filter((x) => has(x[1]));
  if (!items.length) return null;
  return [h('p', { class: 'unit' }, `单位：${t.unit || '万元'}`),
    h('dl', { class: 'kpis' }, items.map(([label, v]) => h('div', { class: 'kpi' }, h('dt', null, label), h('dd', null, num(v)))))];
}

function fullLinks(req) {
  return h('p', { class: 'links' },
    h('a', { href: req.page, target: '_blank', rel: 'noopener' }, '查看完整公开内容'),
    h('a', { href: `${req.base}/amounts.csv${req.q}`, target: '_blank', rel: 'noopener' }, '下载全部数字 CSV'));
}

async function show(main, req) {
  const d = await api(req.base + req.q);
  if (req.table) {
    const t = await api(`${req.base}/tables/${req.table}${req.q}`);
    document.title = `表${cn(req.table)} ${t.title} · ${d.department?.name || ''}`;
    main.replaceChildren(...header(d, req), renderTable(t, req, 'h2'), fullLinks(req));
    return;
  }
  const idx = await api(`${req.base}/tables${req.q}`);
  const tables = await Promise.all((idx.items || []).map((it) => api(`${req.base}/tables/${it.position ?? it.number}${req.q}`)));
  document.title = `${d.title || ''} · ${d.department?.name || ''}`;
  main.replaceChildren(...[header(d, req), headline(d), fullLinks(req), tables.map((t) => renderTable(t, req, 'h2'))].flat(Infinity).filter(Boolean));
}

const main = document.getElementById('embed');
const req = request();
(req ? show(main, req) : Promise.reject(new LoadError(REASONS[404])))
  .catch((e) => main.replaceChildren(h('p', { class: 'error', role: 'alert' }, e instanceof LoadError ? e.message : '暂时无法载入，请稍后再试。'),
    h('p', { class: 'links' }, h('a', { href: '/', target: '_blank', rel: 'noopener' }, '打开部门预决算公开首页'))))
  .finally(() => main.removeAttribute('aria-busy'));
