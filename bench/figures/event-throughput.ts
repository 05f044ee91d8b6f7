// Figure 3: how many events per second a supervisor process can deliver to events$ in the main
// process, against raw batched IPC between two bare Node processes; and both sides' memory.
import { NestFactory } from '@nestjs/core';
import { SupervisionService, type SupervisionEvent } from '#supertrees';
import { FloodSupervisor, LOG_LEVELS, treeModule, type TreeOptions } from '../fixtures/trees.js';
import { runFigure } from '../lib/harness.js';
import { cpuMsOf, fixture, forkTracked, isMessage, nextMessage } from '../lib/processes.js';
import { row, type FigureResult } from '../lib/results.js';
import { MemorySampler, ratePerSecond, type MemoryReport } from '../lib/sampling.js';
import { summarize } from '../lib/stats.js';

const WARMUP_MS = 1_000;
/** Samples: one rate per window. */
const WINDOWS = 10;
const WINDOW_MS = 500;
/** How much the child's resident memory may rise from the first half of the run to the second and still count as bounded. */
const GROWTH_ALLOWANCE_MIB = 16;

interface Side {
  rates: number[];
  child: MemoryReport;
  parent: MemoryReport;
  dropped: number;
  /** Share of one core each process used during the run (1 = a core fully busy). */
  childCpu: number;
  parentCpu: number;
}

/** Starts measuring the CPU use of `pids`; the returned function gives each one's share of a core since. */
function cpuMeter(pids: number[]): () => number[] {
  const t0 = performance.now();
  const before = pids.map(cpuMsOf);
  return () => {
    const elapsed = performance.now() - t0;
    return pids.map((pid, i) => Math.round(((cpuMsOf(pid) - before[i]!) / elapsed) * 100) / 100);
  };
}

/** The Spinner worker restarts in a tight loop in its supervisor process; a subscriber in this process counts what arrives. */
async function supervised(options: TreeOptions = {}): Promise<Side> {
  const app = await NestFactory.createApplicationContext(treeModule('flood', options), { logger: LOG_LEVELS });
  try {
    const service = app.get(SupervisionService);
    let received = 0;
    let dropped = 0;
    const subscription = service.events$.subscribe((event: SupervisionEvent) => {
      if (event.pid === process.pid) return;
      received += 1;
      if (event.type === 'events-dropped') dropped += event.count;
    });
    await service.start();
    const childPid = service.snapshot().children?.find((c) => c.path === service.pathOf(FloodSupervisor))?.pid;
    if (childPid === undefined) throw new Error('the flood supervisor process has no pid in the snapshot');
    const childMemory = new MemorySampler(childPid);
    const ownMemory = new MemorySampler(process.pid);
    const cpu = cpuMeter([childPid, process.pid]);
    const rates = await ratePerSecond(() => received, WARMUP_MS, WINDOWS, WINDOW_MS);
    const [childCpu, parentCpu] = cpu();
    const report = { rates, child: childMemory.stop(), parent: ownMemory.stop(), dropped, childCpu: childCpu!, parentCpu: parentCpu! };
    subscription.unsubscribe();
    return report;
  } finally {
    await app.close();
  }
}

/** The bare pair, in fresh processes of their own. */
async function bare(): Promise<Side> {
  const parent = forkTracked(fixture('ipc-floor-parent'), [JSON.stringify({ warmupMs: WARMUP_MS, windows: WINDOWS, windowMs: WINDOW_MS })]);
  const report = await nextMessage(parent, isMessage('floor'));
  return report as unknown as Side;
}

async function measure(): Promise<FigureResult> {
  const lib = await supervised();
  const uncapped = await supervised({ maxSemiSpaceMiB: 0 });
  const floor = await bare();
  const rate = summarize(lib.rates, 0);
  const floorRate = summarize(floor.rates, 0);
  const share = rate.median / floorRate.median;
  const bounded = lib.child.peakSecondHalfMiB <= lib.child.peakFirstHalfMiB + GROWTH_ALLOWANCE_MIB;
  return {
    number: 3,
    id: 'event-throughput',
    title: 'Event throughput, child process → events$',
    setup:
      `A process-isolated @Supervisor whose one worker returns at once and is restarted at once (restart 'always', backoff minDelayMs 0), ` +
      `logging off; a subscriber on events$ in the main process counts the events that come from the child. After ${WARMUP_MS} ms, ` +
      `${WINDOWS} windows of ${WINDOW_MS} ms. Floor: two bare Node processes, the child sending batches of 100 small JSON events per ` +
      `IPC message and waiting whenever send() returns false, the parent counting, same windows. RSS sampled every 100 ms.`,
    rows: [
      row('events/s received', 'events/s', rate, { what: 'bare batched IPC (100 events/message)', value: floorRate }, {
        text: '≥ 1 000 000/s and ≥ 70% of floor, child memory bounded',
        met: rate.median >= 1_000_000 && share >= 0.7 && bounded,
      }),
      row('events/s received (maxSemiSpaceMiB 0: V8 default)', 'events/s', summarize(uncapped.rates, 0), {
        what: 'bare batched IPC (100 events/message)',
        value: floorRate,
      }),
    ],
    details: {
      shareOfFloor: Math.round(share * 1000) / 1000,
      childMemoryBounded: bounded,
      childCpuCores: lib.childCpu,
      parentCpuCores: lib.parentCpu,
      floorChildCpuCores: floor.childCpu,
      floorParentCpuCores: floor.parentCpu,
      eventsDroppedByChild: lib.dropped,
      uncappedChildCpuCores: uncapped.childCpu,
      uncappedEventsDroppedByChild: uncapped.dropped,
      uncappedChildMemoryMiB: uncapped.child,
      childMemoryMiB: lib.child,
      parentMemoryMiB: lib.parent,
      floorChildMemoryMiB: floor.child,
      floorParentMemoryMiB: floor.parent,
    },
    notes: [
      `Peak RSS (VmHWM): supervisor process ${lib.child.hwmMiB} MiB, main process ${lib.parent.hwmMiB} MiB; ` +
        `bare pair: child ${floor.child.hwmMiB} MiB, parent ${floor.parent.hwmMiB} MiB.`,
    ],
  };
}

await runFigure(measure);
