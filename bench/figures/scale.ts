// Figure 6: 10 000 in-process workers under one supervisor (isolation 'none'): how long starting
// and stopping all of them takes, and the heap each one costs. Run with --expose-gc.
import { NestFactory } from '@nestjs/core';
import { SupervisionService } from '#supertrees';
import { aborted, LOG_LEVELS, SCALE_WORKERS, treeModule } from '../fixtures/trees.js';
import { runFigure } from '../lib/harness.js';
import { row, type FigureResult } from '../lib/results.js';
import { sleep, summarize } from '../lib/stats.js';

/** Start/stop cycles, each in a fresh application context, after one unmeasured cycle. */
const RUNS = 5;

/** Heap in use after a full garbage collection, in bytes. */
function heapAfterGc(): number {
  if (!global.gc) throw new Error('run this figure with --expose-gc');
  global.gc();
  global.gc();
  return process.memoryUsage().heapUsed;
}

interface Cycle {
  startMs: number;
  stopMs: number;
  heapPerWorkerBytes: number;
  /** Creating the application context, discovery and tree building included (not a goal). */
  initMs: number;
}

async function supervisedCycle(): Promise<Cycle> {
  await sleep(50); // lets the previous cycle's garbage become collectable
  const module = treeModule('scale');
  const i0 = performance.now();
  const app = await NestFactory.createApplicationContext(module, { logger: LOG_LEVELS });
  const initMs = performance.now() - i0;
  try {
    const service = app.get(SupervisionService);
    const before = heapAfterGc();
    const t0 = performance.now();
    await service.start();
    const startMs = performance.now() - t0;
    const after = heapAfterGc();
    const t1 = performance.now();
    await service.stop();
    const stopMs = performance.now() - t1;
    return { startMs, stopMs, heapPerWorkerBytes: (after - before) / SCALE_WORKERS, initMs };
  } finally {
    await app.close();
  }
}

/** The same with bare tasks: an AbortController and a promise that settles when it aborts, each. */
async function bareCycle(): Promise<Cycle> {
  await sleep(50);
  const run = (signal: AbortSignal) => aborted(signal);
  const before = heapAfterGc();
  const t0 = performance.now();
  const tasks: { controller: AbortController; done: Promise<void> }[] = [];
  for (let i = 0; i < SCALE_WORKERS; i += 1) {
    const controller = new AbortController();
    tasks.push({ controller, done: run(controller.signal) });
  }
  const startMs = performance.now() - t0;
  const after = heapAfterGc();
  const t1 = performance.now();
  for (const task of tasks.reverse()) {
    task.controller.abort();
    await task.done;
  }
  const stopMs = performance.now() - t1;
  return { startMs, stopMs, heapPerWorkerBytes: (after - before) / SCALE_WORKERS, initMs: 0 };
}

async function measure(): Promise<FigureResult> {
  const lib: Cycle[] = [];
  const bare: Cycle[] = [];
  for (let i = 0; i <= RUNS; i += 1) {
    const b = await bareCycle();
    const l = await supervisedCycle();
    if (i === 0) continue;
    bare.push(b);
    lib.push(l);
  }
  const pick = (cycles: Cycle[], key: keyof Cycle, digits = 1) => summarize(cycles.map((c) => c[key]), digits);
  const start = pick(lib, 'startMs');
  const stop = pick(lib, 'stopMs');
  const heap = pick(lib, 'heapPerWorkerBytes', 0);
  const n = SCALE_WORKERS.toLocaleString('en-US');
  return {
    number: 6,
    id: 'scale',
    title: `${n} in-process workers`,
    setup:
      `${n} @Worker classes (each runs until its signal aborts) under one @Supervisor with isolation 'none', logging off, in a ` +
      `process started with --expose-gc. Per cycle, in a fresh application context: SupervisionService.start() until it resolves ` +
      `(every worker started), then stop() until it resolves (every worker stopped); heap used after gc() after start, minus ` +
      `before start, divided by ${n}. ${RUNS} cycles after one warm-up. Floor: ${n} bare tasks (an AbortController and a promise ` +
      `that settles on abort), started in a loop, stopped in reverse, same heap arithmetic.`,
    rows: [
      row(`start all ${n}`, 'ms', start, { what: `start ${n} bare tasks`, value: pick(bare, 'startMs', 2) }, {
        text: '< 1 s',
        met: start.median < 1_000,
      }),
      row(`stop all ${n}`, 'ms', stop, { what: `stop ${n} bare tasks`, value: pick(bare, 'stopMs', 2) }, {
        text: '< 1 s',
        met: stop.median < 1_000,
      }),
      row('heap per worker', 'B', heap, { what: 'heap per bare task', value: pick(bare, 'heapPerWorkerBytes', 0) }, {
        text: '< 4 KiB',
        met: heap.median < 4_096,
      }),
    ],
    details: { contextCreateMs: pick(lib, 'initMs') },
    notes: [],
  };
}

await runFigure(measure);
