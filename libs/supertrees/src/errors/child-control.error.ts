import { MESSAGES } from '../shared/supervision.messages.js';

/**
 * What the per-child commands reject with. Each class carries its own fields; its `name` is its
 * class name, which is also what revives it on the other side of a process boundary.
 */
abstract class ChildControlError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** `startChild()` on a supervisor that is not dynamic (`@Supervisor({ dynamic: true })`). */
export class NotDynamicError extends ChildControlError {
  constructor(readonly path: string) {
    super(MESSAGES.notDynamic(path));
  }
}

/** `startChild()` with an id another child of that supervisor has. */
export class ChildIdTakenError extends ChildControlError {
  constructor(
    readonly path: string,
    readonly id: string,
  ) {
    super(MESSAGES.childIdTaken(path, id));
  }
}

/** `startChild()` on a dynamic supervisor that already runs `maxChildren` children. */
export class MaxChildrenError extends ChildControlError {
  constructor(
    readonly path: string,
    readonly maxChildren: number,
  ) {
    super(MESSAGES.maxChildren(path, maxChildren));
  }
}

/** `startChild()` with a class that is not a `@Worker()` provider of any module of the app. */
export class NotAWorkerError extends ChildControlError {
  constructor(readonly className: string) {
    super(MESSAGES.notAWorker(className));
  }
}

/** A `startChild()` spec that is not valid: a bad id or option, or args that cannot cross a process boundary (`field` names which). */
export class InvalidChildSpecError extends ChildControlError {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(MESSAGES.invalidChildSpec(field, problem));
  }
}

/** The new child's `init()` failed: it was not added. `cause` is that error. */
export class ChildStartError extends ChildControlError {
  constructor(
    readonly path: string,
    options: { cause: unknown },
  ) {
    super(MESSAGES.childStartFailed(path, options.cause), options);
  }
}

/**
 * A per-child command that needs the child in another state: `restartChild()` of a child that is
 * not terminated, `deleteChild()` of a static child that is not terminated (OTP's `running` error).
 */
export class ChildStateError extends ChildControlError {
  constructor(
    readonly path: string,
    readonly operation: string,
    readonly state: string,
  ) {
    super(MESSAGES.childState(path, operation, state));
  }
}

/** `scale()` on a path that is not a pool (`@Worker({ instances })`). */
export class NotAPoolError extends ChildControlError {
  constructor(readonly path: string) {
    super(MESSAGES.notAPool(path));
  }
}

/** A supervisor command (`whichChildren`, `startChild`, ...) given the path of a worker. */
export class NotASupervisorError extends ChildControlError {
  constructor(readonly path: string) {
    super(MESSAGES.notASupervisor(path));
  }
}
