// Figure 6: 10 000 in-process workers under one supervisor (isolation 'none'): how long starting
// and stopping all of them takes, and the heap each one costs. Run with --expose-gc.
import { SCALE_WORKERS, treeModule } from '../fixtures/trees.js';
import { runFigure } from '../lib/harness.js';
import { row, type FigureResult } from '../lib/results.js';
import { startStopCycles, supervisedCycle, type StartStopCycle } from '../lib/start-stop.js';
import { summarize } from '../lib/stats.js';

/** Start/stop cycles, each in a fresh application context, after one unmeasured cycle. */
const RUNS = 5;

async function measure(): Promise<FigureResult> {
  const { lib, bare } = await startStopCycles(RUNS, SCALE_WORKERS, () =>
    supervisedCycle(treeModule('scale'), SCALE_WORKERS, { start: (service) => service.start() }),
  );
  const pick = (cycles: StartStopCycle[], key: keyof StartStopCycle, digits = 1) => summarize(cycles.map((c) => c[key]), digits);
  const start = pick(lib, 'startMs');
  const stop = pick(lib, 'stopMs');
  const heap = pick(lib, 'heapPerItemBytes', 0);
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
      row('heap per worker', 'B', heap, { what: 'heap per bare task', value: pick(bare, 'heapPerItemBytes', 0) }, {
        text: '< 4 KiB',
        met: heap.median < 4_096,
      }),
    ],
    details: { contextCreateMs: pick(lib, 'initMs') },
    notes: [],
  };
}

await runFigure(measure);
