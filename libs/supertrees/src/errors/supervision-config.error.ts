import { MESSAGES } from '../shared/supervision.messages.js';

/**
 * A misconfigured tree. Thrown from `app.init()` before anything starts; `className` names the
 * class at fault where there is one.
 */
export class SupervisionConfigError extends Error {
  constructor(
    message: string,
    readonly className?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** An option is out of range, of the wrong type, not one of its allowed names, or not an option at all. */
export class InvalidOptionError extends SupervisionConfigError {
  constructor(owner: string, readonly option: string, problem: string) {
    super(MESSAGES.invalidOption(owner, option, problem), owner);
  }
}

/** A child class that no module provides. */
export class UnregisteredChildError extends SupervisionConfigError {
  constructor(supervisor: string, readonly child: string) {
    super(MESSAGES.unregisteredChild(supervisor, child), supervisor);
  }
}

/** Something in `children` that is not a supervised class. */
export class InvalidChildError extends SupervisionConfigError {}

/** A class listed as the child of two supervisors. */
export class DuplicateChildError extends SupervisionConfigError {
  constructor(child: string, first: string, second: string) {
    super(MESSAGES.duplicateChild(child, first, second), child);
  }
}

/** Two siblings with the same name, so the same path. */
export class DuplicatePathError extends SupervisionConfigError {
  constructor(readonly path: string, first: string, second: string) {
    super(MESSAGES.duplicatePath(path, first, second), second);
  }
}

/** Supervisors that are, through their children, their own ancestors. */
export class SupervisorCycleError extends SupervisionConfigError {
  constructor(readonly cycle: string[]) {
    super(MESSAGES.cycle(cycle), cycle[0]);
  }
}

/** A `@Worker()` class that cannot work: no `run()`, or also a `@Supervisor()`. */
export class InvalidWorkerError extends SupervisionConfigError {}

/** A request-scoped or transient worker or supervisor. */
export class InvalidScopeError extends SupervisionConfigError {
  constructor(className: string, readonly scope: string) {
    super(MESSAGES.scoped(className, scope), className);
  }
}

/** An `@OnSupervisionEvent()` handler that cannot be wired: unknown event type, unknown path, or a non-singleton provider. */
export class InvalidEventHandlerError extends SupervisionConfigError {}

/**
 * A `placement` that cannot work: without `forRoot({ cluster })`, below a node already placed, on a
 * pool or a dynamic worker, or on a node whose path cannot name a lease.
 */
export class InvalidPlacementError extends SupervisionConfigError {
  constructor(
    className: string,
    message: string,
    /** The placed ancestor, for a nested placement. */
    readonly ancestor?: string,
  ) {
    super(message, className);
  }
}
