// Soak: many restarts must not make the main process grow. SOAK_RESTARTS (default 100 000)
// restarts of an in-process worker with zero backoff, then SOAK_PROCESS_RESTARTS SIGKILLs of a
// supervisor process, each waited for until it is back. `npm test` runs 30 process restarts (about
// 200 ms each on 2 cores: each restart uses a loaded spare, and loading the next one is the
// bottleneck); `npm run test:soak` runs 1 000. The run is a node process of its own
// (test/fixtures/soak-run.ts, compiled, under --expose-gc), measured once warmed up and at the end.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { PhaseReport, SoakReport } from './fixtures/soak-run.js';
import { descendantsOf, eventually, isAlive } from './helpers/processes.js';
import { PROBLEM_LINE, runNode, type NodeRun } from './helpers/node-run.js';
import { MiB } from './helpers/run-probes.js';

const RESTARTS = Number(process.env.SOAK_RESTARTS ?? 100_000);
const PROCESS_RESTARTS = Number(process.env.SOAK_PROCESS_RESTARTS ?? 30);
const HEAP_GROWTH_LIMIT = 5 * MiB;

let run: NodeRun<SoakReport>;
let report: SoakReport;

beforeAll(async () => {
  run = await runNode<SoakReport>('dist/test/fixtures/chaos-entry.js', {
    nodeFlags: ['--expose-gc'],
    env: { CHAOS_SCENARIO: 'soak', SOAK_RESTARTS: String(RESTARTS), SOAK_PROCESS_RESTARTS: String(PROCESS_RESTARTS) },
    tag: 'SOAK_RESULT',
    // Generous: about 2 s per 100 000 in-process restarts, about 0.2 s per process restart.
    timeoutMs: 60_000 + RESTARTS / 10 + PROCESS_RESTARTS * 2_000,
  });
  report = run.result;
  const phase = (p: PhaseReport) => ({ restarts: p.restarts, ms: Math.round(p.ms), warmHeap: p.warm.heapBytes, endHeap: p.end.heapBytes, heapGrowthBytes: p.heapGrowthBytes });
  const summary = {
    config: report.config,
    local: phase(report.local),
    process: { ...phase(report.process), slowestRestartMs: report.process.slowestRestartMs, pidsSeen: report.process.pidsSeen, reusedPids: report.process.reusedPids },
    warnings: report.warnings.length,
    unhandledRejections: report.unhandledRejections.length,
  };
  process.stdout.write(`SOAK_SUMMARY ${JSON.stringify(summary)}\n`);
}, 120_000 + RESTARTS / 5 + PROCESS_RESTARTS * 3_000);

afterAll(async () => {
  await eventually(() => descendantsOf(process.pid).filter(isAlive).length === 0, 'no child process of the test runner left');
});

describe(`soak: ${RESTARTS} in-process worker restarts and ${PROCESS_RESTARTS} supervisor-process restarts`, () => {
  it('ran every restart', () => {
    expect(run.code).toBe(0);
    expect(report.local.restarts).toBeGreaterThanOrEqual(RESTARTS);
    expect(report.process.restarts).toBe(PROCESS_RESTARTS);
  });

  /** Heap growth after GC under the limit, and no listener or handle left over, before and after close. */
  const expectNoGrowthOrLeak = (phase: PhaseReport) => {
    expect(phase.heapGrowthBytes).toBeDefined();
    expect(phase.heapGrowthBytes!).toBeLessThan(HEAP_GROWTH_LIMIT);
    expect(phase.listenerDiff).toEqual({});
    expect(phase.resourceDiff).toEqual({});
    expect(phase.listenerDiffAfterClose).toEqual({});
    expect(phase.resourceDiffAfterClose).toEqual({});
  };

  it('in-process restarts: heap growth after GC under 5 MiB, no listener or timer left over', () => {
    expectNoGrowthOrLeak(report.local);
  });

  it('supervisor-process restarts: heap growth after GC under 5 MiB, no listener, handle or process left over', () => {
    expectNoGrowthOrLeak(report.process);
    expect(report.process.aliveAfterClose).toEqual([]);
    expect(report.process.descendantsAfterClose).toEqual([]);
  });

  it('raised no warning or unhandled rejection, in any process', () => {
    expect(report.warnings).toEqual([]);
    expect(report.unhandledRejections).toEqual([]);
    expect(run.output.filter((line) => PROBLEM_LINE.test(line))).toEqual([]);
  });
});
