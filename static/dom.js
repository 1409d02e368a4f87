// SPDX-License-Identifier: MIT
// Helpers of the front page (app.js; the /embed/ views are rendered by the server): building
// elements, Chinese numerals, and reading the API's JSON with each number's source text.

const NUM = '零一二三四五六七八九';

/** 1..99 in Chinese numerals (表七, 表十二); larger numbers in digits. */
export function cn(n) {
  n = Number(n);
  if (n < 10) return NUM[n];
  if (n < 100) return (n >= 20 ? NUM[Math.floor(n / 10)] : '') + '十' + (n % 10 ? NUM[n % 10] : '');
  return String(n);
}

/** Appends kids (nested arrays; null and false left out; text as text) to el; returns el. */
export function add(el, kids) {
  for (const k of kids.flat(Infinity)) {
    if (k != null && k !== false) el.append(k instanceof Node ? k : String(k));
  }
  return el;
}

/** h('td', {class: 'num'}, '1'): an HTML element; attributes with null/false values are left
 * out, on* attributes are event listeners. */
export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  return add(el, kids);
}

/** An amount as the API printed it; blank when not published. */
export const num = (v) => (v == null ? '' : String(v));
export const has = (v) => v != null && v !== '';

/** JSON.parse keeping each number's source text where supported ('96.80' stays as printed). */
export function parse(text) {
  return JSON.parse(text, (key, value, context) => (typeof value === 'number' && context && context.source ? context.source : value));
}
