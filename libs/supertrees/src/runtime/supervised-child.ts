import type { StopReason } from '../events/supervision.events.js';

/** How a running child ended without being asked to. */
export type ChildExit =
  | { readonly kind: 'normal' }
  | { readonly kind: 'failed'; readonly error: unknown; readonly phase: 'run' | 'process' }
  /** Cluster mode: a placed supervisor's process stopped its subtree at its lease's deadline. Not a failure. */
  | { readonly kind: 'lease-lost' };

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
