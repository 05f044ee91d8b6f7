// Figure 8: 100 000 dynamic children started with startChild() and stopped under one supervisor in
// the app's process: time and heap per child, against 100 000 bare tasks. Run with --expose-gc.
import { NestFactory } from '@nestjs/core';
import { SupervisionService } from '#supertrees';
import { aborted, LocalTenants, LOG_LEVELS, Tenant, treeModule } from '../fixtures/trees.js';
import { runFigure } from '../lib/harness.js';
import { row, type FigureResult } from '../lib/results.js';
import { sleep, summarize } from '../lib/stats.js';

const CHILDREN = 100_000;
/** startChild calls in flight at once (they queue in the supervisor's mailbox). */
const BATCH = 1_000;
const RUNS = 3;

function heapAfterGc(): number {
  if (!global.gc) throw new Error('run this figure with --expose-gc');
  global.gc();
  global.gc();
  return process.memoryUsage().heapUsed;
}

interface Cycle {
  startMs: number;
  stopMs: number;
  heapPerChildBytes: number;
}

async function supervisedCycle(): Promise<Cycle> {
  await sleep(50);
  const app = await NestFactory.createApplicationContext(treeModule('dynamic'), { logger: LOG_LEVELS });
  try {
    const service = app.get(SupervisionService);
    await service.start();
    const before = heapAfterGc();
    const t0 = performance.now();
    for (let i = 0; i < CHILDREN; i += BATCH) {
      const batch: Promise<unknown>[] = [];
      for (let j = i; j < i + BATCH; j += 1) batch.push(service.startChild(LocalTenants, Tenant, { id: `t${j}` }));
      await Promise.all(batch);
    }
    const startMs = performance.now() - t0;
    const after = heapAfterGc();
    const t1 = performance.now();
    await service.stop();
    const stopMs = performance.now() - t1;
    return { startMs, stopMs, heapPerChildBytes: (after - before) / CHILDREN };
  } finally {
    await app.close();
  }
}

async function bareCycle(): Promise<Cycle> {
  await sleep(50);
  const before = heapAfterGc();
  const t0 = performance.now();
  const tasks: { controller: AbortController; done: Promise<void> }[] = [];
  for (let i = 0; i < CHILDREN; i += 1) {
    const controller = new AbortController();
    tasks.push({ controller, done: aborted(controller.signal) });
  }
  const startMs = performance.now() - t0;
  const after = heapAfterGc();
  const t1 = performance.now();
  for (const task of tasks.reverse()) {
    task.controller.abort();
    await task.done;
  }
  return { startMs, stopMs: performance.now() - t1, heapPerChildBytes: (after - before) / CHILDREN };
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
  const heap = pick(lib, 'heapPerChildBytes', 0);
  const n = CHILDREN.toLocaleString('en-US');
  return {
    number: 8,
    id: 'dynamic-scale',
    title: `${n} dynamic children`,
    setup:
      `A dynamic @Supervisor with isolation 'none' and an idle dynamic @Worker, logging off, --expose-gc. Per cycle, in a fresh ` +
      `application context: ${n} startChild() calls (${BATCH} in flight at a time) until all resolved, then ` +
      `SupervisionService.stop() until it resolved; heap after gc() after the starts minus before, divided by ${n}. ${RUNS} cycles ` +
      `after one warm-up. Floor: ${n} bare tasks (an AbortController and a promise that settles on abort), same arithmetic.`,
    rows: [
      row(`start ${n} with startChild`, 'ms', start, { what: `start ${n} bare tasks`, value: pick(bare, 'startMs', 2) }, {
        text: '< 2 s',
        met: start.median < 2_000,
      }),
      row(`stop all ${n}`, 'ms', stop, { what: `stop ${n} bare tasks`, value: pick(bare, 'stopMs', 2) }, {
        text: '< 2 s',
        met: stop.median < 2_000,
      }),
      row('heap per child', 'B', heap, { what: 'heap per bare task', value: pick(bare, 'heapPerChildBytes', 0) }, {
        text: '< 4 KiB',
        met: heap.median < 4_096,
      }),
    ],
    details: {},
    notes: [],
  };
}

await runFigure(measure);
