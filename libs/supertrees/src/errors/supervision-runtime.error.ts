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
