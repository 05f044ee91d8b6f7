import type { StopReason } from '../events/supervision.events.js';

/** How a running child ended without being asked to. */
export type ChildExit =
  | { readonly kind: 'normal' }
  | { readonly kind: 'failed'; readonly error: unknown; readonly phase: 'run' | 'process' };

/** What a started child reports, if anything (a supervisor process: its pid). */
export interface StartInfo {
  readonly processPid?: number;
}

/**
 * A child as its supervisor drives it, whatever it is: an in-process worker, a supervisor in the
 * same process, or a supervisor in a forked process. The supervisor owns the policy; a child
 * only starts, stops, and reports its own end.
 */
export interface SupervisedChild {
  /**
   * Starts the child. Resolves once it runs; rejects if it could not start (its `init()` threw,
   * its process died or timed out before it was ready). After it resolved, `onExit` is called at
   * most once, when the child ends by itself; never after `stop()` was called.
   * A `stop()` during `start()` makes `start()` settle promptly.
   */
  start(attempt: number, onExit: (exit: ChildExit) => void): Promise<StartInfo | void>;
  /** Stops the child within its shutdownTimeoutMs. Never rejects; resolves `true` if it timed out. */
  stop(reason: StopReason): Promise<boolean>;
}

/** Runs `fn` after `delayMs`, on the next turn of the event loop for 0; returns a cancel function. */
export function schedule(delayMs: number, fn: () => void): () => void {
  if (delayMs <= 0) {
    const handle = setImmediate(fn);
    return () => clearImmediate(handle);
  }
  const handle = setTimeout(fn, delayMs);
  return () => clearTimeout(handle);
}

/**
 * How long zero-delay restarts may follow one another as microtasks before the event loop gets a
 * turn. A worker that ends at once under zero backoff would otherwise hold the loop (timers, I/O,
 * IPC, the other supervisors) for good, or pay a full turn of the loop on every restart.
 */
export const RESTART_BURST_MS = 1;
/** The most zero-delay restarts in one burst, whatever the clock says (a frozen fake clock, say). */
export const RESTART_BURST_MAX = 1_000;

/** Start of the current burst of zero-delay restarts; -1 when the loop has had its turn since. */
let burstStartedAt = -1;
let burstLength = 0;
const endBurst = () => {
  burstStartedAt = -1;
  burstLength = 0;
};

/**
 * Runs a zero-delay restart: at once (as a microtask) while the current burst is younger than
 * {@link RESTART_BURST_MS} and shorter than {@link RESTART_BURST_MAX}, otherwise on the next turn of
 * the event loop. Returns a cancel function.
 */
export function scheduleRestart(delayMs: number, fn: () => void): () => void {
  if (delayMs > 0) return schedule(delayMs, fn);
  const now = performance.now();
  if (burstStartedAt < 0) {
    burstStartedAt = now;
    // Runs as soon as the loop gets its turn, which ends the burst.
    setImmediate(endBurst);
  }
  burstLength += 1;
  if (now - burstStartedAt >= RESTART_BURST_MS || burstLength > RESTART_BURST_MAX) {
    return schedule(0, () => {
      endBurst();
      fn();
    });
  }
  let cancelled = false;
  queueMicrotask(() => {
    if (!cancelled) fn();
  });
  return () => {
    cancelled = true;
  };
}

/** Resolves `true` if `promise` did not settle within `timeoutMs`, leaving no timer behind. */
export async function settlesWithin(promise: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let cancel: () => void = () => undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    cancel = schedule(timeoutMs, () => resolve(true));
  });
  try {
    return await Promise.race([promise.then(() => false, () => false), timedOut]);
  } finally {
    cancel();
  }
}
