// SPDX-License-Identifier: MIT
// Issue #17's yardstick: the answers budgetd builds per disclosure, built here per request
// from the same store by Fastify 5 + better-sqlite3, with no cache. The bodies are budgetd's
// byte for byte (tests/bench/cold checks every URL of its set with cmp); it is written as a
// Node developer would write such a service: prepared statements, one query per part of an
// answer, strings concatenated, figures printed from their stored digits (BigInt), never
// through a JS number.
//
//   node server.js --db STORE --types db/table_types.tsv [--port N] [--host 127.0.0.1]
//
// Serves GET /api/v1/departments (the list, limit/offset), and of a disclosure
// .../{kind}/{year} (the disclosure), .../tables/{n} (JSON, ?format=csv) and .../projects,
// each with ?level=unit; gzip (level 6, bodies of 256 bytes and more, as budgetd) when the
// request accepts it. Prints "listening on http://HOST:PORT/" when ready.
'use strict';

const fs = require('node:fs');
const zlib = require('node:zlib');
const Database = require('better-sqlite3');
const Fastify = require('fastify');

const JSON_TYPE = 'application/json; charset=utf-8';
const CSV_TYPE = 'text/csv; charset=utf-8';
const GZIP_MIN = 256;
const LIMIT_DEFAULT = 100;
const LIMIT_MAX = 500;
const KINDS = { budgets: 'budget', finals: 'final' };

function options(argv) {
	const o = { port: 0, host: '127.0.0.1', db: null, types: null };
	for (let i = 2; i < argv.length; i += 2) {
		const key = argv[i].replace(/^--/, '');
		if (!(key in o) || argv[i + 1] === undefined)
			throw new Error(`usage: server.js --db STORE --types TSV [--port N] [--host H]`);
		o[key] = key === 'port' ? Number(argv[i + 1]) : argv[i + 1];
	}
	if (!o.db || !o.types)
		throw new Error('--db and --types are required');
	return o;
}

/* id -> canonical name, from db/table_types.tsv (id, family, name, patterns...). */
function tableTypes(path) {
	const names = new Map();
	for (const line of fs.readFileSync(path, 'utf8').split('\n')) {
		if (line === '' || line.startsWith('#'))
			continue;
		const f = line.split('\t');
		names.set(f[0], f[2]);
	}
	return names;
}

/* ---- text: JSON strings and CSV cells as budgetd writes them ---- */

/* budgetd escapes " \ and control characters only, the latter as \u00xx (lowercase). */
const ESCAPE = /[\u0000-\u001f"\\]/g;
function escapeChar(c) {
	if (c === '"' || c === '\\')
		return '\\' + c;
	return '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');
}
function str(s) {
	if (s === null || s === undefined)
		return 'null';
	return '"' + String(s).replace(ESCAPE, escapeChar) + '"';
}
function int(v) {
	return v === null || v === undefined ? 'null' : String(v);
}

/* A stored figure: millionths (BigInt) and the decimals it was printed with (NULL: the
 * canonical form, without trailing zeros). */
function dec(v, dp) {
	if (v === null || v === undefined)
		return null;
	const neg = v < 0n;
	const mag = neg ? -v : v;
	let s = (neg ? '-' : '') + (mag / 1000000n).toString();
	let frac = (mag % 1000000n).toString().padStart(6, '0').replace(/0+$/, '');
	if (dp !== null && dp !== undefined) {
		const want = Math.min(Number(dp), 6);
		if (frac.length < want)
			frac = frac.padEnd(want, '0');
	}
	return frac.length > 0 ? s + '.' + frac : s;
}
function jdec(v, dp) {
	const s = dec(v, dp);
	return s === null ? 'null' : s;
}

/* Where something was printed (#18): {"page", "box": [page, x0, y0, x1, y1]}, the
 * coordinates stored in hundredths of a point and printed as the decimals they were (56.7,
 * 120.25, 300); null without a page. */
function coord(h) {
	return dec(BigInt(h) * 10000n, null);
}
function printed(page, x0, y0, x1, y1) {
	if (page === null || page === undefined)
		return 'null';
	const box = x0 === null || x0 === undefined ? 'null'
		: `[${page},${[x0, y0, x1, y1].map(coord).join(',')}]`;
	return `{"page":${page},"box":${box}}`;
}

function cell(s, text) {
	s = s === null || s === undefined ? '' : String(s);
	const quote = s.startsWith(' ') || s.endsWith(' ') || /[,"\r\n]/.test(s);
	let out = text && s !== '' && '=+-@\t\r'.includes(s[0]) ? "'" + s : s;
	if (quote)
		out = '"' + out.replace(/"/g, '""') + '"';
	return out;
}
function csvLine(cells) {
	return cells.join(',') + '\r\n';
}

/* ---- the store ---- */

function statements(db) {
	const p = (sql) => db.prepare(sql);
	const big = (sql) => db.prepare(sql).safeIntegers(true);
	return {
		disclosure: p(`SELECT d.id, d.year, d.kind, d.title, d.published, d.unit
			FROM disclosure d JOIN department p ON p.id = d.department_id
			WHERE p.slug = ? AND d.year = ? AND d.kind = ? AND d.level = ?`),
		deptCount: p(`SELECT count(*) AS n FROM department p WHERE EXISTS
			(SELECT 1 FROM disclosure d WHERE d.department_id = p.id)`),
		deptPage: p(`SELECT p.id, p.slug, (SELECT r.name FROM disclosure d
			JOIN department_record r ON r.disclosure_id = d.id WHERE d.department_id = p.id
			ORDER BY d.year DESC, d.kind DESC, d.level LIMIT 1) AS name,
			(SELECT group_concat(year, ',') FROM (SELECT DISTINCT year FROM disclosure d
			 WHERE d.department_id = p.id ORDER BY year)) AS years
			FROM department p WHERE EXISTS (SELECT 1 FROM disclosure d
			WHERE d.department_id = p.id) ORDER BY p.slug LIMIT ? OFFSET ?`),
		table: p(`SELECT id, number, type, title, unit, classification, note, unplaced_note,
			box_page, box_x0, box_y0, box_x1, box_y1
			FROM budget_table WHERE disclosure_id = ? AND number = ?`),
		tablesOf: p(`SELECT id, type, unit FROM budget_table WHERE disclosure_id = ?
			ORDER BY position`),
		columns: p(`SELECT key, title, "group" AS grp, side, measure FROM table_column
			WHERE table_id = ? ORDER BY position`),
		rows: p(`SELECT id, side, kind, level, code1, code2, code3, name, project,
			project_name FROM table_row WHERE table_id = ? ORDER BY position`),
		amounts: big(`SELECT a.row_id, a.key, a.value, a.value_dp FROM row_amount a
			JOIN table_row r ON r.id = a.row_id WHERE r.table_id = ?
			ORDER BY r.position, a.position`),
		unplaced: big(`SELECT u.row_id, u.value, u.value_dp FROM row_unplaced u
			JOIN table_row r ON r.id = u.row_id WHERE r.table_id = ?
			ORDER BY r.position, u.position`),
		boxes: p(`SELECT b.row_id, b.key, b.page, b.x0, b.y0, b.x1, b.y1 FROM row_box b
			JOIN table_row r ON r.id = b.row_id WHERE r.table_id = ?
			ORDER BY r.position, b.position`),
		lastTotal: p(`SELECT id, side FROM table_row WHERE table_id = @table AND kind = 'total'
			AND (@side IS NULL OR side = @side) ORDER BY position DESC LIMIT 1`),
		totalFigures: big(`SELECT c.key, c.side, c.measure, a.value FROM table_column c
			LEFT JOIN row_amount a ON a.row_id = @row AND a.key = c.key
			WHERE c.table_id = @table ORDER BY c.position`),
		record: p(`SELECT name, short_name, region, parent FROM department_record
			WHERE disclosure_id = ?`),
		source: p(`SELECT document, file, url, notes, sha256, pages FROM source
			WHERE disclosure_id = ?`),
		functions: p(`SELECT value FROM department_function WHERE disclosure_id = ?
			ORDER BY position`),
		organization: p(`SELECT id, text, subordinate_units, administrative_units,
			institutional_units FROM organization WHERE disclosure_id = ?`),
		internalUnits: p(`SELECT value FROM internal_unit WHERE organization_id = ?
			ORDER BY position`),
		orgUnits: p(`SELECT name, type, note FROM organization_unit WHERE organization_id = ?
			ORDER BY position`),
		staffing: p(`SELECT category, label, count, change FROM staffing
			WHERE disclosure_id = ? ORDER BY position`),
		explanations: p(`SELECT id, key, number, title, page, box_page, box_x0, box_y0,
			box_x1, box_y1 FROM explanation WHERE disclosure_id = ? ORDER BY position`),
		paragraphs: p(`SELECT p.explanation_id, p.value FROM explanation_paragraph p
			JOIN explanation e ON e.id = p.explanation_id WHERE e.disclosure_id = ?
			ORDER BY e.position, p.position`),
		figures: big(`SELECT f.explanation_id, f.label, f.code1, f.code2, f.code3, f.amount,
			f.amount_dp, f.share, f.share_dp, f.change, f.change_dp, f.change_percent,
			f.change_percent_dp, f.reason, f.detail, f.box_page, f.box_x0, f.box_y0,
			f.box_x1, f.box_y1 FROM explanation_figure f
			JOIN explanation e ON e.id = f.explanation_id WHERE e.disclosure_id = ?
			ORDER BY e.position, f.position`),
		operatingCosts: big(`SELECT amount, amount_dp, budget, budget_dp, final, final_dp,
			change, change_dp, change_percent, change_percent_dp, reason,
			administrative_units, institutional_units, unit FROM operating_costs
			WHERE disclosure_id = ?`),
		procurement: big(`SELECT amount, amount_dp, goods, goods_dp, works, works_dp,
			services, services_dp, sme_reserved, sme_reserved_dp, small_micro_reserved,
			small_micro_reserved_dp FROM procurement WHERE disclosure_id = ?`),
		assets: big(`SELECT id, as_of, building_area, building_area_dp, building_value,
			building_value_dp, furniture_value, furniture_value_dp, other_value,
			other_value_dp, equipment_over_50, equipment_over_100, planned_vehicle_purchase,
			planned_vehicle_purchase_dp, planned_equipment_over_50,
			planned_equipment_over_100, planned_vehicles FROM assets WHERE disclosure_id = ?`),
		vehicles: big(`SELECT kind, label, count, value, value_dp FROM asset_vehicle
			WHERE assets_id = ? ORDER BY position`),
		performance: big(`SELECT project_count, amount, amount_dp, text
			FROM performance_summary WHERE disclosure_id = ?`),
		withheld: big(`SELECT count, amount, amount_dp, legal_source, basis, text
			FROM withheld WHERE disclosure_id = ?`),
		glossary: p(`SELECT number, term, definition FROM glossary_term WHERE disclosure_id = ?
			ORDER BY position`),
		findings: p(`SELECT severity, count(*) AS n FROM finding WHERE disclosure_id = ?
			GROUP BY severity`),
		hasSangong: p(`SELECT 1 FROM sangong WHERE disclosure_id = ?`),
		projects: big(`SELECT id, slug, withheld, name, table_name, code1, code2, code3,
			amount, amount_dp, policy_basis, executing_unit, period, self_evaluation,
			self_evaluation_dp FROM project WHERE disclosure_id = ? ORDER BY position`),
		economic: big(`SELECT e.project_id, e.key, e.value, e.value_dp FROM project_economic e
			JOIN project p ON p.id = e.project_id WHERE p.disclosure_id = ?
			ORDER BY p.position, e.position`),
		allocations: big(`SELECT a.id, a.project_id, a.text FROM allocation a
			JOIN project p ON p.id = a.project_id WHERE p.disclosure_id = ?`),
		allocationItems: big(`SELECT i.allocation_id, i.item, i.amount, i.amount_dp
			FROM allocation_item i JOIN allocation a ON a.id = i.allocation_id
			JOIN project p ON p.id = a.project_id WHERE p.disclosure_id = ?
			ORDER BY i.allocation_id, i.position`),
		targets: big(`SELECT t.id, t.project_id, t.funding_total, t.funding_total_dp,
			t.funding_fiscal, t.funding_fiscal_dp, t.funding_other, t.funding_other_dp,
			t.objective FROM performance_target t JOIN project p ON p.id = t.project_id
			WHERE p.disclosure_id = ?`),
		indicators: big(`SELECT i.target_id, i.level1, i.level2, i.name, i.value, i.op,
			i.number, i.number_dp, i.unit FROM indicator i
			JOIN performance_target t ON t.id = i.target_id
			JOIN project p ON p.id = t.project_id WHERE p.disclosure_id = ?
			ORDER BY i.target_id, i.position`),
	};
}

/* Rows grouped by one of their columns, each group in query order. */
function groupBy(rows, key) {
	const m = new Map();
	for (const r of rows) {
		const k = r[key];
		let g = m.get(k);
		if (g === undefined)
			m.set(k, (g = []));
		g.push(r);
	}
	return m;
}

/* A stored integer id (BigInt from a safeIntegers statement) as a Map key. */
const id = (v) => Number(v);

/* ---- pieces shared by several answers ---- */

function codesOf(r) {
	const c = [];
	for (const k of ['code1', 'code2', 'code3'])
		if (r[k] !== null)
			c.push(r[k]);
	return c;
}

/* "codes":[..],"code":".." or both null. */
function codesJson(codes) {
	if (codes.length === 0)
		return '"codes":null,"code":null';
	return `"codes":[${codes.map(str).join(',')}],"code":${str(codes.join(''))}`;
}

/* The URL of a part of the disclosure, ?level=unit kept, CSV asked for with format. */
function url(d, path, csv) {
	const unit = d.level === 'unit';
	return d.base + path + (unit ? '?level=unit' : '') +
	       (csv ? (unit ? '&format=csv' : '?format=csv') : '');
}

/* ---- tables ---- */

function levelOf(r) {
	if (r.level !== null)
		return r.level;
	if (r.codes.length > 0)
		return r.codes.length;
	return r.kind === 'total' ? 0 : 1;
}

/* The nearest row above on the same side that is shallower and, when both carry codes,
 * whose codes lead to this row's; -1 for none (api/tables.c parent_of). */
function parentOf(rows, i) {
	const row = rows[i];
	if (row.kind === 'total')
		return -1;
	const level = levelOf(row);
	for (let j = i - 1; j >= 0; j--) {
		const up = rows[j];
		if (up.side !== row.side || levelOf(up) >= level)
			continue;
		if (row.codes.length === 0 || up.codes.length === 0)
			return j;
		if (up.codes.length < row.codes.length &&
		    up.codes.every((c, k) => c === row.codes[k]))
			return j;
	}
	return -1;
}

function loadTable(st, t) {
	const columns = st.columns.all(t.id);
	const rows = st.rows.all(t.id);
	const amounts = groupBy(st.amounts.all(t.id), 'row_id');
	const unplaced = groupBy(st.unplaced.all(t.id), 'row_id');
	const boxes = groupBy(st.boxes.all(t.id), 'row_id');
	for (const r of rows) {
		r.codes = codesOf(r);
		r.amounts = amounts.get(BigInt(r.id)) || [];
		r.unplaced = unplaced.get(BigInt(r.id)) || [];
		r.boxes = boxes.get(r.id) || [];
	}
	const parents = rows.map((_, i) => parentOf(rows, i));
	return { columns, rows, parents };
}

function amountsJson(list) {
	return '{' + list.map((a) => `${str(a.key)}:${dec(a.value, a.value_dp)}`).join(',') + '}';
}

function tableJson(ctx, t, types) {
	const { columns, rows, parents } = loadTable(ctx.st, t);
	const unit = t.unit !== null ? t.unit : ctx.d.unit;
	const out = [];
	out.push(`{"number":${t.number},"position":${t.number},"type":${str(t.type)},` +
	         `"type_name":${str(types.get(t.type))},"title":${str(t.title)},` +
	         `"unit":${str(unit)},"classification":${str(t.classification)},` +
	         `"note":${str(t.note)},"unplaced_note":${str(t.unplaced_note)},` +
	         `"printed":${printed(t.box_page, t.box_x0, t.box_y0, t.box_x1, t.box_y1)},` +
	         '"columns":[');
	out.push(columns.map((c) => `{"key":${str(c.key)},"title":${str(c.title)},` +
	                            `"group":${str(c.grp)},"side":${str(c.side)},` +
	                            `"measure":${str(c.measure)}}`).join(','));
	out.push('],"rows":[');
	out.push(rows.map((r, i) => `{"index":${i},"side":${str(r.side)},` +
	                            `"kind":${r.kind === 'total' ? '"total"' : '"item"'},` +
	                            `"level":${levelOf(r)},${codesJson(r.codes)},` +
	                            `"name":${str(r.name)},` +
	                            `"parent":${parents[i] >= 0 ? parents[i] : 'null'},` +
	                            `"project":${str(r.project)},` +
	                            `"project_name":${str(r.project_name)},` +
	                            `"amounts":${amountsJson(r.amounts)},"unplaced":[` +
	                            r.unplaced.map((u) => dec(u.value, u.value_dp)).join(',') +
	                            '],"printed":{' + r.boxes.map((b) => `${str(b.key)}:` +
	                            printed(b.page, b.x0, b.y0, b.x1, b.y1)).join(',') +
	                            '}}').join(','));
	out.push('],"totals":[');
	const totals = [];
	rows.forEach((r, i) => {
		if (r.kind === 'total')
			totals.push(`{"index":${i},"side":${str(r.side)},"name":${str(r.name)},` +
			            `"amounts":${amountsJson(r.amounts)}}`);
	});
	out.push(totals.join(','));
	const path = `/tables/${t.number}`;
	out.push(`],"links":{"self":${str(url(ctx.d, path, false))},` +
	         `"csv":${str(url(ctx.d, path, true))}}}`);
	return out.join('');
}

function says_percent(title) {
	return title !== null && (title.includes('%') || title.includes('％'));
}

function unitSuffix(c, unit) {
	if (says_percent(c.title))
		return '';
	if (c.measure === 'rate' || c.measure === 'change_percent')
		return '（%）';
	return `（${unit !== null ? unit : ''}）`;
}

/* The CSV's 页码, x0, y0, x1, y1 of a row: the extent of its boxes on its first box's page. */
function rowPlace(boxes) {
	if (boxes.length === 0)
		return ['', '', '', '', ''];
	const on = boxes.filter((b) => b.page === boxes[0].page);
	const x0 = Math.min(...on.map((b) => b.x0)), y0 = Math.min(...on.map((b) => b.y0));
	const x1 = Math.max(...on.map((b) => b.x1)), y1 = Math.max(...on.map((b) => b.y1));
	return [String(boxes[0].page), coord(x0), coord(y0), coord(x1), coord(y1)];
}

function tableCsv(ctx, t) {
	const { columns, rows, parents } = loadTable(ctx.st, t);
	const unit = t.unit !== null ? t.unit : ctx.d.unit;
	const sided = columns.some((c) => c.side !== null);
	const projects = rows.some((r) => r.project !== null);
	const unplaced = rows.some((r) => r.unplaced.length > 0);
	const isParent = new Array(rows.length).fill(false);
	for (const p of parents)
		if (p >= 0)
			isParent[p] = true;
	const head = [];
	if (sided)
		head.push(cell('收支', true));
	head.push(cell('科目编码', true), cell('科目名称', true));
	if (projects)
		head.push(cell('项目名称', true));
	for (const c of columns)
		head.push(cell((c.grp !== null ? c.grp + '/' : '') + c.title + unitSuffix(c, unit), true));
	if (unplaced)
		head.push(cell(`未定栏目数字（${unit !== null ? unit : ''}）`, true));
	for (const h of ['单位', '层级', '类', '款', '项', '末级'])
		head.push(cell(h, true));
	const boxed = rows.some((r) => r.boxes.length > 0);
	if (boxed)
		for (const h of ['页码', 'x0', 'y0', 'x1', 'y1'])
			head.push(cell(h, true));
	const out = ['\ufeff', csvLine(head)];
	rows.forEach((r, i) => {
		const line = [];
		if (sided)
			line.push(cell(r.side === 'income' ? '收入' : '支出', true));
		line.push(cell(r.codes.join(''), true), cell(r.name, true));
		if (projects)
			line.push(cell(r.project_name, true));
		const byKey = new Map(r.amounts.map((a) => [a.key, a]));
		for (const c of columns) {
			const a = byKey.get(c.key);
			line.push(cell(a !== undefined ? dec(a.value, a.value_dp) : '', false));
		}
		if (unplaced)
			line.push(cell(r.unplaced.map((u) => dec(u.value, u.value_dp)).join(';'), false));
		line.push(cell(unit, true), cell(String(levelOf(r)), false));
		for (let k = 0; k < 3; k++)
			line.push(cell(r.codes[k], true));
		line.push(cell(r.kind !== 'total' && !isParent[i] ? '是' : '否', true));
		if (boxed)
			line.push(...rowPlace(r.boxes));
		out.push(csvLine(line));
	});
	return out.join('');
}

/* ---- the disclosure ---- */

/* Is every field of an object row empty? (budgetd leaves such an object out: null.) */
function blank(row, skip) {
	return Object.keys(row).every((k) => skip.includes(k) || row[k] === null);
}

/* Powers of ten between a unit of yuan and 万元; the figure in 万元 or null when inexact. */
function toWan(v, unit) {
	const exp = { '元': -4, '千元': -1, '万元': 0, '亿元': 4 }[unit];
	if (exp === undefined)
		return null;
	for (let e = exp; e < 0; e++) {
		if (v % 10n !== 0n)
			return null;
		v /= 10n;
	}
	for (let e = exp; e > 0; e--)
		v *= 10n;
	return v;
}

function columnIs(key, m, slice, measure) {
	if (key === null)
		return false;
	if (slice !== null && !(key.startsWith(slice) &&
	                        (key.length === slice.length || key[slice.length] === '_')))
		return false;
	return measure === null || m === null || m === measure;
}

const HEADLINES = {
	revenue: { summary: true, side: 'income', slice: null },
	expenditure: { summary: true, side: 'expenditure', slice: null },
	basic: { summary: false, side: null, slice: 'basic' },
	project: { summary: false, side: null, slice: 'project' },
};

/* The headline total in 万元 (BigInt) and the unit it was published in, or null. */
function headline(ctx, tables, key) {
	const h = HEADLINES[key];
	const final = ctx.d.kind === 'final';
	const types = h.summary ? ['budget_summary', 'final_summary']
	                        : ['budget_expenditure', 'final_expenditure'];
	if (final)
		types.reverse();
	let t;
	for (const type of types)
		if ((t = tables.find((x) => x.type === type)) !== undefined)
			break;
	if (t === undefined)
		return null;
	const row = ctx.st.lastTotal.get({ table: t.id, side: h.side });
	if (row === undefined)
		return null;
	const unit = t.unit !== null ? t.unit : ctx.d.unit;
	const cols = ctx.st.totalFigures.all({ table: t.id, row: row.id });
	for (const measure of [final ? 'final' : 'budget', null]) {
		for (const c of cols) {
			if (row.side !== null && c.side !== row.side)
				continue;
			if (!columnIs(c.key, c.measure, h.slice, measure) || c.value === null)
				continue;
			const wan = toWan(c.value, unit);
			return wan === null ? null : { wan, unit };
		}
	}
	return null;
}

function totalsJson(ctx) {
	const tables = ctx.st.tablesOf.all(ctx.d.id);
	const from = [];
	const parts = [];
	for (const key of ['revenue', 'expenditure', 'basic', 'project']) {
		const h = headline(ctx, tables, key);
		parts.push(`${str(key)}:${h === null ? 'null' : dec(h.wan, null)}`);
		if (h !== null && h.unit !== '万元' && !from.includes(h.unit))
			from.push(h.unit);
	}
	return `{${parts.join(',')},"unit":"万元","converted_from":[${from.map(str).join(',')}]}`;
}

function overviewJson(ctx) {
	const st = ctx.st;
	const functions = st.functions.all(ctx.d.id).map((r) => str(r.value));
	const org = st.organization.get(ctx.d.id);
	let orgJson = 'null';
	if (org !== undefined) {
		const internal = st.internalUnits.all(org.id);
		const units = st.orgUnits.all(org.id);
		if (!blank(org, ['id']) || internal.length > 0 || units.length > 0)
			orgJson = `{"text":${str(org.text)},` +
			          `"subordinate_units":${int(org.subordinate_units)},` +
			          `"administrative_units":${int(org.administrative_units)},` +
			          `"institutional_units":${int(org.institutional_units)},` +
			          `"internal_units":[${internal.map((r) => str(r.value)).join(',')}],` +
			          `"units":[${units.map((u) => `{"name":${str(u.name)},` +
			                    `"type":${str(u.type)},"note":${str(u.note)}}`).join(',')}]}`;
	}
	const staffing = st.staffing.all(ctx.d.id).map((s) =>
		`{"category":${str(s.category)},"label":${str(s.label)},"count":${int(s.count)},` +
		`"change":${int(s.change)}}`);
	return `{"functions":[${functions.join(',')}],"organization":${orgJson},` +
	       `"staffing":[${staffing.join(',')}]}`;
}

function explanationsJson(ctx) {
	const st = ctx.st;
	const paragraphs = groupBy(st.paragraphs.all(ctx.d.id), 'explanation_id');
	const figures = groupBy(st.figures.all(ctx.d.id), 'explanation_id');
	return '[' + st.explanations.all(ctx.d.id).map((e) => {
		const ps = (paragraphs.get(e.id) || []).map((p) => str(p.value));
		const fs = (figures.get(BigInt(e.id)) || []).map((f) =>
			`{"label":${str(f.label)},${codesJson(codesOf(f))},` +
			`"amount":${jdec(f.amount, f.amount_dp)},"share":${jdec(f.share, f.share_dp)},` +
			`"change":${jdec(f.change, f.change_dp)},` +
			`"change_percent":${jdec(f.change_percent, f.change_percent_dp)},` +
			`"reason":${str(f.reason)},"detail":${str(f.detail)},` +
			`"printed":${printed(f.box_page, f.box_x0, f.box_y0, f.box_x1, f.box_y1)}}`);
		const place = e.box_page !== null
			? printed(e.box_page, e.box_x0, e.box_y0, e.box_x1, e.box_y1)
			: printed(e.page, null);
		return `{"key":${str(e.key)},"number":${str(e.number)},"title":${str(e.title)},` +
		       `"printed":${place},` +
		       `"paragraphs":[${ps.join(',')}],"figures":[${fs.join(',')}]}`;
	}).join(',') + ']';
}

function operatingCostsJson(o) {
	if (o === undefined || blank(o, []))
		return 'null';
	return `{"amount":${jdec(o.amount, o.amount_dp)},"budget":${jdec(o.budget, o.budget_dp)},` +
	       `"final":${jdec(o.final, o.final_dp)},"change":${jdec(o.change, o.change_dp)},` +
	       `"change_percent":${jdec(o.change_percent, o.change_percent_dp)},` +
	       `"reason":${str(o.reason)},"administrative_units":${int(o.administrative_units)},` +
	       `"institutional_units":${int(o.institutional_units)},"unit":${str(o.unit)}}`;
}

function procurementJson(p) {
	if (p === undefined)
		return 'null';
	return `{"amount":${jdec(p.amount, p.amount_dp)},"goods":${jdec(p.goods, p.goods_dp)},` +
	       `"works":${jdec(p.works, p.works_dp)},` +
	       `"services":${jdec(p.services, p.services_dp)},` +
	       `"sme_reserved":${jdec(p.sme_reserved, p.sme_reserved_dp)},` +
	       `"small_micro_reserved":${jdec(p.small_micro_reserved, p.small_micro_reserved_dp)}}`;
}

function assetsJson(ctx) {
	const a = ctx.st.assets.get(ctx.d.id);
	if (a === undefined)
		return 'null';
	const vehicles = ctx.st.vehicles.all(a.id);
	if (blank(a, ['id']) && vehicles.length === 0)
		return 'null';
	const v = vehicles.map((x) => `{"kind":${str(x.kind)},"label":${str(x.label)},` +
	                              `"count":${int(x.count)},"value":${jdec(x.value, x.value_dp)}}`);
	return `{"as_of":${str(a.as_of)},` +
	       `"building_area":${jdec(a.building_area, a.building_area_dp)},` +
	       `"building_value":${jdec(a.building_value, a.building_value_dp)},` +
	       `"vehicles":[${v.join(',')}],` +
	       `"furniture_value":${jdec(a.furniture_value, a.furniture_value_dp)},` +
	       `"other_value":${jdec(a.other_value, a.other_value_dp)},` +
	       `"equipment_over_50":${int(a.equipment_over_50)},` +
	       `"equipment_over_100":${int(a.equipment_over_100)},` +
	       `"planned_vehicle_purchase":${jdec(a.planned_vehicle_purchase,
	                                          a.planned_vehicle_purchase_dp)},` +
	       `"planned_equipment_over_50":${int(a.planned_equipment_over_50)},` +
	       `"planned_equipment_over_100":${int(a.planned_equipment_over_100)},` +
	       `"planned_vehicles":${int(a.planned_vehicles)}}`;
}

function withheldJson(w) {
	if (w === undefined)
		return 'null';
	return `{"count":${int(w.count)},"amount":${jdec(w.amount, w.amount_dp)},` +
	       `"legal_source":${str(w.legal_source)},"basis":${str(w.basis)},` +
	       `"text":${str(w.text)}}`;
}

/* Whether the store keeps the published PDF (#18): STORE.files/SHA256.pdf, a file. */
function keepsPdf(ctx, src) {
	if (src === undefined || typeof src.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(src.sha256))
		return false;
	try {
		return fs.statSync(ctx.files + src.sha256 + '.pdf').isFile();
	} catch {
		return false;
	}
}

function disclosureJson(ctx) {
	const st = ctx.st, d = ctx.d;
	const rec = st.record.get(d.id);
	const src = st.source.get(d.id);
	const perf = st.performance.get(d.id);
	const counts = { error: 0, warning: 0, info: 0 };
	let total = 0;
	for (const f of st.findings.all(d.id)) {
		counts[f.severity] = f.n;
		total += f.n;
	}
	const glossary = st.glossary.all(d.id).map((g) =>
		`{"number":${str(g.number)},"term":${str(g.term)},"definition":${str(g.definition)}}`);
	return '{"department":' +
	       (rec === undefined ? 'null'
	                          : `{"id":${str(d.dept)},"name":${str(rec.name)},` +
	                            `"short_name":${str(rec.short_name)},` +
	                            `"region":${str(rec.region)},"parent":${str(rec.parent)}}`) +
	       `,"year":${d.year},"kind":${str(d.kind)},"title":${str(d.title)},` +
	       `"level":${str(d.level)},"published":${str(d.published)},"unit":${str(d.unit)},` +
	       '"source":' +
	       (src === undefined ? 'null'
	                          : `{"document":${str(src.document)},"file":${str(src.file)},` +
	                            `"url":${str(src.url)},"notes":${str(src.notes)},` +
	                            `"sha256":${str(src.sha256)},"pages":${int(src.pages)}}`) +
	       `,"overview":${overviewJson(ctx)},"totals":${totalsJson(ctx)},` +
	       `"explanations":${explanationsJson(ctx)},` +
	       `"operating_costs":${operatingCostsJson(st.operatingCosts.get(d.id))},` +
	       `"procurement":${procurementJson(st.procurement.get(d.id))},` +
	       `"assets":${assetsJson(ctx)},"performance":` +
	       (perf === undefined ? 'null'
	                           : `{"project_count":${int(perf.project_count)},` +
	                             `"amount":${jdec(perf.amount, perf.amount_dp)},` +
	                             `"text":${str(perf.text)}}`) +
	       `,"withheld":${withheldJson(st.withheld.get(d.id))},` +
	       `"glossary":[${glossary.join(',')}],` +
	       `"audit":{"total":${total},"by_severity":{"error":${counts.error},` +
	       `"warning":${counts.warning},"info":${counts.info}},` +
	       `"link":${str(url(d, '/audit', false))}},` +
	       `"links":{"self":${str(url(d, '', false))},` +
	       `"department":${str('/api/v1/departments/' + d.dept)},` +
	       `"tables":${str(url(d, '/tables', false))},` +
	       `"projects":${str(url(d, '/projects', false))},` +
	       `"sangong":${st.hasSangong.get(d.id) !== undefined
	                    ? str(url(d, '/sangong', false)) : 'null'}` +
	       (keepsPdf(ctx, src) ? `,"source_pdf":${str(url(d, '/source.pdf', false))}` : '') +
	       '}}';
}

/* ---- projects ---- */

function projectsJson(ctx) {
	const st = ctx.st, d = ctx.d;
	const wh = st.withheld.get(d.id);
	const economic = groupBy(st.economic.all(d.id), 'project_id');
	const allocations = new Map(st.allocations.all(d.id).map((a) => [id(a.project_id), a]));
	const items = groupBy(st.allocationItems.all(d.id), 'allocation_id');
	const targets = new Map(st.targets.all(d.id).map((t) => [id(t.project_id), t]));
	const indicators = groupBy(st.indicators.all(d.id), 'target_id');
	const list = st.projects.all(d.id).map((p) => {
		const withheld = p.withheld !== 0n;
		const a = allocations.get(id(p.id));
		const ai = a !== undefined ? items.get(a.id) || [] : [];
		let alloc = 'null';
		if (a !== undefined && (a.text !== null || ai.length > 0))
			alloc = `{"text":${str(a.text)},"items":[` +
			        ai.map((i) => `{"item":${str(i.item)},` +
			                      `"amount":${jdec(i.amount, i.amount_dp)}}`).join(',') + ']}';
		const t = targets.get(id(p.id));
		const ind = t !== undefined ? indicators.get(t.id) || [] : [];
		let perf = 'null';
		if (t !== undefined && (!blank(t, ['id', 'project_id']) || ind.length > 0))
			perf = `{"funding_total":${jdec(t.funding_total, t.funding_total_dp)},` +
			       `"funding_fiscal":${jdec(t.funding_fiscal, t.funding_fiscal_dp)},` +
			       `"funding_other":${jdec(t.funding_other, t.funding_other_dp)},` +
			       `"objective":${str(t.objective)},"indicators":[` +
			       ind.map((i) => `{"level1":${str(i.level1)},"level2":${str(i.level2)},` +
			                      `"name":${str(i.name)},"value":${str(i.value)},` +
			                      `"op":${str(i.op)},"number":${jdec(i.number, i.number_dp)},` +
			                      `"unit":${str(i.unit)}}`).join(',') + ']}';
		return `{"id":${str(p.slug)},"name":${str(p.name)},"table_name":${str(p.table_name)},` +
		       `"withheld":${withheld},` +
		       `"legal_basis":${str(withheld && wh !== undefined ? wh.legal_source : null)},` +
		       `${codesJson(codesOf(p))},"amount":${jdec(p.amount, p.amount_dp)},` +
		       `"unit":${str(d.unit)},"economic":${amountsJson(economic.get(p.id) || [])},` +
		       `"policy_basis":${str(p.policy_basis)},` +
		       `"executing_unit":${str(p.executing_unit)},"period":${str(p.period)},` +
		       `"allocation":${alloc},"performance":${perf},` +
		       `"self_evaluation":${jdec(p.self_evaluation, p.self_evaluation_dp)},` +
		       `"links":{"self":${str(url(d, '/projects/' + p.slug.slice(0, 100), false))}}}`;
	});
	return `{"unit":${str(d.unit)},"items":[${list.join(',')}],` +
	       `"withheld":${withheldJson(wh)},` +
	       `"links":{"self":${str(url(d, '/projects', false))},` +
	       `"csv":${str(url(d, '/projects', true))}}}`;
}

/* ---- the department list ---- */

function departmentsJson(st, limit, offset) {
	const total = st.deptCount.get().n;
	const page = (off) => `/api/v1/departments?limit=${limit}&offset=${off}`;
	const items = st.deptPage.all(limit, offset).map((r) =>
		`{"id":${str(r.slug)},"name":${str(r.name)},"years":[${r.years || ''}],` +
		`"links":{"self":${str('/api/v1/departments/' + r.slug)}}}`);
	const next = offset + limit < total ? str(page(offset + limit)) : 'null';
	return `{"items":[${items.join(',')}],"total":${total},"limit":${limit},` +
	       `"offset":${offset},"links":{"self":${str(page(offset))},"next":${next}}}`;
}

/* ---- HTTP ---- */

function wantsGzip(header) {
	if (typeof header !== 'string')
		return false;
	return header.split(',').some((part) => {
		const [coding, ...params] = part.trim().split(';');
		if (coding.trim().toLowerCase() !== 'gzip')
			return false;
		const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
		return q === undefined || Number(q.slice(2)) > 0;
	});
}

function send(request, reply, body, type) {
	let buf = Buffer.from(body, 'utf8');
	reply.header('Content-Type', type);
	reply.header('Vary', 'Accept, Accept-Encoding');
	if (buf.length >= GZIP_MIN && wantsGzip(request.headers['accept-encoding'])) {
		buf = zlib.gzipSync(buf, { level: 6 });
		reply.header('Content-Encoding', 'gzip');
	}
	return reply.send(buf);
}

function problem(reply, status, detail) {
	const title = { 400: 'Bad Request', 404: 'Not Found' }[status];
	reply.code(status).header('Content-Type', 'application/problem+json; charset=utf-8');
	return reply.send(`{"type":"about:blank","title":${str(title)},"status":${status},` +
	                  `"detail":${str(detail)}}`);
}

function main() {
	const o = options(process.argv);
	const types = tableTypes(o.types);
	const db = new Database(o.db, { readonly: true, fileMustExist: true });
	const st = statements(db);
	const app = Fastify({ logger: false });

	/* The disclosure of a request, or null after answering 400/404. */
	function disclosure(request, reply) {
		const { id: dept, kind: kindPath, year: yearText } = request.params;
		const kind = KINDS[kindPath];
		const level = request.query.level || 'department';
		if (kind === undefined || !/^[1-9][0-9]{3}$/.test(yearText))
			return problem(reply, 404, 'no such resource'), null;
		if (level !== 'department' && level !== 'unit')
			return problem(reply, 400, 'level must be department or unit'), null;
		const d = st.disclosure.get(dept, Number(yearText), kind, level);
		if (d === undefined)
			return problem(reply, 404, `no ${kind} ${yearText} of department "${dept}"`), null;
		d.dept = dept;
		d.level = level;
		d.base = `/api/v1/departments/${dept}/${kindPath}/${yearText}`;
		return { st, d, files: o.db + '.files/' };
	}

	const read = db.transaction((fn) => fn());

	app.get('/api/v1/departments', (request, reply) => {
		const limit = request.query.limit !== undefined ? Number(request.query.limit)
		                                                : LIMIT_DEFAULT;
		const offset = request.query.offset !== undefined ? Number(request.query.offset) : 0;
		if (!Number.isInteger(limit) || limit < 1 || limit > LIMIT_MAX)
			return problem(reply, 400, `limit must be a number from 1 to ${LIMIT_MAX}`);
		if (!Number.isInteger(offset) || offset < 0)
			return problem(reply, 400, 'offset must be a number from 0 to 1000000000');
		return send(request, reply, read(() => departmentsJson(st, limit, offset)), JSON_TYPE);
	});
	app.get('/api/v1/departments/:id/:kind/:year', (request, reply) => {
		const ctx = disclosure(request, reply);
		if (ctx === null)
			return reply;
		return send(request, reply, read(() => disclosureJson(ctx)), JSON_TYPE);
	});
	app.get('/api/v1/departments/:id/:kind/:year/projects', (request, reply) => {
		const ctx = disclosure(request, reply);
		if (ctx === null)
			return reply;
		return send(request, reply, read(() => projectsJson(ctx)), JSON_TYPE);
	});
	app.get('/api/v1/departments/:id/:kind/:year/tables/:n', (request, reply) => {
		const ctx = disclosure(request, reply);
		if (ctx === null)
			return reply;
		const csv = request.query.format === 'csv';
		const body = read(() => {
			const t = /^[1-9][0-9]?$/.test(request.params.n)
			          ? st.table.get(ctx.d.id, Number(request.params.n)) : undefined;
			if (t === undefined)
				return null;
			return csv ? tableCsv(ctx, t) : tableJson(ctx, t, types);
		});
		if (body === null)
			return problem(reply, 404, `this disclosure has no table ${request.params.n}`);
		return send(request, reply, body, csv ? CSV_TYPE : JSON_TYPE);
	});

	app.listen({ port: o.port, host: o.host }, (err) => {
		if (err) {
			console.error(err.message);
			process.exit(1);
		}
		console.log(`listening on http://${o.host}:${app.server.address().port}/`);
	});
	const stop = () => app.close(() => process.exit(0));
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
}

main();
