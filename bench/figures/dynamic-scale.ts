// Figure 8: 100 000 dynamic children started with startChild() and stopped under one supervisor in
// the app's process: time and heap per child, against 100 000 bare tasks. Run with --expose-gc.
import { LocalTenants, Tenant, treeModule } from '../fixtures/trees.js';
import { runFigure } from '../lib/harness.js';
import { row, type FigureResult } from '../lib/results.js';
import { startStopCycles, supervisedCycle, type StartStopCycle } from '../lib/start-stop.js';
import { summarize } from '../lib/stats.js';

const CHILDREN = 100_000;
/** startChild calls in flight at once (they queue in the supervisor's mailbox). */
const BATCH = 1_000;
const RUNS = 3;

async function measure(): Promise<FigureResult> {
  const { lib, bare } = await startStopCycles(RUNS, CHILDREN, () =>
    supervisedCycle(treeModule('dynamic'), CHILDREN, {
      prepare: (service) => service.start(),
      start: async (service) => {
        for (let i = 0; i < CHILDREN; i += BATCH) {
          const batch: Promise<unknown>[] = [];
          for (let j = i; j < i + BATCH; j += 1) batch.push(service.startChild(LocalTenants, Tenant, { id: `t${j}` }));
          await Promise.all(batch);
        }
      },
    }),
  );
  const pick = (cycles: StartStopCycle[], key: keyof StartStopCycle, digits = 1) => summarize(cycles.map((c) => c[key]), digits);
  const start = pick(lib, 'startMs');
  const stop = pick(lib, 'stopMs');
  const heap = pick(lib, 'heapPerItemBytes', 0);
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
      row('heap per child', 'B', heap, { what: 'heap per bare task', value: pick(bare, 'heapPerItemBytes', 0) }, {
        text: '< 4 KiB',
        met: heap.median < 4_096,
      }),
    ],
    details: {},
    notes: [],
  };
}

await runFigure(measure);
