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
 * Why a node could not be reached, for code to act on (`reason` says it for people):
 * - `starting`: its supervisor process has not finished starting; it will answer soon.
 * - `restarting`: its supervisor (process) is not running now, between two runs or before its
 *   first, or is being stopped to be started again by its supervisor's strategy.
 * - `stopping`: its supervisor (process) is stopping; whether it comes back is its parent's call.
 * - `stopped`: stopped for good (the tree is not running, or its supervisor process was stopped).
 * - `exited`: its supervisor process exited before it replied (it crashed, or was killed).
 */
export type NodeUnavailableCode = 'starting' | 'restarting' | 'stopping' | 'stopped' | 'exited';

/**
 * A request could not reach its node, or lost it before the reply: the supervisor process that
 * hosts it exited, is restarting, or was stopped, or the tree is not running (`code` says which).
 */
export class NodeUnavailableError extends Error {
  constructor(
    readonly op: string,
    readonly path: string,
    readonly code: NodeUnavailableCode,
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
