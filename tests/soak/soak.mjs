// SPDX-License-Identifier: MIT
// tests/soak/soak.mjs: the load generator and judge behind tests/soak/soak (run that script,
// not this file). `run` finds every resource of the served store, takes a reference answer
// for each, warms up, records budgetd's baseline, runs the mixed load for the duration while
// sampling budgetd every 10 s, closes every client and samples again; it writes summary.json
// and the raw samples. `report` turns summary.json, and how budgetd stopped, into the Markdown
// verdict. Node 18+ built-ins only.
import crypto from 'node:crypto';
import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  Histogram, Samples, between, int, loopback, mb, ms2, now, pick, procSample, rawExchange, request,
  main, sleep, table, trickle, verdict, writeJson,
} from './lib.mjs';

const SAMPLE_MS = 10_000; // budgetd's RSS, peak RSS and fds are read this often
const WORKERS_PER_ADDRESS = 15; // a worker holds at most 3 connections: 45 per source address
const RSS_SLACK_KB = 2048; // "RSS flat": the second half's max may exceed the first's by this
const FD_SLACK = 2; // "fds back to baseline": within this many
const STOP_LIMIT_MS = 5000; // budgetd must exit this soon after SIGTERM
const RETRYABLE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
// what a file outside the static folder would show if a traversal worked
const LEAK = /root:x?:0:0|project\('budgetd'|\[Unit\]|PRIVATE KEY/;

const say = (msg) => process.stderr.write(`soak: ${msg}\n`);
const sha1 = (b) => crypto.createHash('sha1').update(b).digest('hex');
const short = (p) => (p.length > 90 ? `${p.slice(0, 60)}… (${p.length} bytes)` : p);
const snippet = (b) => JSON.stringify((b ?? Buffer.alloc(0)).toString('latin1').slice(0, 120));
const httpDate = (ms) => new Date(ms).toUTCString();

export const CLASSES = {
  good: 'good: GET, HEAD and OPTIONS of every resource, plain and gzip (keep-alive)',
  conditional: 'conditional: If-None-Match / If-Modified-Since, matching (304) or not (200)',
  bad: 'bad requests over HTTP: 404, 400, 405, 406, 414, bad %-encoding (200: an odd but valid q), traversal',
  raw: 'bad requests over raw TCP, a connection each: garbage, huge headers, huge URL (200: HTTP/1.1 without Host)',
  slow: 'slow clients: request trickled over 1–4 s, or answer read after 2–5 s',
  silent: 'silent connections: nothing or half a request line, then 5–40 s of silence',
};

// --- statistics -----------------------------------------------------------------------------

class Stats {
  constructor() {
    this.total = 0; // exchanges finished (answered or not)
    this.classes = {}; // class -> {n, outcomes: {outcome: count}, errors}
    this.errors = {}; // kind -> count
    this.errorCount = 0;
    this.fiveXX = 0;
    this.errorLog = [];
    this.retries = 0; // keep-alive connections closed by budgetd as a request went out: retried once
    this.latency = new Histogram(); // good requests on keep-alive connections
    this.silentHeld = new Samples(); // seconds until budgetd closed a silent connection
    this.probes = {}; // "class: probe name" -> {outcome: count}, for probes.tsv
  }

  probe(name, outcome) {
    const p = (this.probes[name] ??= {});
    p[outcome] = (p[outcome] ?? 0) + 1;
  }

  cls(name) {
    return (this.classes[name] ??= { n: 0, outcomes: {}, errors: 0 });
  }

  seen(name, outcome) {
    const c = this.cls(name);
    c.n++;
    c.outcomes[outcome] = (c.outcomes[outcome] ?? 0) + 1;
    this.total++;
    if (typeof outcome === 'number' && outcome >= 500) this.fiveXX++;
  }

  error(kind, name, detail) {
    this.errors[kind] = (this.errors[kind] ?? 0) + 1;
    this.errorCount++;
    this.cls(name).errors++;
    if (this.errorLog.length < 1000) this.errorLog.push(`${new Date().toISOString()} [${name}] ${kind}: ${detail}`);
  }

  toJSON() {
    return {
      total: this.total, classes: this.classes, errors: this.errors, errorCount: this.errorCount,
      fiveXX: this.fiveXX, retries: this.retries, latency: this.latency.summary(),
      silentHeld: this.silentHeld.summary(), probes: this.probes,
    };
  }
}

const outcomeOf = (r) => (r.error ? `no answer (${r.error})` : r.status);

// --- what is requested ----------------------------------------------------------------------

/** Header sets a good request goes out with; each is its own cached representation. */
const VARIANTS = {
  plain: {},
  gzip: { 'accept-encoding': 'gzip' },
  browser: { 'accept-encoding': 'gzip, deflate, br', accept: 'application/json, text/plain, */*' },
};
const CSV_VARIANTS = {
  'accept csv': { accept: 'text/csv' },
  'accept csv, gzip': { accept: 'text/csv', 'accept-encoding': 'gzip' },
};

/**
 * Every good URL of the served store, found through the API's own links, plus the department
 * list with its parameters, openapi.json and the front page's files; then one reference answer
 * per URL and header set: status 200, ETag, Last-Modified, SHA-1 of the body. A gzip'd answer
 * must gunzip to the plain one. Problems are returned in `problems`, not thrown.
 */
async function discover(port) {
  const problems = [];
  const get = (p, headers = {}) => request({ port, agent: false, path: p, headers, timeoutMs: 10_000 });
  const json = async (p) => {
    const r = await get(p);
    if (r.error || r.status !== 200) throw new Error(`GET ${p}: ${r.error ?? r.status}`);
    return JSON.parse(r.body.toString('utf8'));
  };
  const urls = []; // [path, csv-capable]
  const add = (p, csv = false) => { if (p && !urls.some(([q]) => q === p)) urls.push([p, csv]); };

  const list = await json('/api/v1/departments?limit=500');
  const depts = list.items.slice(0, 5);
  let first = null;
  for (const d of depts) {
    const dept = await json(d.links.self);
    add(d.links.self);
    for (const disc of dept.disclosures) {
      const o = await json(disc.links.self);
      first ??= { dept: d.id, base: disc.links.self, years: dept.disclosures.map((x) => x.year) };
      add(disc.links.self);
      if (o.links.tables) {
        add(o.links.tables);
        for (const t of (await json(o.links.tables)).items) {
          add(t.links.self, true);
          add(t.links.csv);
        }
      }
      if (o.links.projects) {
        add(o.links.projects, true);
        const projects = await json(o.links.projects);
        add(projects.links.csv);
        for (const p of projects.items) add(p.links?.self);
      }
      if (o.links.sangong) add(o.links.sangong);
    }
  }
  if (!first) throw new Error('the store has no disclosure');
  add('/api/v1/openapi.json');
  add('/api/v1/departments');
  // the department list with its parameters: a fixed set, so that the cache is full after warm-up
  const qs = [undefined, 'kashi', '喀什', '办事处', 'nope', 'office'];
  for (const limit of [undefined, 1, 10, 500]) {
    for (const offset of [undefined, 0, 1]) {
      for (const q of qs) {
        for (const year of [undefined, 2021, 2020]) {
          const params = new URLSearchParams();
          if (limit !== undefined) params.set('limit', limit);
          if (offset !== undefined) params.set('offset', offset);
          if (q !== undefined) params.set('q', q);
          if (year !== undefined) params.set('year', year);
          const s = params.toString().replace(/\+/g, '%20');
          if (s) add(`/api/v1/departments?${s}`);
        }
      }
    }
  }
  for (const f of ['/', '/index.html', '/app.js', '/style.css', '/favicon.svg']) add(f);

  const refs = [];
  for (const [p, csv] of urls) {
    const variants = { ...VARIANTS, ...(csv ? CSV_VARIANTS : {}) };
    const bodies = {};
    for (const [variant, headers] of Object.entries(variants)) {
      const r = await get(p, headers);
      if (r.error || r.status !== 200) {
        if (!(p === '/favicon.svg' && r.status === 404)) problems.push(`reference GET ${p} (${variant}): ${r.error ?? r.status}`);
        continue;
      }
      if (!r.headers.etag) problems.push(`reference GET ${p} (${variant}): no ETag`);
      let plain = r.body;
      if (/gzip/.test(r.headers['content-encoding'] ?? '')) {
        try {
          plain = zlib.gunzipSync(r.body);
        } catch (e) {
          problems.push(`reference GET ${p} (${variant}): the gzip body does not gunzip: ${e.message}`);
        }
      }
      const key = headers.accept === 'text/csv' ? 'csv' : 'json';
      if (bodies[key] && !bodies[key].equals(plain)) problems.push(`reference GET ${p} (${variant}): gunzips to other bytes than the plain answer`);
      bodies[key] ??= plain;
      refs.push({
        path: p, variant, headers, etag: r.headers.etag, lastModified: r.headers['last-modified'],
        sha1: sha1(r.body), bytes: r.body.length, api: p.startsWith('/api/'),
      });
    }
  }
  return { refs, urls: urls.length, first, problems };
}

/** Requests that must get a particular 4xx (over node:http, on a keep-alive connection). */
function httpProbes({ dept, base, years }) {
  const D = `/api/v1/departments/${dept}`;
  const absent = [1995, 2000, 2010, 2019].find((y) => !years.includes(y));
  const p = [];
  const probe = (name, pth, expect, extra = {}) => p.push({ name, path: pth, expect, ...extra });
  // unknown paths
  probe('unknown page', '/nope', [404]);
  probe('unknown API path', '/api/v1/nope', [404]);
  probe('another API version', '/api/v2/departments', [404]);
  probe('unknown department', '/api/v1/departments/nope', [404]);
  probe('unknown year', `${D}/budgets/${absent}`, [404]);
  probe('unknown project', `${base}/projects/nope`, [404]);
  probe('segment after a table', `${base}/tables/1/extra`, [404]);
  probe('trailing slash', '/api/v1/departments/', [404]);
  probe('empty segment', '/api/v1//departments', [404]);
  // bad numbers and parameters
  probe('year abc', `${D}/budgets/abc`, [400]);
  probe('year 1800', `${D}/budgets/1800`, [400]);
  probe('table 10 (positions go to 99: a table this disclosure lacks)', `${base}/tables/10`, [404]);
  probe('table 100', `${base}/tables/100`, [400]);
  probe('table 0', `${base}/tables/0`, [400]);
  probe('table abc', `${base}/tables/abc`, [400]);
  probe('table -1', `${base}/tables/-1`, [400]);
  probe('limit -1', '/api/v1/departments?limit=-1', [400]);
  probe('limit 0', '/api/v1/departments?limit=0', [400]);
  probe('limit 501', '/api/v1/departments?limit=501', [400]);
  probe('limit abc', '/api/v1/departments?limit=abc', [400]);
  probe('limit 2^64', '/api/v1/departments?limit=18446744073709551617', [400]);
  probe('offset -5', '/api/v1/departments?offset=-5', [400]);
  probe('offset 1e3', '/api/v1/departments?offset=1e3', [400]);
  probe('year=abc on the list', '/api/v1/departments?year=abc', [400]);
  probe('empty q', '/api/v1/departments?q=', [400]);
  probe('q of 300 bytes', `/api/v1/departments?q=${'q'.repeat(300)}`, [400]);
  probe('format=xml', `${base}/tables/1?format=xml`, [400]);
  probe('format=csv where only JSON is offered', `${base}?format=csv`, [400]);
  // methods
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
    probe(`${method} on the API`, `${base}/tables/6`, [405], { method, body: method === 'DELETE' ? undefined : '{"x":1}' });
  }
  probe('PUT with a 10 KB body', '/api/v1/departments', [405], { method: 'PUT', body: 'x'.repeat(10_240) });
  probe('POST on a page', '/', [405], { method: 'POST', body: 'a=1' });
  probe('OPTIONS on a page', '/app.js', [405], { method: 'OPTIONS' });
  // content negotiation
  probe('Accept: image/png', `${base}/tables/1`, [406], { headers: { accept: 'image/png' } });
  probe('Accept: text/csv on a department', '/api/v1/departments/kashi-urumqi-office', [406], { headers: { accept: 'text/csv' } });
  // overlong URLs (budgetd's own limit: 2048 bytes)
  probe('path of 2,100 bytes', `/api/v1/departments/${'x'.repeat(2100)}`, [414]);
  probe('query of 3,000 bytes', `/api/v1/departments?limit=1&pad=${'x'.repeat(3000)}`, [414]);
  probe('page path of 5,000 bytes', `/${'a'.repeat(5000)}`, [414]);
  // invalid percent-encoding
  probe('%zz in a path', '/api/v1/departments/%zz', [404]);
  probe('lone % in a page path', '/%', [404]);
  probe('%ff%fe in a page path', '/%ff%fe', [404]);
  probe('%00 in a path', '/api/v1/departments/%00', [400, 404]);
  probe('%zz in q', '/api/v1/departments?q=%zz', [200, 400]);
  probe('cut UTF-8 in q', '/api/v1/departments?q=%E5%96', [200, 400]);
  // traversal: never a file outside the static folder
  for (const t of [
    '/../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/static/../../etc/passwd', '/..%2f..%2f..%2fetc%2fpasswd',
    '//etc/passwd', '/%2e%2e%2fmeson.build', '/../meson.build', '/app.js/../../meson.build',
    '/.%2e/.%2e/etc/passwd', '/api/v1/../../../etc/passwd', '/..\\..\\etc\\passwd', '/%2e%2e%5c%2e%2e%5cetc%5cpasswd',
  ]) {
    probe(`traversal ${t}`, t, [400, 404], { traversal: true });
  }
  return p;
}

/** Garbage sent over a fresh TCP connection; any 4xx answer, or a close, is right. */
function rawProbes(port) {
  const host = `Host: 127.0.0.1:${port}\r\n`;
  const p = [];
  const probe = (name, make, more = {}) => p.push({ name, pieces: () => [make()], waitMs: 5000, allow: [], ...more });
  probe('not HTTP at all', () => 'THIS IS NOT HTTP\r\n\r\n');
  probe('request line without a version', () => 'GET /api/v1/departments\r\n\r\n');
  // no line end may come: budgetd may rightly wait for the rest (until its timeout)
  probe('TLS ClientHello', () => Buffer.concat([Buffer.from('16030100a5010000a10303', 'hex'), crypto.randomBytes(160)]), { waitMs: 1500 });
  probe('random bytes', () => crypto.randomBytes(512), { waitMs: 1500 });
  probe('header line without a colon', () => `GET /api/v1/departments HTTP/1.1\r\n${host}NoColonHere\r\n\r\n`);
  // RFC 9112 wants a 400 here; libmicrohttpd without its pedantic checks serves the request
  probe('HTTP/1.1 without Host', () => 'GET /api/v1/departments HTTP/1.1\r\n\r\n', { allow: [200] });
  probe('negative Content-Length', () => `POST /api/v1/departments HTTP/1.1\r\n${host}Content-Length: -1\r\n\r\n`);
  probe('bad chunk size', () => `POST /api/v1/departments HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\nzz\r\n\r\n`);
  probe('NUL in the path', () => `GET /api\0/v1 HTTP/1.1\r\n${host}\r\n`);
  probe('spaces in the path', () => `GET /api v1 departments HTTP/1.1\r\n${host}\r\n`);
  probe('64 KB header', () => `GET /api/v1/departments HTTP/1.1\r\n${host}X-Big: ${'a'.repeat(65_536)}\r\n\r\n`);
  probe('5,000 headers', () => `GET /api/v1/departments HTTP/1.1\r\n${host}${Array.from({ length: 5000 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n`);
  probe('100 KB URL', () => `GET /api/v1/departments?q=${'a'.repeat(100_000)} HTTP/1.1\r\n${host}\r\n`);
  probe('1 KB method', () => `${'G'.repeat(1024)} / HTTP/1.1\r\n${host}\r\n`);
  return p;
}

// --- the load -------------------------------------------------------------------------------

class Load {
  constructor({ port, concurrency, refs, http: hp, raw, stats }) {
    Object.assign(this, { port, concurrency, refs, httpProbes: hp, rawProbes: raw, stats });
    this.apiRefs = refs.filter((r) => r.api);
    this.stopping = false;
    this.abort = new AbortController();
    setMaxListeners(0, this.abort.signal); // every raw exchange in flight listens to it
    const n = concurrency;
    this.roles = { silent: Math.max(1, Math.round(n * 0.1)), slow: Math.max(1, Math.round(n * 0.15)) };
    this.roles.fast = n - this.roles.silent - this.roles.slow;
    this.addresses = Math.ceil(n / WORKERS_PER_ADDRESS);
  }

  start() {
    const { silent, slow } = this.roles;
    this.done = Promise.all(Array.from({ length: this.concurrency }, (_, i) => {
      const role = i < silent ? 'silent' : i < silent + slow ? 'slow' : 'fast';
      return this.worker(role, loopback(i % this.addresses));
    }));
  }

  async stop() {
    this.stopping = true;
    this.abort.abort();
    await this.done;
  }

  async worker(role, addr) {
    const w = {
      addr,
      agent: new http.Agent({ keepAlive: true, maxSockets: 1 }),
      badAgent: new http.Agent({ keepAlive: true, maxSockets: 1 }),
    };
    await sleep(Math.random() * 1000); // not all at once
    try {
      while (!this.stopping) {
        if (role === 'silent') await this.silent(w);
        else if (role === 'slow') await this.slow(w);
        else await this.fast(w);
      }
    } finally {
      w.agent.destroy();
      w.badAgent.destroy();
    }
  }

  fast(w) {
    const x = Math.random();
    if (x < 0.55) return this.good(w);
    if (x < 0.72) return this.conditional(w);
    if (x < 0.92) return this.bad(w);
    if (x < 0.97) return this.raw(w);
    return this.options(w);
  }

  /** node:http on the worker's keep-alive connection; when budgetd had closed that connection
   * as the request went out (nothing answered, reused socket), retried once on a new one, as
   * HTTP clients do (RFC 9112, 9.3.1). */
  async http(agent, w, opts) {
    const go = () => request({ port: this.port, agent, localAddress: w.addr, ...opts });
    let r = await go();
    if (r.error && r.reused && !r.gotResponse && RETRYABLE.has(r.error)) {
      this.stats.retries++;
      r = await go();
    }
    return r;
  }

  /** A good answer: 200, the reference's ETag and the reference's bytes. */
  checkGood(cls, ref, r, method) {
    const s = this.stats, what = `${method} ${short(ref.path)} (${ref.variant})`;
    s.seen(cls, outcomeOf(r));
    if (r.error) {
      return s.error(r.error === 'TIMEOUT' ? 'no answer within 30 s to a good request' : 'connection reset or closed on a good request', cls, `${what}: ${r.error}`);
    }
    if (r.status >= 500) return s.error('5xx', cls, `${what}: ${r.status} ${snippet(r.body)}`);
    if (r.status !== 200) return s.error('wrong status', cls, `${what}: ${r.status}, expected 200: ${snippet(r.body)}`);
    if (r.headers.etag !== ref.etag) return s.error('ETag differs from the reference', cls, `${what}: ${r.headers.etag} vs ${ref.etag}`);
    if (method === 'HEAD' ? r.body.length !== 0 : sha1(r.body) !== ref.sha1) {
      return s.error('body differs from the reference', cls, `${what}: ${r.body.length} bytes vs ${ref.bytes}`);
    }
    return undefined;
  }

  async good(w) {
    const ref = pick(this.refs);
    const method = Math.random() < 0.05 ? 'HEAD' : 'GET';
    const r = await this.http(w.agent, w, { path: ref.path, method, headers: ref.headers });
    this.checkGood('good', ref, r, method);
    if (!r.error && r.status === 200) this.stats.latency.add(r.ms);
  }

  async options(w) {
    const ref = pick(this.apiRefs);
    const r = await this.http(w.agent, w, {
      path: ref.path, method: 'OPTIONS', headers: { origin: 'https://portal.example', 'access-control-request-method': 'GET' },
    });
    const s = this.stats, what = `OPTIONS ${short(ref.path)}`;
    s.seen('good', outcomeOf(r));
    if (r.error) s.error('connection reset or closed on a good request', 'good', `${what}: ${r.error}`);
    else if (r.status >= 500) s.error('5xx', 'good', `${what}: ${r.status}`);
    else if (r.status !== 204) s.error('wrong status', 'good', `${what}: ${r.status}, expected 204`);
  }

  async conditional(w) {
    const ref = pick(this.refs);
    const modes = ['inm', 'inm-weak', 'inm-list', 'inm-other'];
    if (ref.lastModified) modes.push('ims', 'ims-later', 'ims-earlier');
    const mode = pick(modes);
    const headers = { ...ref.headers };
    const lm = Date.parse(ref.lastModified ?? '');
    let want = 304;
    if (mode === 'inm') headers['if-none-match'] = ref.etag;
    else if (mode === 'inm-weak') headers['if-none-match'] = `W/${ref.etag}`;
    else if (mode === 'inm-list') headers['if-none-match'] = `"0000000000000000", ${ref.etag}`;
    else if (mode === 'inm-other') { headers['if-none-match'] = '"0000000000000000"'; want = 200; }
    else if (mode === 'ims') headers['if-modified-since'] = ref.lastModified;
    else if (mode === 'ims-later') headers['if-modified-since'] = httpDate(lm + 86_400_000);
    else { headers['if-modified-since'] = httpDate(lm - 86_400_000); want = 200; }
    const r = await this.http(w.agent, w, { path: ref.path, headers });
    if (want === 200) return this.checkGood('conditional', ref, r, 'GET');
    const s = this.stats, what = `GET ${short(ref.path)} (${ref.variant}, ${mode})`;
    s.seen('conditional', outcomeOf(r));
    if (r.error) return s.error('connection reset or closed on a good request', 'conditional', `${what}: ${r.error}`);
    if (r.status >= 500) return s.error('5xx', 'conditional', `${what}: ${r.status}`);
    if (r.status !== 304) return s.error('wrong status', 'conditional', `${what}: ${r.status}, expected 304`);
    if (r.body.length) return s.error('304 with a body', 'conditional', what);
    if (r.headers.etag !== ref.etag) return s.error('ETag differs from the reference', 'conditional', `${what}: ${r.headers.etag}`);
    return undefined;
  }

  async bad(w) {
    const p = pick(this.httpProbes);
    const method = p.method ?? 'GET';
    const r = await this.http(w.badAgent, w, { path: p.path, method, headers: p.headers ?? {}, body: p.body });
    const s = this.stats, what = `${method} ${short(p.path)} (${p.name})`;
    s.seen('bad', outcomeOf(r));
    s.probe(`bad: ${p.name}`, outcomeOf(r));
    if (r.error) s.error('no answer to a bad request', 'bad', `${what}: ${r.error}`);
    else if (r.status >= 500) s.error('5xx', 'bad', `${what}: ${r.status} ${snippet(r.body)}`);
    else if (p.traversal && LEAK.test(r.body.toString('latin1'))) s.error('TRAVERSAL: a file outside the static folder was served', 'bad', what);
    else if (!p.expect.includes(r.status)) s.error('wrong status', 'bad', `${what}: ${r.status}, expected ${p.expect.join(' or ')}: ${snippet(r.body)}`);
  }

  async raw(w) {
    const p = pick(this.rawProbes);
    const r = await rawExchange({
      port: this.port, localAddress: w.addr, pieces: p.pieces(), timeoutMs: p.waitMs, signal: this.abort.signal,
    });
    if (r.end === 'stopped') return;
    const s = this.stats;
    let out;
    if (r.end === 'connect-failed') out = `connect failed (${r.error})`;
    else if (r.response) out = r.response.status;
    else if (r.bad) out = 'malformed answer';
    else if (r.end === 'timeout') out = `no answer, still open after ${p.waitMs / 1000} s`;
    else out = 'closed without an answer';
    s.seen('raw', out);
    s.probe(`raw: ${p.name}`, out);
    if (r.end === 'connect-failed') s.error('connect failed', 'raw', `${p.name}: ${r.error}`);
    else if (r.bad) s.error('malformed answer', 'raw', `${p.name}: ${r.bad}`);
    else if (r.response?.status >= 500) s.error('5xx', 'raw', `${p.name}: ${r.response.status} ${snippet(r.response.body)}`);
    else if (r.response && r.response.status < 400 && !p.allow.includes(r.response.status)) s.error('wrong status', 'raw', `${p.name}: answered ${r.response.status}`);
  }

  /** A slow sender (its request trickled over 1-4 s) or, 3 times in 10, a slow reader (the
   * answer left unread for 2-5 s). The request is good: it must get the reference answer. */
  async slow(w) {
    const ref = pick(this.refs);
    const reader = Math.random() < 0.3;
    const text = `GET ${ref.path} HTTP/1.1\r\nHost: 127.0.0.1:${this.port}\r\n${
      Object.entries(ref.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}Connection: close\r\n\r\n`;
    const r = await rawExchange({
      port: this.port, localAddress: w.addr, timeoutMs: 30_000, signal: this.abort.signal,
      pieces: reader ? [text] : trickle(text, between(1000, 4000), 6),
      pauseReadMs: reader ? between(2000, 5000) : 0,
    });
    if (r.end === 'stopped') return;
    const s = this.stats, what = `${reader ? 'slow reader' : 'slow sender'} GET ${short(ref.path)} (${ref.variant})`;
    const st = r.response?.status;
    s.seen('slow', st ?? (r.bad ? 'malformed answer' : `no answer (${r.end}${r.error ? ` ${r.error}` : ''})`));
    if (!r.response) s.error(r.bad ? 'malformed answer' : 'slow client not served', 'slow', `${what}: ${r.bad ?? r.end} ${r.error ?? ''} after ${(r.ms / 1000).toFixed(1)} s, request ${r.sentAll ? 'sent' : 'not all sent'}`);
    else if (st >= 500) s.error('5xx', 'slow', `${what}: ${st}`);
    else if (st !== 200) s.error('wrong status', 'slow', `${what}: ${st}, expected 200`);
    else if (r.response.headers.etag !== ref.etag) s.error('ETag differs from the reference', 'slow', what);
    else if (sha1(r.response.body) !== ref.sha1) s.error('body differs from the reference', 'slow', what);
  }

  async silent(w) {
    const partial = Math.random() < 0.5;
    const r = await rawExchange({
      port: this.port, localAddress: w.addr, pieces: partial ? ['GET /api/v1/depa'] : [],
      timeoutMs: between(5000, 40_000), waitClose: true, signal: this.abort.signal,
    });
    if (r.end === 'stopped') return;
    const s = this.stats;
    let out;
    if (r.end === 'connect-failed') out = `connect failed (${r.error})`;
    else if (r.response) out = `answered ${r.response.status}, closed by budgetd`;
    else if (r.bad) out = 'malformed answer';
    else if (r.end === 'timeout') out = 'held until the client closed it';
    else out = 'closed by budgetd';
    s.seen('silent', out);
    if (r.end === 'connect-failed') s.error('connect failed', 'silent', r.error);
    else if (r.bad) s.error('malformed answer', 'silent', r.bad);
    else if (r.response?.status >= 500) s.error('5xx', 'silent', `answered ${r.response.status}`);
    else if (r.end !== 'timeout') s.silentHeld.add(r.ms / 1000);
  }
}

// --- run --------------------------------------------------------------------------------------

async function run(o) {
  const port = Number(o.port), pid = Number(o.pid), out = o.out;
  const duration = Number(o.duration), concurrency = Number(o.concurrency), warmup = Number(o.warmup);
  fs.mkdirSync(out, { recursive: true });
  const idle = procSample(pid);
  if (!idle.alive) throw new Error(`budgetd (pid ${pid}) is not running`);

  say('finding every resource and taking reference answers');
  const found = await discover(port);
  for (const p of found.problems) say(`reference problem: ${p}`);
  if (found.refs.length < 10) throw new Error(`only ${found.refs.length} good URLs answer 200`);
  const probes = { http: httpProbes(found.first), raw: rawProbes(port) };
  say(`${found.urls} URLs, ${found.refs.length} representations; ${probes.http.length} bad HTTP probes, ${probes.raw.length} raw TCP probes`);

  let crashed = null;
  const watch = (stats, t0, phase) => {
    let stop = false;
    const promise = (async () => {
      while (!stop) {
        await sleep(500);
        if (!procSample(pid).alive && !crashed) {
          crashed = { phase, at: (now() - t0) / 1000 };
          return;
        }
      }
    })();
    return { promise, stop: () => { stop = true; } };
  };

  // warm-up: the whole mix, not measured; then every client closes
  const warm = new Stats();
  let load = new Load({ port, concurrency, refs: found.refs, ...probes, stats: warm });
  say(`warm-up: ${warmup} s of the mix at concurrency ${concurrency} (${load.roles.fast} fast, ${load.roles.slow} slow, ${load.roles.silent} silent; sources 127.0.0.2-${loopback(load.addresses - 1)})`);
  let t0 = now();
  load.start();
  let w = watch(warm, t0, 'warm-up');
  await Promise.race([sleep(warmup * 1000), w.promise]);
  await load.stop();
  w.stop();
  await sleep(3000);
  const baseline = procSample(pid);
  if (!crashed && baseline.alive) say(`baseline after warm-up, all clients closed: RSS ${mb(baseline.rssKb)} MB, ${baseline.fds} fds; warm-up: ${int(warm.total)} requests, ${warm.errorCount} errors`);

  // the run
  const stats = new Stats();
  const samples = [], perSec = [];
  if (!crashed && baseline.alive) {
    load = new Load({ port, concurrency, refs: found.refs, ...probes, stats });
    say(`running the mix for ${duration} s`);
    t0 = now();
    load.start();
    w = watch(stats, t0, 'run');
    let lastSec = 0, lastSample = { t: 0, total: 0 };
    const secTimer = setInterval(() => {
      perSec.push([Math.round((now() - t0) / 1000), stats.total - lastSec, stats.errorCount, stats.fiveXX]);
      lastSec = stats.total;
    }, 1000);
    for (let k = 1; ; k++) {
      const due = Math.min(k * SAMPLE_MS, duration * 1000);
      await Promise.race([sleep(Math.max(0, t0 + due - now())), w.promise]);
      if (crashed) break;
      const t = (now() - t0) / 1000;
      const p = procSample(pid);
      const rate = (stats.total - lastSample.total) / (t - lastSample.t);
      lastSample = { t, total: stats.total };
      samples.push({ t: Number(t.toFixed(1)), ...p, rate: Math.round(rate), errors: stats.errorCount, fiveXX: stats.fiveXX });
      say(`t=${Math.round(t)} s: ${int(rate)} req/s, RSS ${mb(p.rssKb)} MB (peak ${mb(p.hwmKb)}), ${p.fds} fds, ${stats.errorCount} errors, ${stats.fiveXX} 5xx`);
      if (!p.alive) { crashed = { phase: 'run', at: t }; break; }
      if (due >= duration * 1000) break;
    }
    clearInterval(secTimer);
    say('closing every client');
    await load.stop();
    w.stop();
  }
  const elapsed = (now() - t0) / 1000;

  // after: every client closed
  await sleep(5000);
  const after = procSample(pid);
  const fdsLater = [];
  if (after.alive && baseline.alive && Math.abs(after.fds - baseline.fds) > FD_SLACK) {
    for (let i = 1; i <= 6; i++) {
      await sleep(5000);
      const p = procSample(pid);
      fdsLater.push({ after: 5 + 5 * i, fds: p.fds });
      if (Math.abs(p.fds - baseline.fds) <= FD_SLACK) break;
    }
  }

  const summary = {
    config: {
      port, duration, concurrency, warmup, roles: load.roles, addresses: load.addresses,
      sources: `127.0.0.2–${loopback(load.addresses - 1)}`, urls: found.urls, refs: found.refs.length,
      httpProbes: probes.http.length, rawProbes: probes.raw.length, sampleSeconds: SAMPLE_MS / 1000,
    },
    referenceProblems: found.problems, idle, baseline, samples, after, fdsLater, crashed, elapsed,
    warm: warm.toJSON(), run: stats.toJSON(),
  };
  writeJson(path.join(out, 'summary.json'), summary);
  fs.writeFileSync(path.join(out, 'samples.tsv'), `t_s\talive\trss_kb\thwm_kb\tfds\tthreads\treq_per_s\terrors\tfive_xx\n${
    samples.map((s) => [s.t, s.alive ? 1 : 0, s.rssKb, s.hwmKb, s.fds, s.threads, s.rate, s.errors, s.fiveXX].join('\t')).join('\n')}\n`);
  fs.writeFileSync(path.join(out, 'per-second.tsv'), `t_s\trequests\terrors_so_far\tfive_xx_so_far\n${perSec.map((r) => r.join('\t')).join('\n')}\n`);
  fs.writeFileSync(path.join(out, 'errors.log'), [
    ...found.problems.map((p) => `reference: ${p}`),
    ...warm.errorLog.map((l) => `warm-up ${l}`),
    ...stats.errorLog.map((l) => `run ${l}`),
  ].join('\n') + '\n');
  fs.writeFileSync(path.join(out, 'probes.tsv'), `probe\toutcome\twarm-up\trun\n${
    [...new Set([...Object.keys(warm.probes), ...Object.keys(stats.probes)])].sort().flatMap((name) => {
      const outs = new Set([...Object.keys(warm.probes[name] ?? {}), ...Object.keys(stats.probes[name] ?? {})]);
      return [...outs].map((k) => [name, k, warm.probes[name]?.[k] ?? 0, stats.probes[name]?.[k] ?? 0].join('\t'));
    }).join('\n')}\n`);
  fs.writeFileSync(path.join(out, 'representations.tsv'), `path\tvariant\tetag\tbytes\n${
    found.refs.map((r) => [r.path, r.variant, r.etag, r.bytes].join('\t')).join('\n')}\n`);
  say(`done: ${int(stats.total)} requests in ${elapsed.toFixed(0)} s, ${stats.errorCount} errors, ${stats.fiveXX} 5xx${crashed ? `; budgetd DIED during the ${crashed.phase} at ${crashed.at.toFixed(0)} s` : ''}`);
}

// --- report -----------------------------------------------------------------------------------

/** Least-squares slope of y over x. */
function slope(xs, ys) {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n, my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0, den = 0;
  for (let i = 0; i < n; i++) { num += (xs[i] - mx) * (ys[i] - my); den += (xs[i] - mx) ** 2; }
  return den ? num / den : NaN;
}

const outcomes = (o) => Object.entries(o ?? {})
  .sort((a, b) => b[1] - a[1])
  .map(([k, v]) => `${k} ×${int(v)}`)
  .join(', ');

export function judge(s, stop) {
  const run = s.run, warm = s.warm;
  const samples = s.samples.filter((x) => x.alive);
  const half = s.config.duration / 2;
  const first = samples.filter((x) => x.t <= half), second = samples.filter((x) => x.t > half);
  const maxOf = (xs) => Math.max(...xs.map((x) => x.rssKb));
  const rssFirst = first.length ? maxOf(first) : NaN, rssSecond = second.length ? maxOf(second) : NaN;
  const rssSlope = slope(samples.map((x) => x.t / 60), samples.map((x) => x.rssKb));
  const secondSlope = slope(second.map((x) => x.t / 60), second.map((x) => x.rssKb));
  const fiveXX = run.fiveXX + warm.fiveXX, errors = run.errorCount + warm.errorCount + s.referenceProblems.length;
  const alive = !s.crashed && s.samples.every((x) => x.alive) && s.after.alive && stop.state !== 'dead';
  const stopOk = stop.state === 'exited' && stop.rc === 0 && stop.ms <= STOP_LIMIT_MS;
  const fdsOk = s.after.alive && Math.abs(s.after.fds - s.baseline.fds) <= FD_SLACK;
  const rssOk = Number.isFinite(rssFirst) && Number.isFinite(rssSecond) && rssSecond <= rssFirst + RSS_SLACK_KB;
  const stopText = stop.state === 'exited' ? `exit code ${stop.rc} after ${int(stop.ms)} ms`
    : stop.state === 'killed' ? `still running ${int(stop.ms)} ms after SIGTERM: killed`
      : `already dead (exit status ${stop.rc}${stop.rc > 128 ? `: signal ${stop.rc - 128}` : ''})`;
  const checks = [
    ['no 5xx', 'zero answers 500–599, warm-up included', `${int(fiveXX)} of ${int(run.total + warm.total)} exchanges`, fiveXX === 0],
    ['every answer right', 'zero errors: wrong status for the class, reset or no answer on a good request, body or ETag not the reference\'s, malformed answer', `${int(errors)}${errors ? ` (${Object.entries({ ...warm.errors, ...run.errors }).map(([k, v]) => `${k} ×${v}`).join(', ')})` : ''}`, errors === 0],
    ['alive', `budgetd running at every ${s.config.sampleSeconds}-s sample and at the end`, s.crashed ? `died during the ${s.crashed.phase} at ${s.crashed.at.toFixed(0)} s (${stopText})` : `${s.samples.length} of ${s.samples.length} samples`, alive],
    ['clean stop', `exit code 0 within ${STOP_LIMIT_MS / 1000} s of SIGTERM`, stopText, stopOk],
    ['RSS flat', `max VmRSS over the second half ≤ max over the first half + ${RSS_SLACK_KB / 1024} MB (samples every ${s.config.sampleSeconds} s after warm-up)`,
      `${mb(rssSecond)} MB vs ${mb(rssFirst)} MB (${rssSecond >= rssFirst ? '+' : ''}${mb(rssSecond - rssFirst)} MB); slope ${Number.isFinite(rssSlope) ? `${rssSlope >= 0 ? '+' : ''}${rssSlope.toFixed(1)} kB/min` : 'n/a'} (second half ${Number.isFinite(secondSlope) ? `${secondSlope >= 0 ? '+' : ''}${secondSlope.toFixed(1)} kB/min` : 'n/a'})`, rssOk],
    ['fds back to baseline', `open fds 5 s after every client closed = baseline ± ${FD_SLACK}`,
      s.after.alive ? `${s.after.fds} vs ${s.baseline.fds}${s.fdsLater.length ? `; later: ${s.fdsLater.map((x) => `${x.fds} at ${x.after} s`).join(', ')}` : ''}` : 'n/a', fdsOk],
  ];
  return { checks, pass: checks.every((c) => c[3]) };
}

function report(o) {
  const s = JSON.parse(fs.readFileSync(o.summary, 'utf8'));
  const stop = { state: o['stop-state'], rc: Number(o['stop-rc']), ms: Number(o['stop-ms']) };
  const { checks, pass } = judge(s, stop);
  const run = s.run, c = s.config;
  const samples = s.samples.filter((x) => x.alive);
  const rates = samples.map((x) => x.rate);
  const lat = run.latency;
  const lines = [];
  lines.push(`**Verdict: ${pass ? 'PASS' : 'FAIL'}** (${checks.filter((x) => x[3]).length} of ${checks.length} checks pass)`);
  lines.push('');
  lines.push(`${o.header}. ${c.duration} s of mixed load at concurrency ${c.concurrency} (${c.roles.fast} keep-alive clients sending good, conditional and bad requests, ${c.roles.slow} slow clients, ${c.roles.silent} silent connections) from ${c.addresses} loopback source addresses (${c.sources}), after a ${c.warmup}-s warm-up of the same mix; ${c.urls} good URLs in ${c.refs} representations, ${c.httpProbes} bad HTTP requests, ${c.rawProbes} raw TCP probes. budgetd with its default options on a copy of the bundled store. The run took ${Math.round(s.elapsed)} s.`);
  lines.push('');
  lines.push(table(['check', 'criterion', 'measured', 'verdict'], checks.map(([a, b, m, ok]) => [a, b, m, verdict(ok)])));
  lines.push('');
  const rows = Object.keys(CLASSES).filter((k) => run.classes[k]).map((k) => {
    const x = run.classes[k];
    return [CLASSES[k], int(x.n), outcomes(x.outcomes), int(x.errors)];
  });
  lines.push(table(['traffic (after warm-up)', 'exchanges', 'answers', 'errors'], rows, 'lrlr'));
  lines.push('');
  const held = run.silentHeld;
  lines.push(`Throughput ${int(run.total / Math.max(1, c.duration))} exchanges/s on average (10-s windows: ${int(Math.min(...rates))} to ${int(Math.max(...rates))}); good keep-alive requests p50 ${ms2(lat.p50)} ms, p99 ${ms2(lat.p99)} ms, max ${ms2(lat.max)} ms (as timed by the load generator, which keeps a core busy: its own queueing included). ` +
    `budgetd RSS: ${mb(s.idle.rssKb)} MB idle at start, ${mb(s.baseline.rssKb)} MB after warm-up (baseline), ${mb(Math.min(...samples.map((x) => x.rssKb)))}–${mb(Math.max(...samples.map((x) => x.rssKb)))} MB under load, ${mb(s.after.rssKb)} MB at the end; peak (VmHWM) ${mb(s.after.hwmKb ?? Math.max(...samples.map((x) => x.hwmKb)))} MB. ` +
    `Open fds: ${s.idle.fds} idle at start, ${s.baseline.fds} baseline, up to ${Math.max(...samples.map((x) => x.fds))} under load, ${s.after.fds ?? 'n/a'} at the end. ` +
    `Silent connections closed by budgetd after ${held.count ? `${held.p50.toFixed(1)} s (median; ${held.count} of them, max ${held.max.toFixed(1)} s)` : 'never (the clients closed them all)'}. ` +
    `Keep-alive connections closed by budgetd just as a request went out (retried once, not counted as errors): ${int(run.retries)}. ` +
    `Warm-up: ${int(s.warm.total)} exchanges, ${int(s.warm.errorCount)} errors.`);
  return { md: `${lines.join('\n')}\n`, pass };
}

// --- main ---------------------------------------------------------------------------------------

await main(process.argv.slice(2), {
  run, report, say,
  usage: 'soak.mjs run --port P --pid PID --duration S --concurrency N --warmup S --out DIR | report --summary FILE --stop-state S --stop-rc N --stop-ms MS --header TEXT --out FILE',
});
