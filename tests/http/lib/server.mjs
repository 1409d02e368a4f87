// Starting and stopping a real budgetd, as tests/check_server.c does: an ephemeral loopback
// port, the one banner line on stdout once it serves, SIGTERM to stop with exit code 0.
import { spawn } from 'node:child_process';

const BANNER = /^listening on http:\/\/127\.0\.0\.1:(\d+)\/$/;
// BUDGETD_VALGRIND=1 runs budgetd under valgrind memcheck: any error or leak makes it exit
// 99 instead of 0, which stop()'s callers assert. Everything is slower there.
const VALGRIND = process.env.BUDGETD_VALGRIND === '1';
const VALGRIND_ARGS = ['--tool=memcheck', '--error-exitcode=99', '--leak-check=full',
  '--show-leak-kinds=definite,indirect', '--errors-for-leak-kinds=definite,indirect',
  '--track-origins=yes', '--quiet'];
const START_TIMEOUT_MS = VALGRIND ? 60_000 : 10_000;
const STOP_TIMEOUT_MS = VALGRIND ? 30_000 : 5_000;

/**
 * Starts budgetd on store; resolves to {origin, port, pid, stderr(), stop()} once it reports
 * listening. extraArgs go after the usual ones; the access log is off unless they ask.
 * wrap is a command that execs the rest (setpriv to run as another user), or [].
 */
export async function startServer({ bin, store, staticDir, extraArgs = [], wrap = [] }) {
  const args = ['--port', '0', '--bind', '127.0.0.1', '--db', store, '--static', staticDir,
    '--threads', '2', '--access-log', 'off', ...extraArgs];
  const argv = VALGRIND ? [...wrap, 'valgrind', ...VALGRIND_ARGS, bin, ...args] : [...wrap, bin, ...args];
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });

  const line = await new Promise((resolve, reject) => {
    let buf = '';
    const fail = (why) => {
      clearTimeout(timer);
      reject(new Error(`budgetd ${why}\ncommand: ${bin} ${args.join(' ')}\nstderr: ${stderr}`));
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(`did not report listening within ${START_TIMEOUT_MS / 1000} s`);
    }, START_TIMEOUT_MS);
    child.once('error', (e) => fail(`could not be started: ${e.message}`));
    exited.then(({ code, signal }) => fail(`exited (${code ?? signal}) before listening`));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(buf.slice(0, nl));
      }
    });
  });
  const m = BANNER.exec(line);
  if (!m) {
    child.kill('SIGKILL');
    throw new Error(`unexpected first line from budgetd: ${JSON.stringify(line)}`);
  }
  const port = Number(m[1]);

  return {
    port,
    pid: child.pid,
    origin: `http://127.0.0.1:${port}`,
    stderr: () => stderr,
    /** SIGTERM, then the exit status ({code, signal}); SIGKILL and an error after 5 s
     * (waitMs: after that instead). */
    async stop({ waitMs = STOP_TIMEOUT_MS } = {}) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      let timer;
      const late = new Promise((resolve) => {
        timer = setTimeout(() => resolve(null), waitMs);
      });
      const status = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (status === null) {
        child.kill('SIGKILL');
        await exited;
        throw new Error(`budgetd did not stop within ${waitMs / 1000} s of SIGTERM`);
      }
      return status;
    },
  };
}
