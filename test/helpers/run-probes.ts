// What the long runs (chaos, soak) measure about their own main process: heap after GC, process
// listeners, active handles and timers, warnings and unhandled rejections; and how they wait.
import type { Observable } from 'rxjs';
import type { NodeSnapshot } from '../../libs/supertrees/src/index.js';
import { until } from './poll.js';

/** The process events the library listens to; their listener counts must come back to where they were. */
export const WATCHED_PROCESS_EVENTS = ['exit', 'SIGINT', 'SIGTERM', 'message', 'disconnect'] as const;

export type Counts = Record<string, number>;

export function listenerCounts(): Counts {
  return Object.fromEntries(WATCHED_PROCESS_EVENTS.map((name) => [name, process.listenerCount(name)]));
}

/** Requests in flight (a file read, a write, a close): transient by nature, not what leaks. */
const REQUEST = /Req|WriteWrap|ShutdownWrap/;

/** Active handles and timers by type (Timeout, Immediate, ProcessWrap, PipeWrap, ...); requests left out. */
export function resourceCounts(): Counts {
  // Node opens stdout and stderr on first use: open them now, so the first count already has them.
  void process.stdout.writable;
  void process.stderr.writable;
  const counts: Counts = {};
  for (const name of process.getActiveResourcesInfo()) {
    if (!REQUEST.test(name)) counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

/** The keys whose counts differ, with both values. */
export function countDiff(before: Counts, after: Counts): Record<string, { before: number; after: number }> {
  const diff: Record<string, { before: number; after: number }> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const b = before[key] ?? 0;
    const a = after[key] ?? 0;
    if (a !== b) diff[key] = { before: b, after: a };
  }
  return diff;
}

/**
 * The handles that differ from `before`, once they stop differing or after `timeoutMs`: a handle
 * closed at the very end of an app's close() may take a turn or two to leave the list.
 */
export async function resourcesSettled(before: Counts, timeoutMs = 5_000): Promise<Record<string, { before: number; after: number }>> {
  await until(() => Object.keys(countDiff(before, resourceCounts())).length === 0, timeoutMs);
  return countDiff(before, resourceCounts());
}

/** `heapUsed` after full garbage collections, or undefined when the process runs without --expose-gc. */
export async function heapAfterGc(): Promise<number | undefined> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  for (let i = 0; i < 4; i += 1) {
    // Let finalizers and pending callbacks run between collections.
    await new Promise<void>((resolve) => setImmediate(resolve));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/** Records process warnings (MaxListenersExceededWarning among them) and unhandled rejections. */
export class ProblemRecorder {
  readonly warnings: string[] = [];
  readonly rejections: string[] = [];
  private readonly onWarning = (warning: Error) => this.warnings.push(`${warning.name}: ${warning.message}`);
  private readonly onRejection = (reason: unknown) =>
    this.rejections.push(reason instanceof Error ? (reason.stack ?? reason.message) : String(reason));

  install(): this {
    process.on('warning', this.onWarning);
    process.on('unhandledRejection', this.onRejection);
    return this;
  }

  remove(): void {
    process.off('warning', this.onWarning);
    process.off('unhandledRejection', this.onRejection);
  }
}

/**
 * Resolves with the first snapshot that satisfies `predicate` (checked now and after every change),
 * or with undefined after `timeoutMs`.
 */
export function snapshotWhere(
  snapshot$: Observable<NodeSnapshot>,
  predicate: (root: NodeSnapshot) => boolean,
  timeoutMs: number,
): Promise<NodeSnapshot | undefined> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (value: NodeSnapshot | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      queueMicrotask(() => subscription.unsubscribe());
      resolve(value);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    const subscription = snapshot$.subscribe({
      next: (root) => {
        if (predicate(root)) finish(root);
      },
      complete: () => finish(undefined),
    });
  });
}

/** Writes one `TAG {json}` line to stdout and resolves once it is out (before a process.exit). */
export function writeResult(tag: string, value: unknown): Promise<void> {
  return new Promise((resolve) => process.stdout.write(`${tag} ${JSON.stringify(value)}\n`, () => resolve()));
}

export const MiB = 1024 * 1024;
