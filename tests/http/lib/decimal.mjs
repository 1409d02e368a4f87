// Exact decimals for the HTTP suite. The data file writes amounts as decimal strings
// ("96.80", "-1.69", "91,016,775.35"); the API writes them as JSON number tokens with the
// published digits and decimals (96.80, 91016775.35). Bodies are read with parseExact(), which
// keeps each such token's text, and a figure is compared with the data file's spelling minus
// its thousands separators (printed()); figures the API computes (conversions, prior_year)
// are canonical. Arithmetic is done on BigInt millionths, so no comparison here ever goes
// through binary floating point.
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

/** What the API serves for a figure printed as s: s without its thousands separators,
 * decimals kept ("91,016,775.35" -> "91016775.35", "867.50" -> "867.50"). */
export function printed(s) {
  assert.equal(typeof s, 'string', `not a decimal string: ${JSON.stringify(s)}`);
  const out = s.replace(/,/g, '');
  assert.ok(DECIMAL.test(out), `not a decimal string: ${JSON.stringify(s)}`);
  return out;
}

/**
 * JSON.parse that keeps the text of every number token with a fraction or an exponent, as a
 * string: 867.50 stays "867.50" (JSON.parse alone would give 867.5; Node 20 has no
 * JSON.parse source text access). Integer tokens stay numbers (their text is what String()
 * gives), so counts, years and indexes read as usual; with all, they become text too.
 * mark (JSON string text) is put before each kept token.
 */
export function parseExact(text, { mark = '', all = false } = {}) {
  let out = '';
  let run = 0;
  const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  for (let i = 0; i < text.length;) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      i++;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      number.lastIndex = i;
      const m = number.exec(text);
      if (m && (all || /[.eE]/.test(m[0]))) {
        out += `${text.slice(run, i)}"${mark}${m[0]}"`;
        run = i + m[0].length;
      }
      i += m ? m[0].length : 1;
    } else {
      i++;
    }
  }
  return JSON.parse(out + text.slice(run));
}

/** A JSON text pretty-printed (two spaces) with every number token exactly as written. */
export function prettyExact(text) {
  const MARK = '\\u0000'; // in JSON text; in the parsed string it is "\0"
  return JSON.stringify(parseExact(text, { mark: MARK }), null, 2).replace(/"\\u0000([^"]*)"/g, '$1');
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

/**
 * The text of a JSON number token from the API: from parseExact() a decimal token comes as
 * its text ("867.50"), an integer token as a number. A plain JSON.parse number with a fraction
 * is refused: its text (trailing zeros) is lost.
 */
export function numText(n, where = '') {
  if (typeof n === 'string' && DECIMAL.test(n)) return n;
  assert.ok(typeof n === 'number' && Number.isSafeInteger(n),
    `${where}: expected a number token read by parseExact(), got ${JSON.stringify(n)}`);
  return String(n);
}

/**
 * actual (a value from parseExact() of an API body) against expected (a decimal string as the
 * data file or the PDF prints it, or undefined/null when the figure is not published, which
 * the API writes as null): the same digits and decimals, separators aside.
 */
export function assertDecimal(actual, expected, where) {
  if (expected === undefined || expected === null) {
    assert.equal(actual, null, `${where}: not published, so null`);
    return;
  }
  assert.equal(numText(actual, where), printed(expected), `${where}: ${actual} vs printed ${expected}`);
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
