import { MESSAGES } from '../shared/supervision.messages.js';

/** A supervisor exceeded its restart intensity: the reason it fails towards its parent. */
export class SupervisorGaveUpError extends Error {
  constructor(
    readonly path: string,
    readonly maxRestarts: number,
    readonly withinMs: number,
    /** The child whose end was one restart too many. */
    readonly lastChild: string,
    /** `cause`: that child's error, when it failed (rather than ended normally). */
    options?: { cause?: unknown },
  ) {
    super(MESSAGES.gaveUp(path, maxRestarts, withinMs), options);
    this.name = 'SupervisorGaveUpError';
  }
}

/** A supervisor process ended without being asked to, was found hung, or did not start in time. */
export class SupervisorProcessError extends Error {
  constructor(
    message: string,
    readonly path: string,
    readonly details: { pid?: number; code?: number | null; signal?: string | null } = {},
  ) {
    super(message);
    this.name = 'SupervisorProcessError';
  }
}

/**
 * A process forked as a supervisor process whose script did not call `bootstrapSupervised()` (it
 * booted the app itself, as the main.ts of `nest new` does): it exits with `EXIT_NOT_BOOTSTRAPPED`
 * before it starts anything, and so would every restart. A configuration error: its supervisor
 * gives up on it at once (`gave-up`, reason `config`) instead of restarting it.
 */
export class SupervisorNotBootstrappedError extends SupervisorProcessError {
  constructor(
    path: string,
    /** The script the process ran. */
    readonly entry: string,
    details: { pid?: number; code?: number | null; signal?: string | null } = {},
  ) {
    super(MESSAGES.unsupervisedBoot(path, entry), path, details);
    this.name = 'SupervisorNotBootstrappedError';
  }
}

/** A worker's `init()` did not settle within its `initTimeoutMs`: a failure of that start. */
export class WorkerInitTimeoutError extends Error {
  constructor(
    readonly path: string,
    readonly timeoutMs: number,
  ) {
    super(MESSAGES.initTimeout(path, timeoutMs));
    this.name = 'WorkerInitTimeoutError';
  }
}

/** A supervisor process passed `process.maxMemoryMiB`: stopped and counted as failed, so that its policy restarts it. */
export class SupervisorMemoryLimitError extends SupervisorProcessError {
  constructor(
    path: string,
    pid: number,
    readonly rssBytes: number,
    readonly limitMiB: number,
  ) {
    super(MESSAGES.memoryLimit(path, pid, rssBytes, limitMiB), path, { pid });
    this.name = 'SupervisorMemoryLimitError';
  }
}

/** A class or path that names no node of the tree. */
export class UnknownNodeError extends Error {
  constructor(readonly node: string) {
    super(MESSAGES.unknownNode(node));
    this.name = 'UnknownNodeError';
  }
}
