// The measurement of figures 6 and 8: start many workers, weigh them, stop them, against as many bare tasks.
import { NestFactory } from '@nestjs/core';
import type { Type } from '@nestjs/common';
import { SupervisionService } from '#supertrees';
import { aborted, LOG_LEVELS } from '../fixtures/trees.js';
import { sleep } from './stats.js';

export interface StartStopCycle {
  startMs: number;
  stopMs: number;
  heapPerItemBytes: number;
  /** Creating the application context, discovery and tree building included (not a goal). */
  initMs: number;
}

/** Heap in use after a full garbage collection, in bytes. */
export function heapAfterGc(): number {
  if (!global.gc) throw new Error('run this figure with --expose-gc');
  global.gc();
  global.gc();
  return process.memoryUsage().heapUsed;
}

/** How a figure starts its `count` workers in a fresh application context. */
export interface SupervisedStart {
  /** Untimed, before the heap is weighed. */
  readonly prepare?: (service: SupervisionService) => Promise<void>;
  /** Timed as the start; the heap it adds, divided by the count, is the heap per worker. */
  readonly start: (service: SupervisionService) => Promise<void>;
}

/** One cycle in a fresh application context of `module`: start, weigh, then `stop()` timed. */
export async function supervisedCycle(module: Type<unknown>, count: number, how: SupervisedStart): Promise<StartStopCycle> {
  await sleep(50); // lets the previous cycle's garbage become collectable
  const i0 = performance.now();
  const app = await NestFactory.createApplicationContext(module, { logger: LOG_LEVELS });
  const initMs = performance.now() - i0;
  try {
    const service = app.get(SupervisionService);
    await how.prepare?.(service);
    const before = heapAfterGc();
    const t0 = performance.now();
    await how.start(service);
    const startMs = performance.now() - t0;
    const after = heapAfterGc();
    const t1 = performance.now();
    await service.stop();
    const stopMs = performance.now() - t1;
    return { startMs, stopMs, heapPerItemBytes: (after - before) / count, initMs };
  } finally {
    await app.close();
  }
}

/** The same with `count` bare tasks: an AbortController and a promise that settles when it aborts, each; stopped in reverse. */
export async function bareCycle(count: number): Promise<StartStopCycle> {
  await sleep(50);
  const before = heapAfterGc();
  const t0 = performance.now();
  const tasks: { controller: AbortController; done: Promise<void> }[] = [];
  for (let i = 0; i < count; i += 1) {
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
  const stopMs = performance.now() - t1;
  return { startMs, stopMs, heapPerItemBytes: (after - before) / count, initMs: 0 };
}

/** `runs` cycles of each, bare and supervised taking turns so load on the machine hits both alike, after one unmeasured pair. */
export async function startStopCycles(
  runs: number,
  count: number,
  supervised: () => Promise<StartStopCycle>,
): Promise<{ lib: StartStopCycle[]; bare: StartStopCycle[] }> {
  const lib: StartStopCycle[] = [];
  const bare: StartStopCycle[] = [];
  for (let i = 0; i <= runs; i += 1) {
    const b = await bareCycle(count);
    const l = await supervised();
    if (i === 0) continue;
    bare.push(b);
    lib.push(l);
  }
  return { lib, bare };
}
