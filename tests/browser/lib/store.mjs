// The store for the picker tests: the seed, the same department in 2020 (with 表三's total
// changed so that switching years is visible) and a second department 测试办公室.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CHANGED_TOTAL = { from: '700.94', to: '654.32' };
/** 2020's figures that differ from the seed's 2021 besides 表三's total (written by hand). */
export const PRIOR_2020 = { basic: '310.00', project: '344.32', sangong: '90.00', vehiclePurchase: '73.20' };
export const OTHER_DEPT = { id: 'test-office', name: '测试办公室' };

/** Builds TMP/store.sqlite with budgetctl; resolves to {dir, store}. The caller removes dir. */
export async function buildPickerStore({ ctl, seedPath }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'budgetd-browser-'));
  const seed = JSON.parse(fs.readFileSync(seedPath, 'utf8'));

  const year2020 = structuredClone(seed);
  year2020.department.id = 'kashi-urumqi-office';
  year2020.year = 2020;
  year2020.title = year2020.title.replace(String(seed.year), '2020');
  const t3 = year2020.tables.find((t) => t.number === 3);
  let changed = 0;
  for (const row of t3.rows) {
    if (row.kind === 'total' && row.amounts.total === CHANGED_TOTAL.from) {
      row.amounts.total = CHANGED_TOTAL.to;
      changed += 1;
    }
  }
  if (changed === 0) throw new Error(`the seed's 表三 has no total row with total ${CHANGED_TOTAL.from}`);
  // 与上年比较 (#15): 2020's 基本支出, 项目支出 (表三's total rows, still summing to 654.32)
  // and 三公 differ from 2021's, so that the page's changes are not all 0.
  for (const row of t3.rows) {
    if (row.kind === 'total') Object.assign(row.amounts, { basic: PRIOR_2020.basic, project: PRIOR_2020.project });
  }
  const purchase = year2020.sangong.items.find((i) => i.key === 'vehicle_purchase');
  purchase.amount = PRIOR_2020.vehiclePurchase;
  year2020.sangong.amount = PRIOR_2020.sangong;

  const other = structuredClone(seed);
  other.department.id = OTHER_DEPT.id;
  other.department.name = OTHER_DEPT.name;

  const copy1 = path.join(dir, 'copy-2020.json');
  const copy2 = path.join(dir, 'copy-test-office.json');
  fs.writeFileSync(copy1, JSON.stringify(year2020, null, 2));
  fs.writeFileSync(copy2, JSON.stringify(other, null, 2));
  const store = path.join(dir, 'store.sqlite');
  await new Promise((resolve, reject) => {
    execFile(ctl, ['import', '--fresh', '--db', store, seedPath, copy1, copy2], { timeout: 20_000 },
      (err, stdout, stderr) => (err
        ? reject(new Error(`budgetctl import failed (${err.code ?? err.signal}): ${stderr}`))
        : resolve()));
  });
  return { dir, store };
}
