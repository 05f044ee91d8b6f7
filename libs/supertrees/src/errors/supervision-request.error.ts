import { MESSAGES } from '../shared/supervision.messages.js';

/** A request to a node (a command or a call) got no reply within its timeout. */
export class RequestTimeoutError extends Error {
  constructor(
    readonly op: string,
    readonly path: string,
    readonly timeoutMs: number,
  ) {
    super(MESSAGES.requestTimeout(op, path, timeoutMs));
    this.name = 'RequestTimeoutError';
  }
}

/**
 * A request could not reach its node, or lost it before the reply: the supervisor process that
 * hosts it exited, is restarting, or was stopped, or the tree is not running.
 */
export class NodeUnavailableError extends Error {
  constructor(
    readonly op: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(MESSAGES.nodeUnavailable(op, path, reason));
    this.name = 'NodeUnavailableError';
  }
}

/** A request named an operation no feature registered (the two sides run different code). */
export class UnknownOperationError extends Error {
  constructor(
    readonly op: string,
    readonly path: string,
  ) {
    super(MESSAGES.unknownOperation(op, path));
    this.name = 'UnknownOperationError';
  }
}
