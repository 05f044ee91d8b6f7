import { afterEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_ESCALATED, SupervisionService, type SupervisionEvent } from '../libs/supertrees/src/index.js';
import { createSupervisionTestingModule, type EventRecorder, type SupervisionTestingModule } from '#supertrees/testing';
import { SCENARIOS } from './fixtures/scenarios.js';
import { descendantsOf, eventually, isAlive, spawnFixtureApp, type SpawnedApp } from './helpers/processes.js';

let app: SupervisionTestingModule | undefined;
let spawned: SpawnedApp | undefined;
const seenPids = new Set<number>();

afterEach(async () => {
  await app?.close();
  if (spawned && spawned.proc.exitCode === null && spawned.proc.signalCode === null) {
    spawned.proc.kill('SIGKILL');
    await spawned.exited;
  }
  // Whatever happened in the test, no process of the tree (spares included) may outlive it.
  await eventually(() => [...seenPids].every((pid) => !isAlive(pid)), `pids ${[...seenPids].join(', ')} gone`);
  await eventually(() => descendantsOf(process.pid).filter(isAlive).length === 0, 'no child process of the test runner left');
  app = spawned = undefined;
  seenPids.clear();
});

/**
 * Boots a scenario (its module has its own forRoot, with the fixture entry) in this, the test,
 * process through the testing kit, recording events from the first; its close() fails if a
 * supervisor process outlives it.
 */
async function boot(name: string): Promise<{ service: SupervisionService; recorder: EventRecorder }> {
  app = await createSupervisionTestingModule({ imports: [SCENARIOS[name]!], supervision: false, init: false, waitTimeoutMs: 30_000 });
  const { service, recorder } = app;
  service.events$.subscribe((e) => {
    for (const pid of [e.pid, e.type === 'started' ? e.processPid : undefined]) {
      if (pid !== undefined && pid !== process.pid) seenPids.add(pid);
    }
  });
  await app.init();
  return { service, recorder };
}

const processPidOf = (events: SupervisionEvent[], path: string): number => {
  const started = events.filter((e) => e.type === 'started' && e.path === path).at(-1);
  if (!started || started.type !== 'started' || !started.processPid) throw new Error(`no started event for ${path}`);
  return started.processPid;
};

describe("start: 'background' with a supervisor process", () => {
  it('lets init() return while the supervisor process starts, and a close during that start stops it and leaves no process', async () => {
    const { service, recorder } = await boot('background');
    // Its worker's init() waits until it is stopped: the tree cannot have started.
    expect(service.status).toBe('starting');
    await recorder.waitFor({ type: 'starting', path: 'root/PatientSupervisor/PatientInit' }, { timeoutMs: 60_000 });
    expect(service.status).toBe('starting');
    const closing = app!.close();
    app = undefined;
    await closing;
    expect(recorder.trace({ where: (e) => e.path === 'root' || e.path === 'root/PatientSupervisor' })).toEqual([
      'starting root',
      'starting root/PatientSupervisor',
      'stopping root',
      'stopping root/PatientSupervisor',
      'stopped root/PatientSupervisor',
      'stopped root',
    ]);
    expect(recorder.of({ type: 'failed' })).toEqual([]);
    expect(service.status).toBe('stopped');
  });
});

describe('supervisors in their own processes', () => {
  it('runs a process supervisor whose workers get Nest DI, and restarts a crashed worker inside that process', async () => {
    const { service, recorder } = await boot('basic');
    await recorder.waitFor({ type: 'restarted', path: 'root/IngestSupervisor/CrashOnce' });
    const supPid = processPidOf(recorder.events, 'root/IngestSupervisor');
    expect(supPid).not.toBe(process.pid);
    const failed = recorder.of({ type: 'failed', path: 'root/IngestSupervisor/CrashOnce' })[0]!;
    expect(failed.pid).toBe(supPid);
    expect(failed.type === 'failed' && failed.error.message).toBe(`crash in pid ${supPid}`);
    expect(recorder.of({ type: 'failed', path: 'root/IngestSupervisor/Greeter' })).toEqual([]);
    expect(recorder.of({ type: 'started', path: 'root/IngestSupervisor/Greeter' })[0]?.pid).toBe(supPid);
    const snap = service.snapshot();
    const ingest = snap.children!.find((c) => c.path === 'root/IngestSupervisor')!;
    expect(ingest).toMatchObject({ state: 'running', pid: supPid });
    expect(ingest.children!.map((c) => [c.name, c.state, c.pid])).toEqual([
      ['Ticker', 'running', supPid],
      ['CrashOnce', 'running', supPid],
      ['Greeter', 'running', supPid],
    ]);
    // The scenario gives `execArgv: []`; the library adds its young-generation cap (maxSemiSpaceMiB 2).
    const argv = readFileSync(`/proc/${supPid}/cmdline`, 'utf8').split('\0');
    expect(argv).toContain('--max-semi-space-size=2');
    // Forked for the boot, it did not warm Nest up; the standing spare forked after the boot does.
    const environ = (pid: number) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    expect(environ(supPid)).toContain('NESTJS_SUPERTREES_FORKED_FOR=boot');
    const isSpare = (pid: number) => pid !== supPid && isAlive(pid);
    await eventually(() => descendantsOf(process.pid).some(isSpare), 'a standing spare');
    const spare = descendantsOf(process.pid).find(isSpare)!;
    seenPids.add(spare);
    expect(environ(spare)).toContain('NESTJS_SUPERTREES_FORKED_FOR=spare');
  });

  it('boots a process forked on demand (no spare) while its start travels, and a stop during that boot closes its context', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'supertrees-gate-'));
    const gate = join(dir, 'open');
    const log = join(dir, 'log');
    writeFileSync(gate, '');
    process.env.SUPERTREES_GATE = gate;
    process.env.SUPERTREES_GATE_LOG = log;
    try {
      const { recorder } = await boot('gated');
      await recorder.waitFor({ type: 'started', path: 'root/GatedSupervisor' });
      const first = processPidOf(recorder.events, 'root/GatedSupervisor');
      // From now on a new process's app context waits in GatedResource.onModuleInit until the gate opens.
      rmSync(gate);
      process.kill(first, 'SIGKILL');
      const lines = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
      const next = () => lines().find((line) => line.startsWith('init ') && line !== `init ${first}`);
      await eventually(() => next() !== undefined, 'the process forked for the restart creating its app context');
      const second = Number(next()!.slice('init '.length));
      seenPids.add(second);
      // standby 0: no spare, so it was forked for this start, and said so in its environment.
      expect(readFileSync(`/proc/${second}/environ`, 'utf8').split('\0')).toContain('NESTJS_SUPERTREES_FORKED_FOR=start');
      // The app closes while that context is still being created: the process is told to stop, and
      // only then the gate opens; the context it was creating is closed (its providers'
      // onModuleDestroy runs) before the process exits.
      const closing = app!.close();
      app = undefined;
      await eventually(() => lines().includes(`stop ${second}`), 'the stop message reaching the booting process');
      writeFileSync(gate, '');
      await closing;
      expect(lines()).toContain(`destroyed ${second}`);
      expect(isAlive(second)).toBe(false);
    } finally {
      delete process.env.SUPERTREES_GATE;
      delete process.env.SUPERTREES_GATE_LOG;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('restarts a SIGKILLed supervisor process in a new process, with its workers', async () => {
    const { service, recorder } = await boot('basic');
    await recorder.waitFor({ type: 'started', path: 'root/IngestSupervisor' });
    const first = processPidOf(recorder.events, 'root/IngestSupervisor');
    process.kill(first, 'SIGKILL');
    await recorder.waitFor({ type: 'restarted', path: 'root/IngestSupervisor' });
    const second = processPidOf(recorder.events, 'root/IngestSupervisor');
    expect(second).not.toBe(first);
    const failed = recorder.of({ type: 'failed', path: 'root/IngestSupervisor' })[0]!;
    expect(failed).toMatchObject({ phase: 'process', pid: process.pid });
    expect(failed.type === 'failed' && failed.error.message).toContain('signal SIGKILL');
    await recorder.waitFor({ where: (e) => e.type === 'started' && e.path === 'root/IngestSupervisor/Greeter' && e.pid === second });
    expect(service.snapshot().children![0]).toMatchObject({ state: 'running', pid: second, restarts: 1 });
    await eventually(() => !isAlive(first), 'the killed process is reaped');
  });

  it('keeps a loaded spare process, restarts a killed supervisor in it, and forks a new spare afterwards', async () => {
    const { recorder } = await boot('basic');
    const first = processPidOf(recorder.events, 'root/IngestSupervisor');
    await eventually(() => descendantsOf(process.pid).filter(isAlive).length === 2, 'the supervisor process and one spare');
    const [spare] = descendantsOf(process.pid).filter((pid) => pid !== first && isAlive(pid));
    process.kill(first, 'SIGKILL');
    await recorder.waitFor({ type: 'restarted', path: 'root/IngestSupervisor' });
    expect(processPidOf(recorder.events, 'root/IngestSupervisor')).toBe(spare);
    await eventually(
      () => descendantsOf(process.pid).filter((pid) => pid !== spare && pid !== first && isAlive(pid)).length === 1,
      'a new spare replaces the one used',
    );
  });

  it('one-for-all across process children: killing one restarts both', async () => {
    const { recorder } = await boot('pair');
    await recorder.waitFor({ type: 'started', path: 'root/PairSupervisor' });
    const left = processPidOf(recorder.events, 'root/PairSupervisor/LeftSupervisor');
    const right = processPidOf(recorder.events, 'root/PairSupervisor/RightSupervisor');
    process.kill(left, 'SIGKILL');
    await recorder.waitFor({ type: 'restarted', path: 'root/PairSupervisor/RightSupervisor' });
    await recorder.waitFor({ type: 'restarted', path: 'root/PairSupervisor/LeftSupervisor' });
    expect(recorder.of({ type: 'stopped', path: 'root/PairSupervisor/RightSupervisor' })[0]).toMatchObject({ reason: 'strategy' });
    expect(processPidOf(recorder.events, 'root/PairSupervisor/RightSupervisor')).not.toBe(right);
    await eventually(() => !isAlive(right) && !isAlive(left), 'old processes gone');
  });

  it('escalates through two process levels', async () => {
    const { service, recorder } = await boot('escalation');
    // Root gives up on Outer (restart 'never').
    await recorder.waitFor({ type: 'gave-up', path: 'root/OuterSupervisor', where: (e) => e.reason === 'policy' });
    const escalated = recorder.of({ type: 'escalated' }).map((e) => e.path);
    expect(escalated).toEqual([
      'root/OuterSupervisor/InnerSupervisor',
      'root/OuterSupervisor/InnerSupervisor',
      'root/OuterSupervisor',
    ]);
    // Outer gives up on itself (in its process), then root gives up on it (restart 'never').
    expect(recorder.of({ type: 'gave-up', path: 'root/OuterSupervisor' }).map((e) => e.type === 'gave-up' && e.reason)).toEqual(['intensity', 'policy']);
    const outerFailed = recorder.of({ type: 'failed', path: 'root/OuterSupervisor' })[0]!;
    expect(outerFailed.type === 'failed' && outerFailed.error.name).toBe('SupervisorGaveUpError');
    expect(service.snapshot().children![0]).toMatchObject({ state: 'failed' });
    expect(EXIT_ESCALATED).toBe(70);
  });

  it('kills a hung supervisor process (blocked event loop) found by its heartbeat, and restarts it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'supertrees-hang-'));
    process.env.HANG_MARKER = join(dir, 'hung');
    try {
      const { recorder } = await boot('hang');
      const failed = await recorder.waitFor({ type: 'failed', path: 'root/HangSupervisor' }, { timeoutMs: 30_000 });
      expect(failed.error.message).toContain('sent no heartbeat');
      await recorder.waitFor({ type: 'restarted', path: 'root/HangSupervisor' });
    } finally {
      delete process.env.HANG_MARKER;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds a supervisor process hung in its start (a worker init() that blocks the loop) by its heartbeat, not the start timeout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'supertrees-init-hang-'));
    process.env.HANG_MARKER = join(dir, 'hung');
    try {
      const { recorder } = await boot('init-hang');
      // The scenario's startTimeoutMs is 600 s: a failure with the heartbeat's reason can only come from the heartbeat.
      const failed = await recorder.waitFor({ type: 'failed', path: 'root/InitHangSupervisor' }, { timeoutMs: 60_000 });
      expect(failed.phase).toBe('process');
      expect(failed.error.name).toBe('SupervisorProcessError');
      expect(failed.error.message).toContain('sent no heartbeat');
      expect(failed.error.message).not.toContain('did not start');
      // The next process does not block (the marker says one already did): it starts and runs.
      await recorder.waitFor({ type: 'started', path: 'root/InitHangSupervisor/InitHanger' }, { timeoutMs: 60_000 });
      await recorder.waitFor({ type: 'restarted', path: 'root/InitHangSupervisor' }, { timeoutMs: 60_000 });
    } finally {
      delete process.env.HANG_MARKER;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('restarts a supervisor process whose memory passes process.maxMemoryMiB, as a failure with its own reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'supertrees-hoard-'));
    process.env.HOARD_MARKER = join(dir, 'hoarded');
    try {
      const { service, recorder } = await boot('hoard');
      const failed = await recorder.waitFor({ type: 'failed', path: 'root/HoardSupervisor' }, { timeoutMs: 60_000 });
      expect(failed.phase).toBe('process');
      // On the whole error, so that a failure for another reason shows its message.
      expect(failed.error).toMatchObject({ name: 'SupervisorMemoryLimitError' });
      expect(failed.error.message).toMatch(/^supervisor process root\/HoardSupervisor \(pid \d+\) uses \d+\.\d MiB of memory \(RSS\), above its process\.maxMemoryMiB \(256 MiB\); restarted$/);
      // It was stopped, not killed: its worker got its signal and stopped in time.
      const stopped = recorder.of({ type: 'stopped', path: 'root/HoardSupervisor/Hoarder' });
      expect(stopped.length).toBeGreaterThan(0);
      await recorder.waitFor({ type: 'restarted', path: 'root/HoardSupervisor' }, { timeoutMs: 60_000 });
      // The new process does not hoard: it stays under the limit and keeps running.
      expect(service.snapshot().children![0]).toMatchObject({ state: 'running', restarts: 1 });
    } finally {
      delete process.env.HOARD_MARKER;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('survives malformed IPC messages, counting each', async () => {
    const { service, recorder } = await boot('babble');
    const errors = await recorder.waitForCount({ type: 'protocol-error', path: 'root/BabbleSupervisor' }, 5);
    expect(errors.map((e) => (e.type === 'protocol-error' ? e.count : 0))).toEqual([1, 2, 3, 4, 5]);
    expect(service.snapshot().children![0]).toMatchObject({ state: 'running' });
    expect(recorder.of({ type: 'failed' })).toEqual([]);
  });

  for (const mode of ['uncaught', 'rejection', 'exit']) {
    it(`lets a supervisor process crash on ${mode === 'exit' ? 'process.exit()' : `an ${mode}`} and restarts it`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'supertrees-crash-'));
      process.env.CRASH_MARKER = join(dir, 'crashed');
      process.env.CRASH_MODE = mode;
      try {
        const { recorder } = await boot('crash');
        const failed = await recorder.waitFor({ type: 'failed', path: 'root/CrashSupervisor' });
        expect(failed!.type === 'failed' && failed!.error.message).toContain(mode === 'exit' ? 'code 3' : 'code 1');
        await recorder.waitFor({ type: 'restarted', path: 'root/CrashSupervisor' });
      } finally {
        delete process.env.CRASH_MARKER;
        delete process.env.CRASH_MODE;
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('bounds a child\'s buffer while its parent is slow, and reports exactly what it dropped', async () => {
    const { recorder } = await boot('flood');
    await recorder.waitFor({ type: 'started', path: 'root/FloodSupervisor' });
    const childPid = processPidOf(recorder.events, 'root/FloodSupervisor');
    // Block this (the parent's) event loop so the child's pipe fills up.
    const until = Date.now() + 1_500;
    while (Date.now() < until) {
      // busy
    }
    const dropped = await recorder.waitFor({ type: 'events-dropped', path: 'root/FloodSupervisor' });
    expect(dropped).toMatchObject({ originPid: childPid, pid: childPid });
    await app!.close();
    app = undefined;
    // Every gap in the child's processSeq is accounted for by events-dropped counts.
    // A drop report is numbered when it is sent, ahead of events numbered before it: count the
    // missing numbers up to the highest one seen, not the gaps in arrival order.
    const fromChild = recorder.events.filter((e) => e.pid === childPid);
    const seqs = new Set(fromChild.map((e) => e.processSeq));
    expect(seqs.size).toBe(fromChild.length);
    const gaps = Math.max(...seqs) - seqs.size;
    const reported = recorder.events.reduce((sum, e) => sum + (e.type === 'events-dropped' && e.originPid === childPid ? e.count : 0), 0);
    expect(reported).toBeGreaterThan(0);
    expect(gaps).toBe(reported);
    expect(recorder.of({ type: 'protocol-error' })).toEqual([]);
  });

  it('leaves no process behind after app.close()', async () => {
    const { recorder } = await boot('deep');
    await recorder.waitFor({ type: 'started', path: 'root/Level1Supervisor' });
    const pids = [...seenPids];
    expect(pids.length).toBe(3);
    await app!.close();
    app = undefined;
    expect(pids.filter(isAlive)).toEqual([]);
    expect(recorder.trace({ where: (e) => e.type === 'stopped' && e.kind === 'supervisor' })).toEqual([
      'stopped root/Level1Supervisor/Level2Supervisor/Level3Supervisor',
      'stopped root/Level1Supervisor/Level2Supervisor',
      'stopped root/Level1Supervisor',
      'stopped root',
    ]);
  });

  it('never leaves an orphan: SIGKILL of the app takes every descendant down, at every depth', async () => {
    spawned = await spawnFixtureApp('deep');
    const tree = descendantsOf(spawned.proc.pid!);
    tree.forEach((pid) => seenPids.add(pid));
    // The three supervisor processes, and the standby spares of the two levels that fork.
    const supervisors = spawned.pids.filter((p) => p !== spawned!.proc.pid);
    expect(supervisors).toHaveLength(3);
    expect(tree).toEqual(expect.arrayContaining(supervisors));
    expect(tree.length).toBeGreaterThan(3);
    spawned.proc.kill('SIGKILL');
    await spawned.exited;
    await eventually(() => tree.every((pid) => !isAlive(pid)), 'every descendant gone', 5_000);
  });
});
