// Where the browser suite finds budgetd, its data, playwright-core and Chromium. The meson
// test passes the paths in the environment; run by hand from the repository root, the
// defaults point into build/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '..', '..', '..');

const env = (name, fallback) => process.env[name] || fallback;

export const bin = env('BUDGETD_BIN', path.join(root, 'build/server/budgetd'));
export const ctl = env('BUDGETCTL_BIN', path.join(path.dirname(bin), 'budgetctl'));
export const store = env('BUDGETD_STORE', path.join(root, 'build/server/budgetd.sqlite'));
export const staticDir = env('BUDGETD_STATIC', path.join(root, 'static'));
export const seedPath = env('BUDGETD_SEED', path.join(root, 'db/data/kashi-urumqi-office-2021-budget.json'));
export const chromiumPath = env('CHROMIUM', '/usr/bin/chromium');

/** Screenshots go to $BUDGETD_SHOTS, else build/ when it exists, else the temp directory. */
export function shotsDir() {
  const dir = process.env.BUDGETD_SHOTS
    || (fs.existsSync(path.join(root, 'build')) ? path.join(root, 'build') : os.tmpdir());
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** playwright-core's chromium, or a clear error saying what to install. */
export async function loadChromium() {
  if (!fs.existsSync(path.join(root, 'node_modules', 'playwright-core', 'package.json'))) {
    throw new Error(`run \`npm ci\` first (in ${root}: node_modules/playwright-core is missing)`);
  }
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(`install Debian's chromium (apt-get install chromium): ${chromiumPath} is missing`
      + ' (or set CHROMIUM to a Chromium binary)');
  }
  const { chromium } = await import('playwright-core');
  return chromium;
}

/** Debian's Chromium, headless, without sandbox, GPU or any background traffic. */
export function launch(chromium) {
  return chromium.launch({
    executablePath: chromiumPath,
    timeout: 10_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-dev-shm-usage'],
  });
}
