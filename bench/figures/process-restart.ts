// Figure 2: how long the workers of a supervisor process are down after the process is killed:
// from SIGKILL until the `started` event of the supervisor node reaches the main process.
import { NestFactory } from '@nestjs/core';
import { SupervisionService, type SupervisionEvent } from '#supertrees';
import { LOG_LEVELS, RestartSupervisor, treeModule, type TreeOptions } from '../fixtures/trees.js';
import { runFigure } from '../lib/harness.js';
import { childrenOf, fixture, forkTracked, isMessage, nextMessage } from '../lib/processes.js';
import { row, type FigureResult, type Row, type Summary } from '../lib/results.js';
import { sleep, summarize } from '../lib/stats.js';

/** Kills measured per variant (after one unmeasured warm-up kill). */
const RUNS = 15;
/** Pause after each restart, so the next kill finds the tree (and any standby pool) settled. */
const SETTLE_MS = 1_000;
/** The restart delay the options allow at the least: `backoff.minDelayMs: 0` on the supervisor. */
const MIN_DELAY_MS = 0;

interface Kill {
  /** SIGKILL to the `started` event of the supervisor node in the main process. */
  downMs: number;
  /** SIGKILL to the `failed` event of the supervisor node (crash detection). */
  detectMs: number;
  /** The delay of the `restart-scheduled` event. */
  scheduledDelayMs: number;
  /** Whether the worker's own `started` event (in the new process) came before the supervisor's. */
  workerFirst: boolean;
  /** Whether the new process was already running before the kill (a standby spare). */
  spare: boolean;
  /**
   * From the `failed` event (main process) to the worker's `starting` event in the new process:
   * handing it the supervisor and creating its Nest context. Event timestamps: 1 ms resolution.
   */
  contextMs: number;
  /** From the worker's `starting` event to the supervisor's `started` event reaching events$ (1 ms resolution). */
  reportMs: number;
}

/** Boots the restart tree, then kills its supervisor process RUNS+1 times, each time waiting for it to be back. */
async function killLoop(options: TreeOptions): Promise<Kill[]> {
  const app = await NestFactory.createApplicationContext(treeModule('restart', options), { logger: LOG_LEVELS });
  try {
    const service = app.get(SupervisionService);
    const path = service.pathOf(RestartSupervisor);
    let pid = 0;
    let current: Partial<Kill> & { t0?: number; workerPid?: number; failedTs?: number; workerStartingTs?: number; startedAtTs?: number } = {};
    let onStarted: (at: number, processPid: number) => void = () => undefined;
    const subscription = service.events$.subscribe((event: SupervisionEvent) => {
      const at = performance.now();
      if (event.path === path) {
        if (event.type === 'failed' && current.t0 !== undefined) {
          current.detectMs = at - current.t0;
          current.failedTs = event.timestamp;
        }
        if (event.type === 'restart-scheduled') current.scheduledDelayMs = event.delayMs;
        if (event.type === 'started') {
          current.startedAtTs = Date.now();
          onStarted(at, event.processPid ?? 0);
        }
      } else if (event.path.startsWith(`${path}/`)) {
        if (event.type === 'starting') current.workerStartingTs = event.timestamp;
        if (event.type === 'started') current.workerPid = event.pid;
      }
    });
    const startedOnce = () =>
      new Promise<{ at: number; processPid: number }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${path} did not start again within 30 s`)), 30_000);
        onStarted = (at, processPid) => {
          clearTimeout(timer);
          onStarted = () => undefined;
          resolve({ at, processPid });
        };
      });

    const [first] = await Promise.all([startedOnce(), service.start()]);
    pid = first.processPid;
    await sleep(SETTLE_MS);

    const kills: Kill[] = [];
    for (let i = 0; i <= RUNS; i += 1) {
      const started = startedOnce();
      const existing = new Set(childrenOf(process.pid));
      current = { t0: performance.now() };
      process.kill(pid, 'SIGKILL');
      const { at, processPid } = await started;
      if (i > 0) {
        kills.push({
          downMs: at - current.t0!,
          detectMs: current.detectMs ?? NaN,
          scheduledDelayMs: current.scheduledDelayMs ?? NaN,
          workerFirst: current.workerPid === processPid,
          spare: existing.has(processPid),
          contextMs: (current.workerStartingTs ?? NaN) - (current.failedTs ?? NaN),
          reportMs: (current.startedAtTs ?? NaN) - (current.workerStartingTs ?? NaN),
        });
      }
      pid = processPid;
      await sleep(SETTLE_MS);
    }
    subscription.unsubscribe();
    return kills;
  } finally {
    await app.close();
  }
}

/**
 * ms from fork() of the bare Nest-context script until its ready message, one process at a time;
 * then, after a SIGKILL, until its 'exit' and its 'close' events (the library waits for 'close').
 * Its output is piped, as a supervisor process's is.
 */
async function bareForks(): Promise<{ readyMs: number[]; exitMs: number[]; closeMs: number[] }> {
  const readyMs: number[] = [];
  const exitMs: number[] = [];
  const closeMs: number[] = [];
  for (let i = 0; i <= RUNS; i += 1) {
    const t0 = performance.now();
    const child = forkTracked(fixture('nest-ready'), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    child.stdout?.resume();
    child.stderr?.resume();
    await nextMessage(child, isMessage('ready'));
    const ready = performance.now() - t0;
    const tk = performance.now();
    const exit = new Promise<number>((resolve) => child.once('exit', () => resolve(performance.now() - tk)));
    const close = new Promise<number>((resolve) => child.once('close', () => resolve(performance.now() - tk)));
    child.kill('SIGKILL');
    const [e, c] = await Promise.all([exit, close]);
    if (i > 0) {
      readyMs.push(ready);
      exitMs.push(e);
      closeMs.push(c);
    }
    await sleep(100);
  }
  return { readyMs, exitMs, closeMs };
}

/** forRoot's `process.standby`: off for comparison, then on (one loaded spare), which the goal is about. */
const VARIANTS: { label: string; options: TreeOptions }[] = [
  { label: 'standby 0', options: { standby: 0 } },
  { label: 'standby 1', options: { standby: 1 } },
];

async function measure(): Promise<FigureResult> {
  const bare = await bareForks();
  const floor = { what: 'fork a bare Nest-context script until ready over IPC', value: summarize(bare.readyMs) };
  const rows: Row[] = [];
  const details: Record<string, { [key: string]: Summary | boolean | number }> = {};
  const all = VARIANTS;
  for (const [i, variant] of all.entries()) {
    const kills = await killLoop(variant.options);
    const down = summarize(kills.map((k) => k.downMs));
    // The goal is about the last variant (standby on); the first is for comparison.
    const goal = i === all.length - 1 ? { text: 'median ≤ 25 ms', met: down.median <= 25 } : undefined;
    rows.push(row(`SIGKILL → workers running again (${variant.label})`, 'ms', down, floor, goal));
    details[variant.label] = {
      detectMs: summarize(kills.map((k) => k.detectMs)),
      failedToWorkerStartingMs: summarize(kills.map((k) => k.contextMs)),
      workerStartingToStartedMs: summarize(kills.map((k) => k.reportMs)),
      restartDelayMs: summarize(kills.map((k) => k.scheduledDelayMs)),
      workersStartedBeforeSupervisor: kills.every((k) => k.workerFirst),
      restartsOnASpare: kills.filter((k) => k.spare).length,
    };
  }
  return {
    number: 2,
    id: 'process-restart',
    title: 'Supervisor process restart',
    setup:
      `A process-isolated @Supervisor with one worker, backoff minDelayMs ${MIN_DELAY_MS} (the smallest the options allow), logging off. ` +
      `${RUNS} SIGKILLs of its process (after one warm-up), ${SETTLE_MS} ms apart; each timed until the supervisor's 'started' event ` +
      `reaches events$ in the main process (its worker's 'started' comes first). Floor: fork a bare script that creates a Nest ` +
      `application context and reports ready over IPC, ${RUNS} times, one at a time.`,
    rows,
    details: {
      configuredRestartDelayMs: MIN_DELAY_MS,
      ...details,
      bareSigkillToExitMs: summarize(bare.exitMs),
      bareSigkillToCloseMs: summarize(bare.closeMs),
    },
    notes: [],
  };
}

await runFigure(measure);
