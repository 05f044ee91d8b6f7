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
/** With a spare: the pause after each restart, so the next kill finds the tree and its refilled spare settled. */
const SETTLE_MS = 1_000;
/** Without a spare: the pause after each restart before the floor's fork, and after that fork before the next kill. */
const FLOOR_SETTLE_MS = 300;
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

/** One fork of the floor: the bare Nest-context script until ready, then SIGKILLed until its 'exit' and 'close'. */
interface BareFork {
  readyMs: number;
  exitMs: number;
  closeMs: number;
}

/**
 * Boots the restart tree, then kills its supervisor process RUNS+1 times, each time waiting for it to
 * be back; with `floor`, a bare fork (the floor) follows each settled restart, so that the kills and
 * their floor take turns through the same minutes of the machine's life.
 */
async function killLoop(options: TreeOptions, floor?: BareFork[]): Promise<Kill[]> {
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
      if (floor) {
        // No spare to refill: the tree is settled once the restarted process ran for a moment.
        await sleep(FLOOR_SETTLE_MS);
        const bare = await bareFork();
        if (i > 0) floor.push(bare);
      }
      await sleep(floor ? FLOOR_SETTLE_MS : SETTLE_MS);
    }
    subscription.unsubscribe();
    return kills;
  } finally {
    await app.close();
  }
}

/**
 * ms from fork() of the bare Nest-context script until its ready message; then, after a SIGKILL,
 * until its 'exit' and its 'close' events (the library waits for 'close'). Its output is piped, as a
 * supervisor process's is.
 */
async function bareFork(): Promise<BareFork> {
  const t0 = performance.now();
  const child = forkTracked(fixture('nest-ready'), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  child.stdout?.resume();
  child.stderr?.resume();
  await nextMessage(child, isMessage('ready'));
  const readyMs = performance.now() - t0;
  const tk = performance.now();
  const exit = new Promise<number>((resolve) => child.once('exit', () => resolve(performance.now() - tk)));
  const close = new Promise<number>((resolve) => child.once('close', () => resolve(performance.now() - tk)));
  child.kill('SIGKILL');
  const [exitMs, closeMs] = await Promise.all([exit, close]);
  return { readyMs, exitMs, closeMs };
}

interface Variant {
  readonly label: string;
  readonly options: TreeOptions;
  /** The issue goal this variant's row is judged by. */
  readonly goal?: (down: Summary, floor: Summary) => { text: string; met: boolean };
}

/**
 * forRoot's `process.standby`: off (every restart forks a process, the cold start), off with V8's default
 * young generation (what the semi-space cap costs a cold start), and on (one loaded spare).
 */
const VARIANTS: Variant[] = [
  { label: 'standby 0', options: { standby: 0 }, goal: (down, floor) => ({ text: '≤ 1.1× floor', met: down.median <= 1.1 * floor.median }) },
  { label: 'standby 0, maxSemiSpaceMiB 0', options: { standby: 0, maxSemiSpaceMiB: 0 } },
  { label: 'standby 1', options: { standby: 1 }, goal: (down) => ({ text: 'median ≤ 25 ms', met: down.median <= 25 }) },
];

async function measure(): Promise<FigureResult> {
  const measured: { variant: Variant; kills: Kill[]; bare: BareFork[] }[] = [];
  for (const variant of VARIANTS) {
    // The floor takes turns with the kills without a spare: with one, the spare forked after each
    // restart would still be loading, and the bare fork would share the CPU with it.
    const bare: BareFork[] = [];
    measured.push({ variant, kills: await killLoop(variant.options, variant.options.standby === 0 ? bare : undefined), bare });
  }
  const what = 'fork a bare Nest-context script until ready over IPC';
  const all = measured.flatMap((m) => m.bare);
  const rows: Row[] = [];
  const details: Record<string, { [key: string]: Summary | boolean | number }> = {};
  for (const { variant, kills, bare } of measured) {
    const down = summarize(kills.map((k) => k.downMs));
    // Each variant without a spare against the forks that took turns with its own kills; with one, against all of them.
    const floor = { what, value: summarize((bare.length > 0 ? bare : all).map((b) => b.readyMs)) };
    rows.push(row(`SIGKILL → workers running again (${variant.label})`, 'ms', down, floor, variant.goal?.(down, floor.value)));
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
      `${RUNS} SIGKILLs of its process per variant (after one warm-up); each timed until the supervisor's 'started' event ` +
      `reaches events$ in the main process (its worker's 'started' comes first). With a spare, the kills are ${SETTLE_MS} ms apart. ` +
      `Without one, each restart is followed, ${FLOOR_SETTLE_MS} ms later, by one fork of the floor, and the next kill comes ` +
      `${FLOOR_SETTLE_MS} ms after that; each such variant is set against its own ${RUNS} forks, the variant with a spare against ` +
      `all ${all.length}. Floor: fork a bare script that creates a Nest application context and reports ready over IPC.`,
    rows,
    details: {
      configuredRestartDelayMs: MIN_DELAY_MS,
      ...details,
      bareSigkillToExitMs: summarize(all.map((b) => b.exitMs)),
      bareSigkillToCloseMs: summarize(all.map((b) => b.closeMs)),
    },
    notes: [],
  };
}

await runFigure(measure);
