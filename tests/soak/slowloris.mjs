// SPDX-License-Identifier: MIT
// tests/soak/slowloris.mjs: the attack and the measurement behind tests/soak/slowloris (run
// that script, not this file). `run` measures a normal client's latency on 127.0.0.1, opens
// hundreds of slowloris connections from 127.0.0.2 and up (a byte of an endless request every
// 2-5 s, reconnecting when budgetd drops them), measures the normal client again once they are
// all open and again after a hold, then closes them; it writes summary.json. `report` turns it,
// and how budgetd stopped, into the Markdown verdict. Node 18+ built-ins only.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import {
  Samples, between, int, loopback, ms2, now, procSample, request, main, sleep, table, verdict, writeJson,
} from './lib.mjs';

const KEEPALIVE_CONNS = 8;
const ROUNDS = 5; // a measurement is this many rounds; its p99 is their median
const GIVE_UP = 8; // a round stops after this many failed requests (each waits up to 10 s)
const CONNECT_TIMEOUT_MS = 10_000; // a slow connection not established by then has failed
const REFUSED_MS = 1000; // closed by budgetd this soon after connecting: refused, not dropped
const STOP_LIMIT_MS = 5000;
const say = (msg) => process.stderr.write(`slowloris: ${msg}\n`);
const msOr = (x) => (Number.isFinite(x) ? `${x.toFixed(2)} ms` : 'nothing answered');

// --- the normal client ------------------------------------------------------------------------

async function normalUrls(port) {
  const json = async (p) => {
    const r = await request({ port, agent: false, path: p, localAddress: '127.0.0.1' });
    if (r.error || r.status !== 200) throw new Error(`GET ${p}: ${r.error ?? r.status}`);
    return JSON.parse(r.body.toString('utf8'));
  };
  const list = await json('/api/v1/departments');
  const dept = await json(list.items[0].links.self);
  const base = dept.disclosures[0].links.self;
  const o = await json(base);
  return ['/api/v1/departments', base, `${base}/tables/6`, o.links.projects, o.links.sangong, '/'].filter(Boolean);
}

/** One round: `requests` over KEEPALIVE_CONNS keep-alive connections, then `fresh` requests
 * one at a time, each on a new connection (Connection: close); every answer must be 200. */
async function round(port, urls, requests, fresh) {
  const ka = new Samples(), nc = new Samples();
  const errors = [];
  let next = 0;
  const one = async (agent, samples) => {
    if (errors.length >= GIVE_UP) return;
    const p = urls[next++ % urls.length];
    const r = await request({
      port, agent, path: p, localAddress: '127.0.0.1', timeoutMs: 10_000,
      headers: { 'accept-encoding': 'gzip', ...(agent ? {} : { connection: 'close' }) },
    });
    if (r.error || r.status !== 200) errors.push(`${agent ? 'keep-alive' : 'new connection'} GET ${p}: ${r.error ?? r.status} after ${r.ms.toFixed(1)} ms`);
    else samples.add(r.ms);
  };
  const agent = new http.Agent({ keepAlive: true, maxSockets: KEEPALIVE_CONNS });
  await Promise.all(Array.from({ length: KEEPALIVE_CONNS }, async (_, c) => {
    for (let i = c; i < requests; i += KEEPALIVE_CONNS) await one(agent, ka);
  }));
  agent.destroy();
  for (let i = 0; i < fresh; i++) await one(false, nc);
  return { keepAlive: ka.summary(), fresh: nc.summary(), errors };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};

/**
 * One measurement: ROUNDS rounds 0.5 s apart sharing `requests` and `fresh`. The machine is
 * shared, and a single stall elsewhere moves the p99 of one round; so a measurement's p50 and
 * p99 are the medians of its rounds' (p99Worst is the worst round's, max the slowest request).
 */
async function measure(port, urls, requests, fresh) {
  const rounds = [];
  for (let i = 0; i < ROUNDS; i++) {
    if (i) await sleep(500);
    rounds.push(await round(port, urls, Math.ceil(requests / ROUNDS), Math.ceil(fresh / ROUNDS)));
    if (rounds[i].errors.length >= GIVE_UP) break; // budgetd is not serving: no use waiting on
  }
  const merge = (key) => {
    const xs = rounds.map((r) => r[key]);
    return {
      count: xs.reduce((a, x) => a + x.count, 0), p50: median(xs.map((x) => x.p50)), p99: median(xs.map((x) => x.p99)),
      p99Worst: Math.max(...xs.map((x) => x.p99)), max: Math.max(...xs.map((x) => x.max)),
    };
  };
  return { keepAlive: merge('keepAlive'), fresh: merge('fresh'), errors: rounds.flatMap((r) => r.errors), rounds };
}

// --- the attack -------------------------------------------------------------------------------

/** The n-th byte of an endless request: a request line, then header after header. */
const PREFIX = 'GET /api/v1/departments HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris-test\r\n';
function byteAt(n) {
  if (n < PREFIX.length) return PREFIX[n];
  const line = (k) => `X-Slow-${k}: ${'v'.repeat(8)}\r\n`;
  let i = n - PREFIX.length, k = 0;
  while (i >= line(k).length) { i -= line(k).length; k++; }
  return line(k)[i];
}

class Attack {
  constructor({ port, count, perAddress }) {
    Object.assign(this, { port, count, perAddress });
    this.addresses = Math.ceil(count / perAddress);
    this.stopping = false;
    this.sockets = new Set(); // every socket, connecting or open
    this.open = new Set(); // the connected ones
    this.t = {
      attempts: 0, connectFailed: 0, refused: 0, dropped: 0, reconnects: 0,
      answered: {}, droppedHeld: new Samples(), failCodes: {}, maxOpen: 0,
    };
  }

  /** Opens all slots (20 every 50 ms); resolves once each has connected or failed. */
  async start() {
    const firsts = [];
    for (let i = 0; i < this.count; i++) {
      firsts.push(this.slot(i));
      if (i % 20 === 19) await sleep(50);
    }
    await Promise.all(firsts);
  }

  /** One slot: a connection, reopened 1 s after budgetd drops it, until stop(). Resolves
   * (the first time only) once the first connection is open or has failed. */
  slot(i) {
    const addr = loopback(Math.floor(i / this.perAddress));
    return new Promise((firstSettled) => {
      const connect = () => {
        if (this.stopping) return firstSettled();
        this.t.attempts++;
        const sock = net.connect({ host: '127.0.0.1', port: this.port, localAddress: addr });
        let connectedAt = null, sent = 0, timer = null, answer = '';
        // a full listen backlog drops SYNs: the kernel would retry for minutes
        const connectTimer = setTimeout(() => sock.destroy(), CONNECT_TIMEOUT_MS);
        const next = () => {
          timer = setTimeout(() => {
            if (sock.destroyed) return;
            sock.write(byteAt(sent++));
            next();
          }, between(2000, 5000));
        };
        sock.on('connect', () => {
          clearTimeout(connectTimer);
          connectedAt = now();
          this.open.add(sock);
          this.t.maxOpen = Math.max(this.t.maxOpen, this.open.size);
          sock.write(byteAt(sent++));
          next();
          firstSettled();
        });
        sock.on('data', (d) => { if (answer.length < 200) answer += d.toString('latin1'); });
        sock.on('error', () => {}); // the close below tells what happened
        sock.on('close', () => {
          clearTimeout(timer);
          clearTimeout(connectTimer);
          this.sockets.delete(sock);
          this.open.delete(sock);
          if (sock.slowlorisClosedByUs) return;
          if (connectedAt === null) {
            this.t.connectFailed++;
            firstSettled();
          } else {
            const held = now() - connectedAt;
            const m = answer.match(/^HTTP\/1\.[01] (\d{3})/);
            if (m) this.t.answered[m[1]] = (this.t.answered[m[1]] ?? 0) + 1;
            if (held < REFUSED_MS) this.t.refused++;
            else {
              this.t.dropped++;
              this.t.droppedHeld.add(held / 1000);
            }
          }
          if (!this.stopping) {
            this.t.reconnects++;
            setTimeout(connect, 1000);
          }
        });
        this.sockets.add(sock);
      };
      connect();
    });
  }

  stop() {
    this.stopping = true;
    for (const s of this.sockets) {
      s.slowlorisClosedByUs = true;
      s.destroy();
    }
  }

  stats() {
    return { ...this.t, droppedHeld: this.t.droppedHeld.summary(), openNow: this.open.size };
  }
}

// --- run ----------------------------------------------------------------------------------------

async function run(o) {
  const port = Number(o.port), pid = Number(o.pid);
  const count = Number(o.slow), perAddress = Number(o['per-address']), hold = Number(o.hold);
  const requests = Number(o.requests), fresh = Number(o.fresh);
  fs.mkdirSync(o.out, { recursive: true });
  const urls = await normalUrls(port);
  say(`normal client on 127.0.0.1: ${urls.length} URLs; warming up`);
  await round(port, urls, 600, 20);
  await sleep(1000);
  const idle = procSample(pid);
  const base = await measure(port, urls, requests, fresh);
  say(`no attack: keep-alive p50 ${msOr(base.keepAlive.p50)}, p99 ${msOr(base.keepAlive.p99)}; new connection p50 ${msOr(base.fresh.p50)}, p99 ${msOr(base.fresh.p99)}; ${base.errors.length} errors`);

  const attack = new Attack({ port, count, perAddress });
  say(`opening ${count} slowloris connections from 127.0.0.2-${loopback(attack.addresses - 1)} (${perAddress} per address)`);
  const t0 = now();
  await attack.start();
  await sleep(2000);
  const opened = { seconds: (now() - t0) / 1000, ...attack.stats(), proc: procSample(pid) };
  say(`${opened.openNow} open after ${opened.seconds.toFixed(1)} s (${opened.connectFailed} connect failures, ${opened.refused} refused); budgetd holds ${opened.proc.fds - idle.fds} more fds than before`);
  const attacked = await measure(port, urls, requests, fresh);
  say(`attack, all open: keep-alive p99 ${msOr(attacked.keepAlive.p99)}, new connection p99 ${msOr(attacked.fresh.p99)}, ${attacked.errors.length} errors`);
  const fdSamples = [];
  say(`holding the attack for ${hold} s`);
  for (let t = 0; t < hold; t += 5) {
    await sleep(Math.min(5, hold - t) * 1000);
    const p = procSample(pid);
    fdSamples.push({ t: Math.min(t + 5, hold), fds: p.fds, open: attack.open.size, alive: p.alive });
  }
  const held = { ...attack.stats(), proc: procSample(pid) };
  const later = await measure(port, urls, requests, fresh);
  say(`attack, after ${hold} s more: keep-alive p99 ${msOr(later.keepAlive.p99)}, new connection p99 ${msOr(later.fresh.p99)}, ${later.errors.length} errors`);
  const end = { ...attack.stats(), proc: procSample(pid) };
  attack.stop();
  await sleep(3000);
  const after = procSample(pid);
  say(`attack over: ${end.attempts} connections attempted, ${end.dropped} dropped by budgetd, ${end.refused} refused; budgetd ${after.alive ? `has ${after.fds} fds (before: ${idle.fds})` : 'IS NOT RUNNING'}`);
  const summary = {
    config: { count, perAddress, addresses: attack.addresses, sources: `127.0.0.2–${loopback(attack.addresses - 1)}`, hold, requests, fresh, keepAliveConns: KEEPALIVE_CONNS, urls },
    idle, base, opened, attacked, fdSamples, held, later, end, after,
  };
  writeJson(path.join(o.out, 'slowloris-summary.json'), summary);
  fs.writeFileSync(path.join(o.out, 'slowloris-errors.log'), `${[...base.errors, ...attacked.errors, ...later.errors].join('\n')}\n`);
}

// --- report ---------------------------------------------------------------------------------------

function report(o) {
  const s = JSON.parse(fs.readFileSync(o.summary, 'utf8'));
  const stop = { state: o['stop-state'], rc: Number(o['stop-rc']), ms: Number(o['stop-ms']) };
  const c = s.config;
  const limit = (p99) => Math.max(2 * p99, p99 + 5);
  const kaLimit = limit(s.base.keepAlive.p99), ncLimit = limit(s.base.fresh.p99);
  const kaWorst = Math.max(s.attacked.keepAlive.p99, s.later.keepAlive.p99);
  const ncWorst = Math.max(s.attacked.fresh.p99, s.later.fresh.p99);
  const errors = s.base.errors.length + s.attacked.errors.length + s.later.errors.length;
  const stopText = stop.state === 'exited' ? `exit code ${stop.rc} after ${int(stop.ms)} ms`
    : stop.state === 'killed' ? `still running ${int(stop.ms)} ms after SIGTERM: killed` : `already dead (exit status ${stop.rc})`;
  const checks = [
    ['no normal-client errors', 'every request of the normal client answered 200', `${errors} errors in ${int(errors + [s.base, s.attacked, s.later].reduce((a, m) => a + m.keepAlive.count + m.fresh.count, 0))} requests`, errors === 0],
    ['keep-alive p99 under attack', `≤ max(2 × baseline p99, baseline p99 + 5 ms) = ${ms2(kaLimit)} ms`, `${msOr(s.attacked.keepAlive.p99)} all open, ${msOr(s.later.keepAlive.p99)} ${c.hold} s later`, s.attacked.keepAlive.count > 0 && s.later.keepAlive.count > 0 && kaWorst <= kaLimit],
    ['new-connection p99 under attack', `≤ max(2 × baseline p99, baseline p99 + 5 ms) = ${ms2(ncLimit)} ms`, `${msOr(s.attacked.fresh.p99)} all open, ${msOr(s.later.fresh.p99)} ${c.hold} s later`, s.attacked.fresh.count > 0 && s.later.fresh.count > 0 && ncWorst <= ncLimit],
    ['budgetd alive, clean stop', `alive throughout; exit code 0 within ${STOP_LIMIT_MS / 1000} s of SIGTERM`, stopText, stop.state === 'exited' && stop.rc === 0 && stop.ms <= STOP_LIMIT_MS && s.after.alive],
  ];
  const pass = checks.every((x) => x[3]);
  const row = (label, m) => [label, int(m.count), ms2(m.p50), ms2(m.p99), ms2(m.p99Worst), ms2(m.max)];
  const a = s.end, held = a.droppedHeld;
  const answered = Object.entries(a.answered).map(([k, v]) => `${k} ×${v}`).join(', ') || 'none';
  const lines = [
    `**Verdict: ${pass ? 'PASS' : 'FAIL'}** (${checks.filter((x) => x[3]).length} of ${checks.length} checks pass)`,
    '',
    `${o.header}. Normal client on 127.0.0.1: ${int(c.requests)} requests over ${c.keepAliveConns} keep-alive connections, then ${int(c.fresh)} requests one at a time on new connections, cycling over ${c.urls.length} URLs (department list, disclosure, 表六, projects, 三公, front page) with Accept-Encoding: gzip. Attack: ${int(c.count)} slowloris connections from ${c.addresses} loopback source addresses (${c.sources}, ${c.perAddress} each), each sending one byte of an endless request (request line, then header after header) every 2–5 s and reconnecting 1 s after budgetd drops it. The normal client is measured without the attack, once all slow connections are open, and again after ${c.hold} s more of attack; each measurement is ${ROUNDS} rounds 0.5 s apart, and its p50 and p99 are the medians of the rounds' (the machine is shared: one stall elsewhere moves one round's p99). budgetd with its default options on a copy of the bundled store.`,
    '',
    table(['check', 'criterion', 'measured', 'verdict'], checks.map(([x, y, m, ok]) => [x, y, m, verdict(ok)])),
    '',
    table(['normal client (127.0.0.1)', 'requests answered', 'p50 ms', 'p99 ms', 'worst round p99 ms', 'max ms'], [
      row('keep-alive, no attack', s.base.keepAlive),
      row('keep-alive, attack: all slow connections open', s.attacked.keepAlive),
      row(`keep-alive, attack: ${c.hold} s later`, s.later.keepAlive),
      row('new connection each, no attack', s.base.fresh),
      row('new connection each, attack: all slow connections open', s.attacked.fresh),
      row(`new connection each, attack: ${c.hold} s later`, s.later.fresh),
    ], 'lrrrrr'),
    '',
    table(['slow connections', 'count'], [
      [`opened at the start (connect succeeded; of ${int(c.count)})`, int(s.opened.openNow)],
      [`refused: connect failed, or closed by budgetd within ${REFUSED_MS / 1000} s`, `${int(a.connectFailed + a.refused)}${a.connectFailed ? ` (${a.connectFailed} connect failures)` : ''}`],
      ['dropped later by budgetd (its timeout)', held.count ? `${int(a.dropped)} (held ${held.p50.toFixed(1)} s median, ${held.max.toFixed(1)} s max)` : '0'],
      ['budgetd\'s answers before closing one', answered],
      ['reconnections after a drop or refusal', int(a.reconnects)],
      ['connections attempted in all', int(a.attempts)],
      ['open when the attack ended', int(a.openNow)],
      ['budgetd\'s extra open fds: all open / after the hold / at the end', `${s.opened.proc.fds - s.idle.fds} / ${s.held.proc.fds - s.idle.fds} / ${s.end.proc.fds - s.idle.fds}`],
      ['connected but never accepted by budgetd (left in the kernel\'s listen backlog), when all were open', int(Math.max(0, s.opened.openNow - (s.opened.proc.fds - s.idle.fds)))],
      ['budgetd\'s open fds 3 s after the attack, before it', s.after.alive ? `${s.after.fds}, ${s.idle.fds}` : 'n/a (not running)'],
    ], 'lr'),
  ];
  return { md: `${lines.join('\n')}\n`, pass };
}

// --- main -----------------------------------------------------------------------------------------

await main(process.argv.slice(2), {
  run, report, say,
  usage: 'slowloris.mjs run --port P --pid PID --slow N --per-address K --hold S --requests R --fresh F --out DIR | report --summary FILE --stop-state S --stop-rc N --stop-ms MS --header TEXT --out FILE',
});
