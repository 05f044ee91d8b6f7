import { NestFactory } from '@nestjs/core';
import { SupervisionService, type NodeSnapshot } from '#supertrees';
import { BOOT_SUPERVISORS, LOG_LEVELS, treeModule, type TreeOptions } from '../fixtures/trees.js';
import { fixture, forkTracked, isMessage, kill, nextMessage } from './processes.js';
import { sleep } from './stats.js';

/** Longest wait for every worker to run after start() resolved (a failed start is retried by its supervisor). */
const BOOT_TIMEOUT_MS = 60_000;

/** A boot measured, and the processes it left running while `during` ran. */
export interface Boot {
  /** From the start until every worker (or bare process) is running / ready. */
  readonly ms: number;
  /** The supervisor processes (or bare processes). */
  readonly pids: number[];
  /** `failed` events during the boot (each one retried by its supervisor, and timed as part of the boot). */
  readonly failures: number;
}

function* nodes(node: NodeSnapshot): Generator<NodeSnapshot> {
  yield node;
  for (const child of node.children ?? []) yield* nodes(child);
}

/**
 * Boots the tree of BOOT_SUPERVISORS process supervisors, one worker each, in this process: timed
 * from `start()` until the `started` event of every worker has reached events$. Then runs
 * `during` with the supervisor processes' pids, and closes the app.
 */
export async function bootTree(options: TreeOptions = {}, during: (pids: number[]) => Promise<void> = async () => undefined): Promise<Boot> {
  const app = await NestFactory.createApplicationContext(treeModule('boot', options), { logger: LOG_LEVELS });
  try {
    const service = app.get(SupervisionService);
    const workers = new Set([...nodes(service.snapshot())].filter((n) => n.kind === 'worker').map((n) => n.path));
    if (workers.size !== BOOT_SUPERVISORS) throw new Error(`the boot tree has ${workers.size} workers`);
    const running = new Set<string>();
    const failures: string[] = [];
    let allRunning: () => void = () => undefined;
    const done = new Promise<number>((resolve) => (allRunning = () => resolve(performance.now())));
    const subscription = service.events$.subscribe((event) => {
      if (event.type === 'failed') failures.push(`${event.path}: ${event.error.message}`);
      if (event.type !== 'started' || !workers.has(event.path)) return;
      running.add(event.path);
      if (running.size === workers.size) allRunning();
    });
    const t0 = performance.now();
    await service.start();
    const allRunningAt = await Promise.race([done, sleep(BOOT_TIMEOUT_MS).then(() => NaN)]);
    subscription.unsubscribe();
    if (Number.isNaN(allRunningAt)) throw new Error(`${running.size} of ${workers.size} workers running ${BOOT_TIMEOUT_MS} ms after start(); failures: ${failures.join('; ')}`);
    if (failures.length > 0) process.stderr.write(`boot: ${failures.length} failure(s) during boot: ${failures.join('; ')}\n`);
    const pids = (service.snapshot().children ?? []).map((s) => s.pid ?? NaN);
    await during(pids);
    return { ms: allRunningAt - t0, pids, failures: failures.length };
  } finally {
    await app.close();
  }
}

/** Forks `count` bare Nest-context scripts at once: timed until each has reported ready over IPC. */
export async function bootBare(count: number, during: (pids: number[]) => Promise<void> = async () => undefined): Promise<Boot> {
  const t0 = performance.now();
  const children = Array.from({ length: count }, () => forkTracked(fixture('nest-ready')));
  try {
    await Promise.all(children.map((child) => nextMessage(child, isMessage('ready'))));
    const ms = performance.now() - t0;
    const pids = children.map((c) => c.pid ?? NaN);
    await during(pids);
    return { ms, pids, failures: 0 };
  } finally {
    await Promise.all(children.map(kill));
  }
}
