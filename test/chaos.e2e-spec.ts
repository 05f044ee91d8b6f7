// Chaos: a tree of 8 supervisor processes on two levels (plus three in-process supervisors) and 28
// workers, `always` and `on-failure`, under every strategy, takes random faults for CHAOS_SECONDS:
// SIGKILLs of supervisor processes, and workers that throw, return, hang (ignore their signal and
// never settle) or block their process's event loop (found by the heartbeat). Meanwhile dynamic
// children (with every restart policy, some whose init() throws) are started, terminated,
// restarted and deleted under a dynamic supervisor in the main process and two in supervisor
// processes (one with restoreChildren: false), two pools are scaled, and every kind of worker is
// called and cast to (test/fixtures/chaos-dynamic.ts). Then the tree must come back whole and as asked,
// and its events, snapshot, replies and processes must agree with what happened.
//
// `npm test` runs it for 8 s; `npm run test:chaos` for 120 s (CHAOS_SECONDS). The run is a node
// process of its own (test/fixtures/chaos-run.ts, compiled, under --expose-gc) so that the memory
// and handles measured are those of a main process that does nothing else; it prints its findings
// as one JSON line, and each test below asserts one property of them.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChaosReport } from './fixtures/chaos-run.js';
import { stillAlive } from './helpers/process-census.js';
import { descendantsOf, eventually, isAlive } from './helpers/processes.js';
import { PROBLEM_LINE, runNode, type NodeRun } from './helpers/node-run.js';
import { MiB } from './helpers/run-probes.js';

const SECONDS = Number(process.env.CHAOS_SECONDS ?? 8);
/**
 * A longer start timeout (CHAOS_START_TIMEOUT_MS, default 10 000) lengthens the run's bounds on
 * the boot and on convergence, each by 2 × 2 levels × the difference (chaos-run.ts's CONVERGENCE_BOUND_MS).
 */
const EXTRA_MS = 8 * Math.max(0, Number(process.env.CHAOS_START_TIMEOUT_MS ?? 10_000) - 10_000);
/** Heap growth of the main process over the whole run, after GC. */
const HEAP_GROWTH_LIMIT = 5 * MiB;

let dir: string;
let run: NodeRun<ChaosReport>;
let report: ChaosReport;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'supertrees-chaos-'));
  run = await runNode<ChaosReport>('dist/test/fixtures/chaos-entry.js', {
    nodeFlags: ['--expose-gc'],
    // CHAOS_SEED replays a run's faults: the run prints its seed (`CHAOS_SEED=...`) first, and in CHAOS_SUMMARY.
    env: { CHAOS_SCENARIO: 'chaos', CHAOS_DIR: dir, CHAOS_SECONDS: String(SECONDS), ...(process.env.CHAOS_SEED ? { CHAOS_SEED: process.env.CHAOS_SEED } : {}) },
    tag: 'CHAOS_RESULT',
    // The chaos, then boot, convergence (bounded by report.config.convergenceBoundMs) and close.
    timeoutMs: (SECONDS + 150) * 1_000 + EXTRA_MS,
  });
  report = run.result;
  const { processes, lastEvents, ...figures } = report;
  const summary = {
    ...figures,
    processes: { ...processes, all: processes.all.length },
    sequence: { pids: report.sequence.length, missing: sum(report.sequence.map((s) => s.missing)), reportedDrops: sum(report.sequence.map((s) => s.reportedDrops)) },
    heapGrowthBytes: report.heap.endBytes !== undefined && report.heap.bootBytes !== undefined ? report.heap.endBytes - report.heap.bootBytes : null,
    lastEvents: lastEvents.length,
  };
  process.stdout.write(`CHAOS_SUMMARY ${JSON.stringify(summary)}\nreplay this run with CHAOS_SEED=${report.config.seed}\n`);
}, (SECONDS + 160) * 1_000 + EXTRA_MS);

afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  // Whatever happened, the run and its processes are gone before the next test file.
  await eventually(() => descendantsOf(process.pid).filter(isAlive).length === 0, 'no child process of the test runner left');
});

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe(`chaos: ${SECONDS} s of random faults and dynamic operations on 8 supervisor processes and 28 workers`, () => {
  it('ran to the end and injected every kind of fault', () => {
    expect(run.code).toBe(0);
    for (const kind of ['throw', 'exit', 'hang', 'kill', 'block', 'storm'] as const) expect(report.faults.requested[kind]).toBeGreaterThan(0);
    expect(report.faults.taken.throw + report.faults.taken.exit + report.faults.taken.hang).toBeGreaterThan(0);
  });

  it('every failure it saw is one the chaos caused', () => {
    // A chaos throw fails the worker, a return ends it, unless it was being stopped (its signal
    // aborted: the run records those apart, and the worker's end is then a stop). The rest of the
    // gap is events lost with a process killed before it sent them.
    const { taken, takenWhileStopping } = report.faults;
    expect(report.effects.throwFailures).toBeGreaterThan(0);
    expect(report.effects.throwFailures).toBeLessThanOrEqual(taken.throw - takenWhileStopping.throw);
    expect(report.effects.exits).toBeLessThanOrEqual(taken.exit - takenWhileStopping.exit);
    expect(report.effects.initFailures).toBeLessThanOrEqual(report.dynamic.initFailuresAsked);
    expect(report.effects.abandonedWorkers).toBeLessThanOrEqual(report.faults.taken.hang);
    expect(report.effects.killedProcesses).toBeLessThanOrEqual(report.faults.requested.kill);
    expect(report.effects.heartbeatKills).toBeLessThanOrEqual(report.faults.taken.block);
    // No process died of anything else (start timeouts, crashes, fatal boots), and the root never gave up.
    expect(report.effects.otherProcessDeaths).toEqual([]);
    expect(report.effects.treeFailed).toBe(0);
  });

  it('comes back whole: every supervisor and `always` worker running, `on-failure` ones running or exited, within the bound', () => {
    expect(report.notConverged).toEqual([]);
    expect(report.converged).toBe(true);
    expect(report.convergenceMs).toBeLessThanOrEqual(report.config.convergenceBoundMs);
    expect(report.restarts.maxPostChaosMs).toBeLessThanOrEqual(report.config.convergenceBoundMs);
  });

  it('never schedules a restart later than the maxDelayMs of the child whose end caused it', () => {
    expect(report.delayViolations).toEqual([]);
  });

  it('applies the restart policies: a returning `on-failure` worker is not restarted, an `always` one is never given up', () => {
    expect(report.policyViolations).toEqual([]);
  });

  it('counts restarts in snapshot() as the restarted events (more only after dropped events)', () => {
    expect(report.restarts.total).toBeGreaterThan(0);
    expect(report.restartMismatches).toEqual([]);
  });

  it('has no gap in any process\'s event sequence that is not reported as a counted drop, and no duplicate', () => {
    const wrong = report.sequence.filter((s) => s.missing !== s.reportedDrops || s.duplicates > 0);
    expect(wrong).toEqual([]);
    expect(report.protocolErrors).toEqual([]);
  });

  it('leaves no orphan: once whole, only the tree\'s processes and the spares live; after close, none', async () => {
    expect(report.processes.strays).toEqual([]);
    // Every process that forks supervisor processes (main, Alpha, Beta) keeps exactly process.standby spares.
    expect(Object.values(report.processes.sparesByParent)).toEqual(Array(report.processes.forkingProcesses).fill(report.processes.standby));
    expect(report.processes.aliveAfterClose).toEqual([]);
    expect(report.processes.descendantsAfterClose).toEqual([]);
    // And once the run's own process has exited: none of the processes it ever saw is alive.
    expect(report.processes.all.filter(stillAlive)).toEqual([]);
    expect(isAlive(run.pid)).toBe(false);
  });

  it('runs every dynamic operation at random, each outcome one the model of what was asked and the README allow', () => {
    const { ops, unexpected } = report.dynamic;
    for (const [op, counts] of Object.entries(ops)) {
      expect([op, counts.succeeded > 0]).toEqual([op, true]);
    }
    // A new child whose init() throws: startChild rejected with ChildStartError carrying that error (checked one by one).
    expect(ops.startChild.rejected.ChildStartError ?? 0).toBeGreaterThan(0);
    // A success the model says cannot be, a lost or ghost child, an untyped error or one the README does not list there.
    expect(unexpected).toEqual([]);
  });

  it('settles every command, call and cast within its timeout (and a margin), with the reply handle() gave, each message handled at most once', () => {
    const d = report.dynamic;
    expect(d.callOutcomes.reply).toBeGreaterThan(0);
    expect(d.neverSettled).toEqual([]);
    expect(d.late).toEqual([]);
    expect(d.wrongReplies).toEqual([]);
    expect(d.handledTwice).toEqual([]);
  });

  it('converges to what was asked: no dynamic child lost or back uninvited, terminated ones terminated, pools at the size asked', () => {
    expect(report.dynamic.mismatches).toEqual([]);
  });

  it('keeps the main process\'s memory stable (heap after GC)', () => {
    expect(report.heap.gc).toBe(true);
    expect(report.heap.endBytes! - report.heap.bootBytes!).toBeLessThan(HEAP_GROWTH_LIMIT);
  });

  it('leaves no listener or handle behind after close, and raised no warning or unhandled rejection', () => {
    expect(report.listeners.afterClose).toEqual(report.listeners.before);
    expect(report.resourcesAfterClose).toEqual({});
    expect(report.warnings).toEqual([]);
    expect(report.unhandledRejections).toEqual([]);
    // Supervisor processes print theirs through the main process.
    expect(run.output.filter((line) => PROBLEM_LINE.test(line))).toEqual([]);
  });
});
