// Figure 10: from `node main.js` to the first HTTP 200 of an app with one supervisor process, started
// with `start: 'background'` (the server listens before the tree has started), against the same
// HTTP app without the library.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { runFigure } from '../lib/harness.js';
import { fixture } from '../lib/processes.js';
import { row, type FigureResult } from '../lib/results.js';
import { sleep, summarize } from '../lib/stats.js';

/** Starts measured per variant, alternating, after one unmeasured start of each. */
const RUNS = 7;
/** Pause between a connection refused and the next try. */
const RETRY_MS = 2;
const GIVE_UP_MS = 60_000;

/** A port the OS says is free now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** One GET /: its status, or undefined if nothing listens yet. */
function get(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.once('error', () => resolve(undefined));
    req.end();
  });
}

/** ms from spawning `node http-app.js` until GET / answers 200; the app (and its process group) is killed after. */
async function firstResponse(supervised: boolean): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const app: ChildProcess = spawn(process.execPath, [fixture('http-app')], {
    env: { ...process.env, PORT: String(port), BENCH_HTTP_SUPERVISED: supervised ? '1' : '0' },
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  try {
    while (performance.now() - t0 < GIVE_UP_MS) {
      if (app.exitCode !== null) throw new Error(`the app exited with ${app.exitCode} before answering`);
      if ((await get(port)) === 200) return performance.now() - t0;
      await sleep(RETRY_MS);
    }
    throw new Error(`no HTTP 200 within ${GIVE_UP_MS} ms`);
  } finally {
    const gone = new Promise((resolve) => app.once('exit', resolve));
    try {
      process.kill(-app.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    await gone;
  }
}

async function measure(): Promise<FigureResult> {
  const lib: number[] = [];
  const bare: number[] = [];
  for (let i = -1; i < RUNS; i += 1) {
    const a = await firstResponse(true);
    const b = await firstResponse(false);
    if (i >= 0) {
      lib.push(a);
      bare.push(b);
    }
  }
  const value = summarize(lib, 1);
  const floor = summarize(bare, 1);
  const ratio = value.median / floor.median;
  return {
    number: 10,
    id: 'first-response',
    title: 'First HTTP 200 after node main.js',
    setup:
      `\`node http-app.js\` (a Nest HTTP app, GET / answers 200) with one supervisor process running one worker, ` +
      `booted through bootstrapSupervised with start: 'background', polled every ${RETRY_MS} ms from spawn until the first 200; ` +
      `${RUNS} starts after one warm-up, alternating with the floor: the same app without the library.`,
    rows: [row('spawn → first HTTP 200', 'ms', value, { what: 'the same HTTP app without the library', value: floor }, { text: '≤ 1.1× floor', met: ratio <= 1.1 })],
    details: { startMode: 'background' },
    notes: [
      `With start: 'background', app.listen() does not wait for the tree: the supervisor process is forked at bootstrap and ` +
        `loads while the server already answers. In the default start: 'blocking', the first response would also wait for ` +
        `that fork, a second Nest context and the subtree's start.`,
    ],
  };
}

await runFigure(measure);
