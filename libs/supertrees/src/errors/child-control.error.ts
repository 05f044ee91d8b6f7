import { MESSAGES } from '../shared/supervision.messages.js';

/** `startChild()` on a supervisor that is not dynamic (`@Supervisor({ dynamic: true })`). */
export class NotDynamicError extends Error {
  constructor(readonly path: string) {
    super(MESSAGES.notDynamic(path));
    this.name = 'NotDynamicError';
  }
}

/** `startChild()` with an id another child of that supervisor has. */
export class ChildIdTakenError extends Error {
  constructor(
    readonly path: string,
    readonly id: string,
  ) {
    super(MESSAGES.childIdTaken(path, id));
    this.name = 'ChildIdTakenError';
  }
}

/** `startChild()` on a dynamic supervisor that already runs `maxChildren` children. */
export class MaxChildrenError extends Error {
  constructor(
    readonly path: string,
    readonly maxChildren: number,
  ) {
    super(MESSAGES.maxChildren(path, maxChildren));
    this.name = 'MaxChildrenError';
  }
}

/** `startChild()` with a class that is not a `@Worker()` provider of any module of the app. */
export class NotAWorkerError extends Error {
  constructor(readonly className: string) {
    super(MESSAGES.notAWorker(className));
    this.name = 'NotAWorkerError';
  }
}

/** A `startChild()` spec that is not valid: a bad id or option, or args that cannot cross a process boundary (`field` names which). */
export class InvalidChildSpecError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(MESSAGES.invalidChildSpec(field, problem));
    this.name = 'InvalidChildSpecError';
  }
}

/** The new child's `init()` failed: it was not added. `cause` is that error. */
export class ChildStartError extends Error {
  constructor(
    readonly path: string,
    options: { cause: unknown },
  ) {
    super(MESSAGES.childStartFailed(path, options.cause), options);
    this.name = 'ChildStartError';
  }
}

/**
 * A per-child command that needs the child in another state: `restartChild()` of a child that is
 * not terminated, `deleteChild()` of a static child that is not terminated (OTP's `running` error).
 */
export class ChildStateError extends Error {
  constructor(
    readonly path: string,
    readonly operation: string,
    readonly state: string,
  ) {
    super(MESSAGES.childState(path, operation, state));
    this.name = 'ChildStateError';
  }
}

/** `scale()` on a path that is not a pool (`@Worker({ instances })`). */
export class NotAPoolError extends Error {
  constructor(readonly path: string) {
    super(MESSAGES.notAPool(path));
    this.name = 'NotAPoolError';
  }
}

/** A supervisor command (`whichChildren`, `startChild`, ...) given the path of a worker. */
export class NotASupervisorError extends Error {
  constructor(readonly path: string) {
    super(MESSAGES.notASupervisor(path));
    this.name = 'NotASupervisorError';
  }
}
