/**
 * Time for the runtime and the process adapters: one monotonic clock, cancellable timers, and the
 * zero-delay restart bursts. Nothing here is module-global state: the burst state lives in a
 * {@link RestartScheduler}, one per {@link TreeHost}, so two trees in one process do not share it.
 */

/** A monotonic clock in milliseconds. */
export interface Clock {
  now(): number;
}

/**
 * The process's monotonic clock. It looks `performance` up on each call, so fake timers installed
 * after this module loaded (Jest's replace the global) are seen, as they were before clocks were injected.
 */
export const systemClock: Clock = { now: () => performance.now() };

/** Runs `fn` after `delayMs`, on the next turn of the event loop for 0; returns a cancel function. */
export function schedule(delayMs: number, fn: () => void): () => void {
  if (delayMs <= 0) {
    const handle = setImmediate(fn);
    return () => clearImmediate(handle);
  }
  const handle = setTimeout(fn, delayMs);
  return () => clearTimeout(handle);
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

/**
 * How long zero-delay restarts may follow one another as microtasks before the event loop gets a
 * turn. A worker that ends at once under zero backoff would otherwise hold the loop (timers, I/O,
 * IPC, the other supervisors) for good, or pay a full turn of the loop on every restart.
 */
export const RESTART_BURST_MS = 1;
/** The most zero-delay restarts in one burst, whatever the clock says (a frozen fake clock, say). */
export const RESTART_BURST_MAX = 1_000;

/**
 * Schedules the restarts of the supervisors of one host. Zero-delay restarts run as microtasks in
 * bursts of at most {@link RESTART_BURST_MS} and {@link RESTART_BURST_MAX} restarts; then the event
 * loop gets its turn. The burst belongs to this scheduler: another tree's crash loop in the same
 * process neither shortens nor lengthens it.
 */
export class RestartScheduler {
  /** Start of the current burst of zero-delay restarts; -1 when the loop has had its turn since. */
  private burstStartedAt = -1;
  private burstLength = 0;
  private readonly endBurst = () => {
    this.burstStartedAt = -1;
    this.burstLength = 0;
  };

  constructor(private readonly clock: Clock = systemClock) {}

  /** Runs `fn` after `delayMs`; a zero delay runs at once in the current burst, if it has room. Returns a cancel function. */
  schedule(delayMs: number, fn: () => void): () => void {
    if (delayMs > 0) return schedule(delayMs, fn);
    const now = this.clock.now();
    if (this.burstStartedAt < 0) {
      this.burstStartedAt = now;
      // Runs as soon as the loop gets its turn, which ends the burst.
      setImmediate(this.endBurst);
    }
    this.burstLength += 1;
    if (now - this.burstStartedAt >= RESTART_BURST_MS || this.burstLength > RESTART_BURST_MAX) {
      return schedule(0, () => {
        this.endBurst();
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
}
