// What the API must serve, derived from the import file (db/data/*.json) rather than copied:
// every figure is compared as published (its decimals kept, separators dropped), every text
// and code verbatim. Bodies are parseExact()'s (lib/decimal.mjs), so 96.80 is "96.80".
import assert from 'node:assert/strict';
import { assertDecimal, canon, fromMillionths, millionths, numText, printed } from './decimal.mjs';

const orNull = (v) => (v === undefined ? null : v);

/** Fields of a flat object: decimals (decs), texts and counts, absent -> null. */
export function expectFlat(actual, data, { decs = [], texts = [], counts = [] }, where) {
  if (data === undefined || data === null) {
    assert.equal(actual, null, `${where}: not published, so null`);
    return;
  }
  assert.ok(actual && typeof actual === 'object', `${where}: an object`);
  assert.deepEqual(Object.keys(actual).sort(), [...decs, ...texts, ...counts].sort(),
    `${where}: keys`);
  for (const k of decs) assertDecimal(actual[k], data[k], `${where}.${k}`);
  for (const k of texts) assert.equal(actual[k], orNull(data[k]), `${where}.${k}`);
  for (const k of counts) assert.equal(actual[k], orNull(data[k]), `${where}.${k}`);
}

/** codes/code of an object with data codes (published split, and their concatenation). */
export function expectCodes(actual, data, where) {
  if (!data.codes || data.codes.length === 0) {
    assert.equal(actual.codes, null, `${where}.codes`);
    assert.equal(actual.code, null, `${where}.code`);
    return;
  }
  assert.deepEqual(actual.codes, data.codes, `${where}.codes`);
  assert.equal(actual.code, data.codes.join(''), `${where}.code`);
}

/**
 * printed (#18): where the data file says it was printed, as {page, box: [page, x0, y0, x1,
 * y1]}; its page alone ({page, box: null}) when the file gives only that (a section's page);
 * null when it says nothing. Coordinates compare as decimals (56.70 and 56.7 alike).
 */
export function expectPrinted(actual, box, page, where) {
  if (!Array.isArray(box)) {
    assert.deepEqual(actual, Number.isInteger(page) ? { page, box: null } : null, `${where}.printed`);
    return;
  }
  assert.ok(actual && typeof actual === 'object', `${where}.printed: an object`);
  assert.deepEqual(Object.keys(actual), ['page', 'box'], `${where}.printed: keys`);
  assert.equal(actual.page, box[0], `${where}.printed.page`);
  assert.deepEqual(actual.box.map((v, i) => (i === 0 ? v : canon(numText(v, `${where}.printed.box`)))),
    box.map((v, i) => (i === 0 ? v : canon(String(v)))), `${where}.printed.box`);
}

/** amounts: exactly the published cells, each figure equal. */
function expectAmounts(actual, data, where) {
  const published = Object.entries(data ?? {}).filter(([, v]) => typeof v === 'string');
  assert.deepEqual(Object.keys(actual).sort(), published.map(([k]) => k).sort(),
    `${where}: published cells`);
  for (const [k, v] of published) {
    assert.equal(numText(actual[k], `${where}.${k}`), printed(v), `${where}.${k}: ${actual[k]} vs data ${v}`);
  }
}

/** A table's position: format 2's position, format 1's number. */
export const positionOf = (t) => t.position ?? t.number;

export function dataTable(data, number) {
  const t = data.tables.find((x) => positionOf(x) === number);
  assert.ok(t, `the data file has table ${number}`);
  return t;
}

function levelOf(row) {
  if (Number.isInteger(row.level)) return row.level;
  if (row.codes?.length) return row.codes.length;
  return row.kind === 'total' ? 0 : 1;
}

/** A table resource against the data file's table: columns, every row, every figure. */
/**
 * The types of the bundled Kashgar tables by number, as the contract's registry table lists
 * them (/work/plan/contract.md): format 1 files carry no type, the API recognises the title.
 */
export const KASHGAR_TYPES = {
  1: 'budget_summary', 2: 'budget_income', 3: 'budget_expenditure', 4: 'budget_fiscal_summary',
  5: 'budget_general_function', 6: 'budget_general_basic_economic', 7: 'budget_project',
  8: 'budget_sangong', 9: 'budget_fund_function',
};

export function expectTable(json, data, number, base, { type } = {}) {
  const t = dataTable(data, number);
  const w = `table ${number}`;
  assert.equal(json.number, number, `${w}.number`);
  assert.equal(json.position, number, `${w}.position`);
  assert.equal(json.type, t.type ?? type, `${w}.type`);
  assert.ok(json.type_name === null ? json.type === 'other' : typeof json.type_name === 'string',
    `${w}.type_name: a name for a registry type, null for other`);
  assert.equal(json.title, t.title, `${w}.title`);
  assert.equal(json.unit, t.unit ?? data.unit, `${w}.unit`);
  assert.equal(json.classification, orNull(t.classification), `${w}.classification`);
  assert.equal(json.note, orNull(t.note), `${w}.note`);
  assert.equal(json.unplaced_note, orNull(t.unplaced_note), `${w}.unplaced_note`);
  expectPrinted(json.printed, t.box, null, w);
  assert.deepEqual(json.columns, t.columns.map((c) => ({
    key: c.key, title: c.title, group: orNull(c.group), side: orNull(c.side), measure: orNull(c.measure),
  })), `${w}.columns`);
  assert.equal(json.rows.length, t.rows.length, `${w}: number of rows`);
  t.rows.forEach((r, i) => {
    const a = json.rows[i];
    const rw = `${w} row ${i} (${r.name})`;
    assert.equal(a.index, i, `${rw}.index`);
    assert.equal(a.side, orNull(r.side), `${rw}.side`);
    assert.equal(a.kind, r.kind === 'total' ? 'total' : 'item', `${rw}.kind`);
    assert.equal(a.level, levelOf(r), `${rw}.level`);
    expectCodes(a, r, rw);
    assert.equal(a.name, orNull(r.name), `${rw}.name`);
    assert.equal(a.project, orNull(r.project), `${rw}.project`);
    assert.equal(a.project_name, orNull(r.project_name), `${rw}.project_name`);
    expectAmounts(a.amounts, r.amounts, `${rw}.amounts`);
    assert.deepEqual(a.unplaced.map((x) => numText(x, `${rw}.unplaced`)),
      (r.unplaced ?? []).map(printed), `${rw}.unplaced`);
    assert.deepEqual(Object.keys(a.printed), Object.keys(r.boxes ?? {}), `${rw}.printed: keys`);
    for (const [k, box] of Object.entries(r.boxes ?? {})) expectPrinted(a.printed[k], box, null, `${rw}.${k}`);
    // parent: a shallower row above, on the same side, whose codes lead to this row's
    if (a.kind === 'total') assert.equal(a.parent, null, `${rw}: a total row has no parent`);
    if (a.parent !== null) {
      assert.ok(Number.isInteger(a.parent) && a.parent < i, `${rw}.parent ${a.parent} is above`);
      const p = json.rows[a.parent];
      assert.ok(p.level < a.level, `${rw}: parent row ${a.parent} is shallower`);
      assert.equal(p.side, a.side, `${rw}: parent on the same side`);
      if (p.codes && a.codes) {
        assert.deepEqual(a.codes.slice(0, p.codes.length), p.codes, `${rw}: parent codes lead to it`);
      }
    }
  });
  assert.deepEqual(json.totals, json.rows.filter((r) => r.kind === 'total').map((r) => ({
    index: r.index, side: r.side, name: r.name, amounts: r.amounts,
  })), `${w}.totals: the total rows`);
  const self = `${base}/tables/${number}`;
  assert.deepEqual(json.links, { self, csv: `${self}?format=csv` }, `${w}.links`);
}

/** A project resource against the data file's project. */
export function expectProject(json, p, data, base) {
  const w = `project ${p.id}`;
  const withheld = p.withheld === true;
  assert.equal(json.id, p.id, `${w}.id`);
  assert.equal(json.name, orNull(p.name), `${w}.name`);
  assert.equal(json.table_name, orNull(p.table_name), `${w}.table_name`);
  assert.equal(json.withheld, withheld, `${w}.withheld`);
  assert.equal(json.legal_basis, withheld ? data.withheld.legal_source : null, `${w}.legal_basis`);
  if (withheld) assert.equal(json.name, null, `${w}: a withheld project has no name`);
  expectCodes(json, p, w);
  assertDecimal(json.amount, p.amount ?? null, `${w}.amount`);
  assertDecimal(json.self_evaluation, p.self_evaluation ?? null, `${w}.self_evaluation`);
  assert.equal(json.unit, data.unit, `${w}.unit`);
  expectAmounts(json.economic, p.economic, `${w}.economic`);
  for (const k of ['policy_basis', 'executing_unit', 'period']) {
    assert.equal(json[k], orNull(p[k]), `${w}.${k}`);
  }
  if (!p.allocation) {
    assert.equal(json.allocation, null, `${w}.allocation`);
  } else {
    assert.equal(json.allocation.text, orNull(p.allocation.text), `${w}.allocation.text`);
    assert.equal(json.allocation.items.length, (p.allocation.items ?? []).length, `${w}.allocation.items`);
    (p.allocation.items ?? []).forEach((it, i) => {
      assert.equal(json.allocation.items[i].item, it.item, `${w}.allocation.items[${i}].item`);
      assertDecimal(json.allocation.items[i].amount, it.amount, `${w}.allocation.items[${i}].amount`);
    });
  }
  if (!p.performance) {
    assert.equal(json.performance, null, `${w}.performance`);
  } else {
    const perf = json.performance;
    for (const k of ['funding_total', 'funding_fiscal', 'funding_other']) {
      assertDecimal(perf[k], p.performance[k], `${w}.performance.${k}`);
    }
    assert.equal(perf.objective, orNull(p.performance.objective), `${w}.performance.objective`);
    const inds = p.performance.indicators ?? [];
    assert.equal(perf.indicators.length, inds.length, `${w}: number of indicators`);
    inds.forEach((ind, i) => {
      const iw = `${w}.performance.indicators[${i}]`;
      expectFlat(perf.indicators[i], ind,
        { decs: ['number'], texts: ['level1', 'level2', 'name', 'value', 'op', 'unit'] }, iw);
    });
  }
  assert.deepEqual(json.links, { self: `${base}/projects/${p.id}` }, `${w}.links`);
}

/** prior_year = amount - change, exactly (BigInt millionths); null without a change. */
export function priorYear(amount, change) {
  if (amount == null || change == null) return null;
  // the difference of two printed figures, with as many decimals as the finer of them
  const places = (s) => (s.split('.')[1] ?? '').length;
  const dp = Math.max(places(amount), places(change));
  const [int, frac = ''] = fromMillionths(millionths(amount) - millionths(change)).split('.');
  return dp > frac.length ? `${int}.${frac.padEnd(dp, '0')}` : (frac ? `${int}.${frac}` : int);
}

export function expectSangong(json, data, base, { table } = {}) {
  const sg = data.sangong;
  assert.equal(json.unit, sg.unit ?? data.unit, 'sangong.unit');
  for (const k of ['budget', 'final']) assertDecimal(json[k], sg[k] ?? null, `sangong.${k}`);
  assertDecimal(json.amount, sg.amount ?? null, 'sangong.amount');
  assertDecimal(json.change, sg.change, 'sangong.change');
  assertDecimal(json.prior_year, priorYear(sg.amount, sg.change), 'sangong.prior_year');
  assert.equal(json.items.length, sg.items.length, 'sangong: number of items');
  sg.items.forEach((it, i) => {
    const a = json.items[i];
    const w = `sangong.items[${i}] (${it.key})`;
    assert.deepEqual(Object.keys(a).sort(), ['amount', 'budget', 'change', 'completion', 'final', 'key', 'label', 'prior_year', 'reason'], `${w}: keys`);
    for (const k of ['budget', 'final']) assertDecimal(a[k], it[k] ?? null, `${w}.${k}`);
    assert.equal(a.key, it.key, `${w}.key`);
    assert.equal(a.label, it.label, `${w}.label`);
    assert.equal(a.reason, orNull(it.reason), `${w}.reason`);
    assertDecimal(a.amount, it.amount ?? null, `${w}.amount`);
    assertDecimal(a.change, it.change ?? null, `${w}.change`);
    assertDecimal(a.prior_year, priorYear(it.amount, it.change), `${w}.prior_year`);
  });
  assert.deepEqual(json.links, { self: `${base}/sangong`, table: `${base}/tables/${table}` }, 'sangong.links');
}

/** The headline totals as the contract defines them, from the data file's tables. */
export function dataTotals(data) {
  const lastTotal = (n, side) => dataTable(data, n).rows
    .filter((r) => r.kind === 'total' && (side === undefined || r.side === side)).at(-1)?.amounts;
  const first = (amounts) => Object.values(amounts ?? {}).find((v) => typeof v === 'string');
  const t3 = lastTotal(3);
  return {
    revenue: first(lastTotal(1, 'income')),
    expenditure: first(lastTotal(1, 'expenditure')),
    basic: t3?.basic,
    project: t3?.project,
  };
}

export function expectDisclosure(json, data, base) {
  const dep = data.department;
  expectFlat(json.department, dep, { texts: ['id', 'name', 'short_name', 'region', 'parent'] }, 'department');
  for (const k of ['year', 'kind', 'title', 'published', 'unit']) assert.equal(json[k], data[k], k);
  assert.equal(json.level, data.level ?? 'department', 'level');
  expectFlat(json.source, data.source,
    { texts: ['document', 'file', 'url', 'notes', 'sha256'], counts: ['pages'] }, 'source');

  const ov = data.overview;
  assert.deepEqual(json.overview.functions, ov.functions, 'overview.functions');
  if (!ov.organization) {
    assert.equal(json.overview.organization, null, 'overview.organization');
  } else {
    const { internal_units: units, units: members, ...org } = json.overview.organization;
    const { internal_units: dunits, units: dmembers, ...dorg } = ov.organization;
    expectFlat(org, dorg, {
      texts: ['text'], counts: ['subordinate_units', 'administrative_units', 'institutional_units'],
    }, 'overview.organization');
    assert.deepEqual(units, dunits ?? [], 'overview.organization.internal_units');
    assert.deepEqual(members, (dmembers ?? []).map((u) => ({ name: u.name, type: orNull(u.type), note: orNull(u.note) })),
      'overview.organization.units');
  }
  assert.equal(json.overview.staffing.length, ov.staffing.length, 'overview.staffing');
  ov.staffing.forEach((s, i) => expectFlat(json.overview.staffing[i], s,
    { texts: ['category', 'label'], counts: ['count', 'change'] }, `overview.staffing[${i}]`));

  // Format 1 (the bundled data, all in 万元): the totals derive from 表一 and 表三. Format 2
  // files are checked by their tests against figures written out by hand.
  if (data.format === 'budgetd-disclosure/1') {
    const totals = dataTotals(data);
    for (const k of ['revenue', 'expenditure', 'basic', 'project']) {
      assert.ok(totals[k] !== undefined, `the data file's tables give totals.${k}`);
      assertDecimal(json.totals[k], canon(totals[k]), `totals.${k}`); // computed: canonical
    }
    assert.equal(json.totals.unit, '万元', 'totals.unit');
    assert.deepEqual(json.totals.converted_from, [], 'totals.converted_from: nothing to convert');
  }

  assert.equal(json.explanations.length, data.explanations.length, 'number of explanations');
  data.explanations.forEach((e, i) => {
    const a = json.explanations[i];
    const w = `explanations[${i}] (${e.key})`;
    assert.equal(a.key, e.key, `${w}.key`);
    assert.equal(a.number, orNull(e.number), `${w}.number`);
    assert.equal(a.title, orNull(e.title), `${w}.title`);
    expectPrinted(a.printed, e.box, e.page, w);
    assert.deepEqual(a.paragraphs, e.paragraphs ?? [], `${w}.paragraphs`);
    const figs = e.figures ?? [];
    assert.equal(a.figures.length, figs.length, `${w}: number of figures`);
    figs.forEach((f, k) => {
      const fw = `${w}.figures[${k}] (${f.label})`;
      const { codes, code, printed: place, ...flat } = a.figures[k];
      expectPrinted(place, f.box, null, fw);
      expectFlat(flat, f, {
        decs: ['amount', 'share', 'change', 'change_percent'], texts: ['label', 'reason', 'detail'],
      }, fw);
      expectCodes({ codes, code }, f, fw);
    });
  });

  expectFlat(json.operating_costs, data.operating_costs, {
    decs: ['amount', 'budget', 'final', 'change', 'change_percent'], texts: ['reason', 'unit'],
    counts: ['administrative_units', 'institutional_units'],
  }, 'operating_costs');
  expectFlat(json.procurement, data.procurement, {
    decs: ['amount', 'goods', 'works', 'services', 'sme_reserved', 'small_micro_reserved'],
  }, 'procurement');
  if (!data.assets) {
    assert.equal(json.assets, null, 'assets');
  } else {
    const { vehicles, ...flat } = json.assets;
    const { vehicles: dv, ...dflat } = data.assets;
    expectFlat(flat, dflat, {
      decs: ['building_area', 'building_value', 'furniture_value', 'other_value', 'planned_vehicle_purchase'],
      texts: ['as_of'],
      counts: ['equipment_over_50', 'equipment_over_100', 'planned_equipment_over_50', 'planned_equipment_over_100', 'planned_vehicles'],
    }, 'assets');
    assert.equal(vehicles.length, (dv ?? []).length, 'assets.vehicles');
    (dv ?? []).forEach((v, i) => expectFlat(vehicles[i], v,
      { decs: ['value'], texts: ['kind', 'label'], counts: ['count'] }, `assets.vehicles[${i}]`));
  }
  expectFlat(json.performance, data.performance,
    { decs: ['amount'], texts: ['text'], counts: ['project_count'] }, 'performance');
  expectFlat(json.withheld, data.withheld,
    { decs: ['amount'], texts: ['legal_source', 'basis', 'text'], counts: ['count'] }, 'withheld');

  assert.equal(json.glossary.length, data.glossary.length, 'number of glossary terms');
  data.glossary.forEach((g, i) => expectFlat(json.glossary[i], g,
    { texts: ['number', 'term', 'definition'] }, `glossary[${i}]`));

  assert.deepEqual(json.links, {
    self: base,
    department: `/api/v1/departments/${dep.id}`,
    tables: `${base}/tables`,
    projects: `${base}/projects`,
    sangong: `${base}/sangong`,
  }, 'links');
}
