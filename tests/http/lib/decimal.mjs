// Exact decimals for the HTTP suite. The data file writes amounts as decimal strings
// ("96.80", "-1.69"); the API writes them as JSON numbers with the published digits. Figures
// are compared as canonical decimal strings, and arithmetic is done on BigInt millionths, so
// no comparison here ever goes through binary floating point.
import assert from 'node:assert/strict';

const DECIMAL = /^(-?)(0|[1-9]\d*)(?:\.(\d+))?$/;
const SCALE_DIGITS = 6;

/** "96.80" -> "96.8", "80.00" -> "80", "0" -> "0", "-1.690" -> "-1.69". */
export function canon(s) {
  assert.equal(typeof s, 'string', `not a decimal string: ${JSON.stringify(s)}`);
  const m = DECIMAL.exec(s);
  assert.ok(m, `not a decimal string: ${JSON.stringify(s)}`);
  const frac = (m[3] ?? '').replace(/0+$/, '');
  const out = `${m[1]}${m[2]}${frac ? `.${frac}` : ''}`;
  return out === '-0' ? '0' : out;
}

/** A decimal string as BigInt millionths (at most 6 decimals, as the store keeps them). */
export function millionths(s) {
  const m = DECIMAL.exec(s);
  assert.ok(m, `not a decimal string: ${JSON.stringify(s)}`);
  const frac = m[3] ?? '';
  assert.ok(frac.length <= SCALE_DIGITS, `more than ${SCALE_DIGITS} decimals: ${s}`);
  const v = BigInt(m[2]) * 10n ** BigInt(SCALE_DIGITS) + BigInt(frac.padEnd(SCALE_DIGITS, '0'));
  return m[1] ? -v : v;
}

/** BigInt millionths back to a canonical decimal string. */
export function fromMillionths(v) {
  const neg = v < 0n;
  const mag = neg ? -v : v;
  const scale = 10n ** BigInt(SCALE_DIGITS);
  const whole = mag / scale;
  const frac = (mag % scale).toString().padStart(SCALE_DIGITS, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/** The text a JSON number from the API stands for, compared with canonical decimals. */
export function numText(n, where = '') {
  assert.equal(typeof n, 'number', `${where}: expected a JSON number, got ${JSON.stringify(n)}`);
  return String(n);
}

/**
 * actual (a JSON value from the API) against expected (a decimal string from the data file,
 * or undefined/null when the figure is not published, which the API writes as null).
 */
export function assertDecimal(actual, expected, where) {
  if (expected === undefined || expected === null) {
    assert.equal(actual, null, `${where}: not published, so null`);
    return;
  }
  assert.equal(numText(actual, where), canon(expected), `${where}: ${actual} vs data ${expected}`);
}

/**
 * Number tokens of a JSON text (strings skipped) with more than 6 decimals or an exponent:
 * either means a figure went through binary floating point.
 */
export function suspiciousNumbers(text) {
  const found = [];
  const number = /-?(?:0|[1-9]\d*)(?:\.(\d+))?(?:[eE][+-]?\d+)?/y;
  for (let i = 0; i < text.length; ) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      i++;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      number.lastIndex = i;
      const m = number.exec(text);
      if (!m) {
        i++;
        continue;
      }
      if ((m[1] ?? '').length > SCALE_DIGITS || /[eE]/.test(m[0])) found.push(m[0]);
      i += m[0].length;
    } else {
      i++;
    }
  }
  return found;
}
