import { MESSAGES } from '../shared/supervision.messages.js';

/**
 * Why a call or cast to a worker did not get a reply. Every subclass names the worker's path; its
 * `name` is also what crosses a process boundary, so a caller in another process gets the same class.
 */
export abstract class CallError extends Error {
  constructor(
    message: string,
    /** The path of the worker called. */
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The node is a supervisor, or a worker whose class has no `handle()`. */
export class NotCallableError extends CallError {
  constructor(path: string, readonly why: 'supervisor' | 'no-handle') {
    super(MESSAGES.notCallable(path, why), path);
    this.name = 'NotCallableError';
  }
}

/** The worker's mailbox holds `capacity` calls already: rejected at once, never queued. */
export class MailboxFullError extends CallError {
  constructor(path: string, readonly capacity: number) {
    super(MESSAGES.mailboxFull(path, capacity), path);
    this.name = 'MailboxFullError';
  }
}

/** No reply within `timeoutMs`: the call waited in the mailbox, or `handle()` ran, that long. */
export class CallTimeoutError extends CallError {
  constructor(
    path: string,
    readonly timeoutMs: number,
    /** Where the call was when time ran out; `restarting` is a {@link WorkerRestartingError}. */
    readonly state: 'queued' | 'handling' | 'restarting',
    message = MESSAGES.callTimeout(path, timeoutMs, state === 'restarting' ? 'queued' : state),
  ) {
    super(message, path);
    this.name = 'CallTimeoutError';
  }
}

/** The worker was down (restarting after a failure, or being restarted with a sibling) for the whole `timeoutMs`. */
export class WorkerRestartingError extends CallTimeoutError {
  constructor(path: string, timeoutMs: number) {
    super(path, timeoutMs, 'restarting', MESSAGES.workerRestarting(path, timeoutMs));
    this.name = 'WorkerRestartingError';
  }
}

/**
 * The worker's `run()` ended (failed, or returned) while the call waited in its mailbox or was
 * being handled. `cause` is the run's error when it failed. The call may or may not have had an effect.
 */
export class WorkerCrashedError extends CallError {
  constructor(path: string, readonly ended: 'failed' | 'exited', options?: { cause?: unknown }) {
    super(MESSAGES.workerCrashed(path, ended), path, options);
    this.name = 'WorkerCrashedError';
  }
}

/** The worker is stopped (shut down, terminated, given up on) or was stopped while the call waited. */
export class WorkerStoppedError extends CallError {
  constructor(path: string) {
    super(MESSAGES.workerStopped(path), path);
    this.name = 'WorkerStoppedError';
  }
}

/** The message (or the reply) is not data, or is too large: `field` says where, e.g. `message.items[2]`. */
export class InvalidMessageError extends CallError {
  constructor(path: string, readonly field: string, readonly problem: string) {
    super(MESSAGES.invalidMessage(path, field, problem), path);
    this.name = 'InvalidMessageError';
  }
}

/**
 * The worker's `handle()` threw or rejected: that is its answer, and the worker keeps running.
 * `cause` is the thrown error (across processes, a plain `{ name, message, stack }`).
 */
export class CallRejectedError extends CallError {
  constructor(path: string, cause: unknown) {
    super(MESSAGES.callRejected(path, cause instanceof Error ? cause.message : String(cause)), path, { cause });
    this.name = 'CallRejectedError';
  }
}
