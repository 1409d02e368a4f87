// SPDX-License-Identifier: MIT
// tests/soak/idleflood.mjs: the flood and the measurement behind tests/soak/idleflood (run
// that script, not this file). `run` measures a normal client on 127.0.0.1 (sequential
// requests, each on a new connection), then starts the flood in a child process (`flood`:
// connections from hundreds of source addresses 127.0.1.1 and up that connect and send
// nothing, each reopened as soon as budgetd cuts it), measures the normal client again under
// it, stops it and samples budgetd's memory once more; it writes a summary JSON. `report`
// turns the summaries of one or more budgetd builds into a Markdown table. Node 18+ built-ins.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  Samples, int, main, mb, ms2, now, procSample, sleep, table, verdict, writeJson,
} from './lib.mjs';

const say = (msg) => process.stderr.write(`idleflood: ${msg}\n`);
const TIMEOUT_MS = 10_000; // a normal request unanswered by then has failed
const GOAL_MS = 1000; // issue #13: a normal client's answer within 1 s during the flood

/** Source address number i: 127.0.1.1 ... 127.0.1.250, 127.0.2.1 ... (never 127.0.0.x). */
function source(i) {
  return `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;
}

// --- the flood (a child process, so that its event loop does not delay the normal client) ----

async function flood(o) {
  const port = Number(o.port), conns = Number(o.connections), addresses = Number(o.addresses);
  const stats = { opened: 0, cut: 0, failed: 0, open: 0, maxOpen: 0 };
  let stopping = false;
  const one = (i) => {
    if (stopping) return;
    const sock = net.connect({ port, host: '127.0.0.1', localAddress: source(i % addresses) });
    let connected = false;
    sock.on('connect', () => {
      connected = true;
      stats.opened++;
      stats.open++;
      stats.maxOpen = Math.max(stats.maxOpen, stats.open);
    });
    sock.on('data', () => {}); // never expected: nothing was asked
    sock.on('error', () => {});
    sock.on('close', () => {
      if (connected) { stats.cut++; stats.open--; } else stats.failed++;
      if (!stopping) setImmediate(() => one(i)); // reopened as soon as cut
    });
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
  };
  const sockets = new Set();
  for (let i = 0; i < conns; i++) {
    one(i);
    if (i % 100 === 99) await sleep(5); // not all in one tick: the SYN queue would overflow
  }
  process.on('message', (m) => {
    if (m === 'stats') process.send({ ...stats });
    if (m === 'stop') {
      stopping = true;
      for (const s of sockets) s.destroy();
      process.send({ ...stats, stopped: true });
      setTimeout(() => process.exit(0), 200);
    }
  });
  process.send('ready');
}

function startFlood(o) {
  const child = fork(fileURLToPath(import.meta.url), ['flood', '--port', o.port,
    '--connections', o.connections, '--addresses', o.addresses], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ask = (what) => new Promise((resolve) => {
    child.once('message', resolve);
    child.send(what);
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => (m === 'ready' ? resolve({ child, ask }) : reject(new Error(`flood: ${m}`))));
    child.once('exit', (code) => reject(new Error(`the flood process exited (${code})`)));
  });
}

// --- the normal client -----------------------------------------------------------------------

/** One GET on a new connection from 127.0.0.1: {status, ms} or {error, ms}. TIMEOUT_MS
 * bounds the whole of it, connecting included (a SYN dropped by a full listen queue is
 * resent after 1, 3, 7 ... s). */
function get(port, path) {
  return new Promise((resolve) => {
    const t0 = now();
    const done = (r) => { clearTimeout(timer); resolve({ ...r, ms: now() - t0 }); };
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, localAddress: '127.0.0.1',
      headers: { connection: 'close' } }, (res) => {
      res.on('data', () => {});
      res.on('end', () => done({ status: res.statusCode }));
      res.on('error', (e) => done({ error: e.code ?? e.message }));
    });
    req.on('error', (e) => done({ error: e.code ?? e.message }));
    const timer = setTimeout(() => { req.destroy(); done({ error: 'TIMEOUT' }); }, TIMEOUT_MS);
  });
}

/** Sequential GETs of the department list for ms, each on a new connection from 127.0.0.1. */
async function normal(port, ms, maxRequests) {
  const samples = new Samples();
  const errors = [];
  const until = Date.now() + ms;
  let over = 0;
  while (Date.now() < until && samples.count + errors.length < maxRequests) {
    const r = await get(port, '/api/v1/departments');
    if (r.error || r.status !== 200) errors.push(`${r.error ?? r.status} after ${r.ms.toFixed(0)} ms`);
    else {
      samples.add(r.ms);
      if (r.ms > GOAL_MS) over++;
    }
  }
  return { ...samples.summary(), over, errors: errors.length, firstErrors: errors.slice(0, 5) };
}

async function run(o) {
  const port = Number(o.port), pid = Number(o.pid), seconds = Number(o.seconds);
  const summary = { label: o.label, connections: Number(o.connections), addresses: Number(o.addresses), seconds };
  summary.procStart = procSample(pid);
  say(`${o.label}: the normal client alone`);
  summary.alone = await normal(port, 5000, 500);
  summary.procBefore = procSample(pid);
  summary.floods = [];
  for (let f = 0; f < Number(o.floods); f++) { // more than one: is the memory back to flat?
    say(`${o.label}: flood ${f + 1} of ${o.connections} idle connections from ${o.addresses} addresses`);
    const { child, ask } = await startFlood(o);
    await sleep(3000); // the connections are open and the churn has begun
    say(`${o.label}: the normal client under the flood for ${seconds} s`);
    const flooded = await normal(port, seconds * 1000, 100_000);
    const procDuring = procSample(pid);
    const flood = await ask('stop');
    await new Promise((resolve) => child.once('exit', resolve));
    await sleep(3000); // budgetd sees the flood's connections go
    summary.floods.push({ flooded, procDuring, flood, after: await normal(port, 3000, 300), procAfter: procSample(pid) });
  }
  Object.assign(summary, summary.floods[0]); // the first flood is the one in the table
  summary.procLast = summary.floods.at(-1).procAfter;
  writeJson(o.out, summary);
  say(`${o.label}: under the flood p50 ${ms2(summary.flooded.p50)} ms, p99 ${ms2(summary.flooded.p99)} ms, max ${ms2(summary.flooded.max)} ms, ${summary.flooded.errors} failed`);
}

// --- the report ------------------------------------------------------------------------------

function report(o) {
  const runs = o.summaries.split(',').map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));
  const rows = runs.flatMap((s) => [
    [s.label, 'alone', int(s.alone.count), ms2(s.alone.p50), ms2(s.alone.p99), ms2(s.alone.max), int(s.alone.errors), '', mb(s.procBefore.rssKb)],
    [s.label, 'flood', int(s.flooded.count), ms2(s.flooded.p50), ms2(s.flooded.p99), ms2(s.flooded.max), int(s.flooded.errors),
      int(s.flood.opened), mb(s.procDuring.rssKb)],
    [s.label, 'after', int(s.after.count), ms2(s.after.p50), ms2(s.after.p99), ms2(s.after.max), int(s.after.errors), '', mb(s.procAfter.rssKb)],
    ...s.floods.slice(1).map((f, i) => [s.label, `flood ${i + 2}`, int(f.flooded.count), ms2(f.flooded.p50), ms2(f.flooded.p99),
      ms2(f.flooded.max), int(f.flooded.errors), int(f.flood.opened), `${mb(f.procDuring.rssKb)} (after: ${mb(f.procAfter.rssKb)})`]),
  ]);
  const last = runs[runs.length - 1];
  const pass = last.floods.every((f) => f.flooded.count > 0 && f.flooded.errors === 0 && f.flooded.max <= GOAL_MS);
  const lines = [
    `### idleflood: ${o.header}`,
    '',
    table(['budgetd', 'phase', 'requests', 'p50 ms', 'p99 ms', 'max ms', 'failed', 'flood connects', 'RSS MB'], rows, 'llrrrrrrr'),
    '',
  ];
  if (runs.length > 1) {
    const base = runs[0].flooded;
    lines.push(`Under the flood, ${last.label} against ${runs[0].label}: p50 ${(last.flooded.p50 / base.p50).toFixed(4)}x, ` +
      `p99 ${(last.flooded.p99 / base.p99).toFixed(4)}x, max ${(last.flooded.max / base.max).toFixed(4)}x.`, '');
  }
  lines.push(`${verdict(pass)} (${last.label}): every normal request under the flood answered 200 within ${GOAL_MS} ms ` +
    `(${int(last.flooded.over)} over, ${int(last.flooded.errors)} failed in the first flood); RSS ${mb(last.procBefore.rssKb)} MB before the floods, ` +
    `${mb(last.procAfter.rssKb)} MB after the first, ${mb(last.procLast.rssKb)} MB after the last (of ${last.floods.length}).`, '');
  return { md: `${lines.join('\n')}\n`, pass };
}

if (process.argv[2] === 'flood') {
  const o = {};
  for (let i = 3; i < process.argv.length; i += 2) o[process.argv[i].slice(2)] = process.argv[i + 1];
  flood(o).catch((e) => { say(e.stack); process.exit(1); });
} else {
  main(process.argv.slice(2), {
    run, report, say,
    usage: 'idleflood.mjs run --port N --pid P --connections C --addresses A --seconds S --floods F --label L --out FILE | report --summaries A.json,B.json --header TEXT --out FILE',
  });
}
