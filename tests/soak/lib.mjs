// SPDX-License-Identifier: MIT
// tests/soak/lib.mjs: what soak.mjs and slowloris.mjs share: budgetd's /proc figures, latency
// statistics, HTTP requests over node:http, raw TCP exchanges (bytes sent a piece at a time,
// the answer parsed by hand), and Markdown formatting. Node 18+ built-ins only.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const now = () => performance.now();
export const rand = (n) => Math.floor(Math.random() * n);
export const pick = (list) => list[rand(list.length)];
export const between = (lo, hi) => lo + Math.random() * (hi - lo);

// --- budgetd's process ----------------------------------------------------------------------

/** VmRSS, VmHWM (kB), threads and open file descriptors of pid; alive is false once it is
 * gone or a zombie (budgetd is the driver's child, so it stays a zombie until reaped). */
export function procSample(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name) => {
      const m = status.match(new RegExp(`^${name}:\\s+(\\d+)`, 'm'));
      return m ? Number(m[1]) : null;
    };
    const state = (status.match(/^State:\s+(\S)/m) ?? [])[1];
    if (state === 'Z' || state === 'X') return { alive: false };
    return {
      alive: true,
      rssKb: field('VmRSS'),
      hwmKb: field('VmHWM'),
      threads: field('Threads'),
      fds: fs.readdirSync(`/proc/${pid}/fd`).length,
    };
  } catch {
    return { alive: false };
  }
}

// --- latency statistics ---------------------------------------------------------------------

/** Every sample kept: exact percentiles (nearest rank), for thousands of samples. */
export class Samples {
  constructor() { this.v = []; }
  add(ms) { this.v.push(ms); }
  get count() { return this.v.length; }
  summary() {
    const s = Float64Array.from(this.v).sort();
    const q = (p) => (s.length ? s[Math.max(0, Math.ceil(p * s.length) - 1)] : NaN);
    return { count: s.length, p50: q(0.5), p99: q(0.99), max: s.length ? s[s.length - 1] : NaN };
  }
}

/** Log-spaced buckets (2% apart, from 10 µs): percentiles within 2%, for millions of samples. */
export class Histogram {
  constructor() { this.buckets = new Float64Array(1200); this.n = 0; this.max = 0; }
  add(ms) {
    const i = ms <= 0.01 ? 0 : Math.min(this.buckets.length - 1, Math.ceil(Math.log(ms / 0.01) / Math.log(1.02)));
    this.buckets[i]++;
    this.n++;
    if (ms > this.max) this.max = ms;
  }
  quantile(p) {
    let want = Math.ceil(p * this.n), seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i];
      if (seen >= want && seen > 0) return Math.min(this.max, 0.01 * 1.02 ** i);
    }
    return NaN;
  }
  summary() { return { count: this.n, p50: this.quantile(0.5), p99: this.quantile(0.99), max: this.max }; }
}

// --- HTTP over node:http --------------------------------------------------------------------

/**
 * One request with node:http (the path is sent exactly as written). Never rejects; resolves
 * to {status, headers, body, ms, reused} or, when no complete answer came, {error (a code such
 * as ECONNRESET or TIMEOUT), gotResponse, reused, ms}.
 */
export function request({ port, agent, path, method = 'GET', headers = {}, body, localAddress, timeoutMs = 30_000 }) {
  return new Promise((resolve) => {
    const t0 = now();
    let settled = false, reused = false, gotResponse = false;
    const done = (r) => {
      if (settled) return;
      settled = true;
      resolve({ ...r, reused, ms: now() - t0 });
    };
    let req;
    try {
      req = http.request({ host: '127.0.0.1', port, path, method, headers, agent, localAddress }, (res) => {
        gotResponse = true;
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', (e) => done({ error: e.code ?? e.message, gotResponse }));
        res.on('aborted', () => done({ error: 'ABORTED', gotResponse }));
        res.on('end', () => done({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      });
    } catch (e) {
      done({ error: e.code ?? e.message, gotResponse });
      return;
    }
    req.on('socket', () => { reused = req.reusedSocket; });
    req.on('error', (e) => done({ error: e.code ?? e.message, gotResponse }));
    req.setTimeout(timeoutMs, () => {
      done({ error: 'TIMEOUT', gotResponse });
      req.destroy();
    });
    req.end(body);
  });
}

// --- raw TCP ----------------------------------------------------------------------------------

/**
 * Parses an HTTP/1.x answer out of buf; null until it is complete (headers, then
 * Content-Length bytes of body; a 1xx/204/304, or a HEAD, has no body). Sets `bad` for bytes
 * that are not an HTTP answer.
 */
export function parseResponse(buf, { head = false, eof = false } = {}) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return eof && buf.length ? { bad: 'no end of headers before the close' } : null;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = lines[0].match(/^HTTP\/1\.[01] (\d{3})(?: |$)/);
  if (!m) return { bad: `not a status line: ${JSON.stringify(lines[0].slice(0, 80))}` };
  const status = Number(m[1]);
  const headers = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const start = end + 4;
  if (head || status < 200 || status === 204 || status === 304) return { status, headers, body: Buffer.alloc(0), size: start };
  if (headers['content-length'] !== undefined) {
    const len = Number(headers['content-length']);
    if (!Number.isSafeInteger(len) || len < 0) return { bad: `bad Content-Length ${headers['content-length']}` };
    if (buf.length < start + len) return eof ? { bad: `body cut at ${buf.length - start} of ${len} bytes` } : null;
    return { status, headers, body: buf.subarray(start, start + len), size: start + len };
  }
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) return eof ? { bad: 'chunked answers are not parsed here' } : null;
  return eof ? { status, headers, body: buf.subarray(start), size: buf.length } : null;
}

/**
 * One raw TCP connection from localAddress: sends each piece ({data, delayMs} or a Buffer) after
 * its delay, reads until a complete answer (then closes, unless waitClose), the server's close,
 * or timeoutMs. Never rejects. Resolves to {connected, connectMs, response (parsed or null),
 * bad (unparsable bytes), bytes (received), end, error, ms, sentAll}, where end is
 * 'answer' (complete answer read), 'server-close' (FIN), 'reset' (an error such as ECONNRESET
 * or EPIPE), 'timeout', 'connect-failed', 'bad' (bytes that are no answer) or 'stopped'
 * (signal aborted).
 */
export function rawExchange({
  port, localAddress, pieces, timeoutMs = 10_000, waitClose = false, head = false, pauseReadMs = 0, signal,
}) {
  return new Promise((resolve) => {
    const t0 = now();
    const chunks = [];
    let received = 0, connected = false, connectMs = null, sentAll = false, settled = false, parsed = null;
    const sock = net.connect({ host: '127.0.0.1', port, localAddress });
    const timers = [];
    const onAbort = () => finish('stopped');
    const finish = (end, error) => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      signal?.removeEventListener('abort', onAbort);
      sock.destroy();
      const buf = Buffer.concat(chunks);
      if (!parsed && buf.length) parsed = parseResponse(buf, { head, eof: true });
      resolve({
        connected, connectMs, sentAll, end, error, ms: now() - t0, bytes: received,
        response: parsed && !parsed.bad ? parsed : null, bad: parsed?.bad ?? null,
      });
    };
    timers.push(setTimeout(() => finish('timeout'), timeoutMs));
    if (signal?.aborted) return finish('stopped');
    signal?.addEventListener('abort', onAbort);
    sock.setNoDelay(true);
    sock.on('connect', async () => {
      connected = true;
      connectMs = now() - t0;
      if (pauseReadMs > 0) {
        sock.pause();
        timers.push(setTimeout(() => sock.resume(), pauseReadMs));
      }
      for (const p of pieces) {
        const { data, delayMs = 0 } = Buffer.isBuffer(p) || typeof p === 'string' ? { data: p } : p;
        if (delayMs > 0) await sleep(delayMs);
        if (settled || sock.destroyed) return;
        sock.write(data);
      }
      sentAll = true;
    });
    sock.on('data', (c) => {
      chunks.push(c);
      received += c.length;
      if (waitClose) return;
      const r = parseResponse(Buffer.concat(chunks), { head });
      if (r) {
        parsed = r;
        finish(r.bad ? 'bad' : 'answer');
      }
    });
    sock.on('end', () => finish('server-close'));
    sock.on('error', (e) => finish(connected ? 'reset' : 'connect-failed', e.code ?? e.message));
    sock.on('close', () => finish('server-close'));
  });
}

/** Cuts data into pieces of 1..maxBytes bytes spread evenly over totalMs. */
export function trickle(data, totalMs, maxBytes = 8) {
  const buf = Buffer.from(data);
  const parts = [];
  for (let i = 0; i < buf.length;) {
    const n = 1 + rand(maxBytes);
    parts.push(buf.subarray(i, i + n));
    i += n;
  }
  const gap = totalMs / Math.max(1, parts.length);
  return parts.map((p, i) => ({ data: p, delayMs: i === 0 ? 0 : gap }));
}

// --- reports ----------------------------------------------------------------------------------

export const int = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
export const ms2 = (n) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
export const mb = (kb) => (Number.isFinite(kb) ? (kb / 1024).toFixed(1) : 'n/a');
export const verdict = (ok) => (ok ? '**PASS**' : '**FAIL**');

/** A Markdown table: header row and rows of cells; align: string of 'l'/'r' per column. */
export function table(header, rows, align = '') {
  const sep = header.map((_, i) => (align[i] === 'r' ? '---:' : '---'));
  const line = (cells) => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), `| ${sep.join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** "127.0.0.2" for i = 0, "127.0.0.3" for i = 1, ... (Linux accepts any 127/8 address as a
 * source address; 127.0.0.1 stays for the normal clients). */
export function loopback(i) {
  if (!(i >= 0 && i < 250)) throw new Error(`no loopback source address number ${i}`);
  return `127.0.0.${2 + i}`;
}

export function writeJson(file, value) {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 1)}\n`);
}

/**
 * The command line shared by soak.mjs and slowloris.mjs: `run --name value ...` starts the
 * load, `report ...` judges it: report(o) returns {md, pass}; the Markdown goes to o.out and
 * standard output, and the exit code is 3 when a check failed. Anything else is a usage
 * error. Errors go to stderr through say() and make the exit code 1.
 */
export async function main(argv, { run, report, usage, say }) {
  const [cmd, ...rest] = argv;
  try {
    const o = {};
    for (let i = 0; i < rest.length; i++) {
      if (!rest[i].startsWith('--')) throw new Error(`unexpected argument ${rest[i]}`);
      o[rest[i].slice(2)] = rest[++i];
    }
    if (cmd === 'run') await run(o);
    else if (cmd === 'report') {
      const { md, pass } = report(o);
      fs.writeFileSync(o.out, md);
      process.stdout.write(md);
      process.exitCode = pass ? 0 : 3;
    }
    else throw new Error(`usage: ${usage}`);
  } catch (e) {
    say(e.stack ?? String(e));
    process.exitCode = 1;
  }
}
