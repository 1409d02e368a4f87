// A corpus disclosure for the suites: tests/extract/expected/<pdf>.json holds every cell of
// the nine tables of a real PDF, checked by hand (tests/extract/README.md). Turned into an
// import file (format 2), it puts real tables (元 and 万元, real headers, joined codes,
// thousands separators) through budgetctl import, the API and the page. The suites assert
// figures read off the PDF's text, not off this conversion.
import fs from 'node:fs';
import path from 'node:path';

/** Column keys the contract gives to these printed headers (the last header level). */
const KEYS = {
  合计: 'total', 本年支出合计: 'total', 本年收入合计: 'total', 基本支出: 'basic', 项目支出: 'project', 人员经费: 'personnel', 公用经费: 'public',
  财政拨款收入: 'fiscal', 事业收入: 'business_income', 事业单位经营收入: 'operating_income', 其他收入: 'other_income',
  一般公共预算: 'general_budget', 政府性基金预算: 'fund_budget', 国有资本经营预算: 'state_capital',
};
const TOTAL_NAMES = new Set(['合计', '总计', '收入总计', '支出总计', '本年收入合计', '本年支出合计']);

/** 预算数 / 决算数 as printed, else what the kind publishes. */
const measureOf = (title, kind) => (/预算数$/.test(title) ? 'budget' : /决算数$/.test(title) ? 'final' : kind);

function columnsOf(t, kind) {
  const used = new Set();
  return t.columns.map((c, i) => {
    const parts = c.title.split('/');
    const title = parts.pop();
    const measure = measureOf(title, kind);
    let key = c.side && !used.has(c.side) ? c.side : KEYS[title];
    if (!key || used.has(key)) key = `c${i + 1}`;
    used.add(key);
    return { key, title, ...(parts.length ? { group: parts.join('/') } : {}), ...(c.side ? { side: c.side } : {}), measure };
  });
}

function rowOf(r, cols) {
  const side = cols.filter((c) => !r.side || c.side === r.side);
  const amounts = {};
  r.cells.forEach((v, i) => { if (v !== null) amounts[side[i].key] = v; });
  const name = r.name.replace(/\s/g, '');
  return {
    ...(r.side ? { side: r.side } : {}),
    // an unnamed row without codes (表九's one line of figures) is the table's total, as
    // the bundled Kashgar file records its 表八
    ...(TOTAL_NAMES.has(name) || (!name && !r.codes) ? { kind: 'total' } : {}),
    ...(r.codes ? { codes: r.codes } : {}),
    ...(r.name ? { name: r.name } : {}),
    amounts,
  };
}

/** The import document (format 2) for an expected file, under department {id, name}. */
export function corpusDocument(expected, department, title) {
  const measure = expected.kind === 'final' ? 'final' : 'budget';
  return {
    format: 'budgetd-disclosure/2',
    department,
    year: expected.year,
    kind: expected.kind,
    level: expected.level,
    title,
    unit: '万元',
    source: { document: `${department.name}${title}（${expected.file}）` },
    tables: expected.tables.map((t) => {
      const columns = columnsOf(t, measure);
      return {
        position: t.position, type: t.type, title: t.title, unit: t.unit,
        ...(t.note ? { note: t.note } : {}),
        columns,
        rows: t.rows.map((r) => rowOf(r, columns)),
      };
    }),
  };
}

/** The corpus disclosures the suites import. */
export const CORPUS = [{
  expected: 'putuo-govt-office-2025-budget-dept.json',
  department: { id: 'putuo-govt-office', name: '上海市普陀区人民政府办公室' },
  title: '2025年部门预算',
}, {
  expected: 'putuo-govt-office-2025-budget-unit.json',
  department: { id: 'putuo-govt-office', name: '上海市普陀区人民政府办公室' },
  title: '2025年单位预算',
}, {
  expected: 'putuo-cpc-social-work-2024-final-dept.json',
  department: { id: 'putuo-cpc-social-work', name: '中共上海市普陀区委社会工作部' },
  title: '2024年度部门决算',
}];

/** Writes each corpus disclosure as an import file into dir; returns their paths. */
export function writeCorpus(root, dir) {
  return CORPUS.map(({ expected, department, title }) => {
    const src = JSON.parse(fs.readFileSync(path.join(root, 'tests', 'extract', 'expected', expected), 'utf8'));
    const file = path.join(dir, `corpus-${expected}`);
    fs.writeFileSync(file, JSON.stringify(corpusDocument(src, department, title), null, 1));
    return file;
  });
}
