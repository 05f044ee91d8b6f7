import {
  CallRejectedError,
  CallTimeoutError,
  InvalidMessageError,
  MailboxFullError,
  NotCallableError,
  WorkerCrashedError,
  WorkerRestartingError,
  WorkerStoppedError,
} from './call.errors.js';
import {
  ChildIdTakenError,
  ChildStartError,
  ChildStateError,
  InvalidChildSpecError,
  MaxChildrenError,
  NotAPoolError,
  NotASupervisorError,
  NotAWorkerError,
  NotDynamicError,
} from './child-control.error.js';
import { InvalidOptionError, SupervisionConfigError } from './supervision-config.error.js';
import { NodeUnavailableError, RequestTimeoutError, UnknownOperationError } from './supervision-request.error.js';
import { SupervisorGaveUpError, SupervisorNotBootstrappedError, SupervisorProcessError, UnknownNodeError } from './supervision-runtime.error.js';

/** An error as a reply carries it across a process boundary: its class name, message and own data fields. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  /** The error's own enumerable fields that are plain data (for example `path`, `id`); `cause` nested as a WireError. */
  readonly data?: Readonly<Record<string, unknown>>;
}

/**
 * The error classes a reply may revive by name, so that `instanceof` holds on the caller's side
 * whichever process threw. A feature that sends its own typed errors across lists them here.
 */
const REVIVABLE: Readonly<Record<string, { prototype: Error }>> = {
  NodeUnavailableError,
  RequestTimeoutError,
  UnknownOperationError,
  UnknownNodeError,
  SupervisorGaveUpError,
  SupervisorProcessError,
  SupervisorNotBootstrappedError,
  SupervisionConfigError,
  InvalidOptionError,
  NotCallableError,
  MailboxFullError,
  CallTimeoutError,
  WorkerRestartingError,
  WorkerCrashedError,
  WorkerStoppedError,
  InvalidMessageError,
  CallRejectedError,
  NotDynamicError,
  ChildIdTakenError,
  MaxChildrenError,
  NotAWorkerError,
  InvalidChildSpecError,
  ChildStartError,
  ChildStateError,
  NotAPoolError,
  NotASupervisorError,
};

const MAX_DEPTH = 4;

/** `error` as data: name, message and the fields that survive JSON (functions, symbols and cycles are left out). */
export function encodeError(error: unknown, depth = 0): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key === 'name' || key === 'message' || key === 'stack') continue;
    if (isPlainData(value, 0)) data[key] = value;
  }
  if (error.cause !== undefined && depth < MAX_DEPTH) data.cause = encodeError(error.cause, depth + 1);
  return Object.keys(data).length > 0 ? { name: error.name, message: error.message, data } : { name: error.name, message: error.message };
}

/** Rebuilds an error from a reply: an instance of its class when the name is a library error, else an Error with that name. */
export function decodeError(wire: WireError, depth = 0): Error {
  const revived = REVIVABLE[wire.name];
  const error: Error = revived ? (Object.create(revived.prototype) as Error) : new Error();
  const { cause, ...fields } = wire.data ?? {};
  Object.assign(error, fields);
  Object.defineProperty(error, 'message', { value: wire.message, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(error, 'name', { value: wire.name, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(error, 'stack', { value: `${wire.name}: ${wire.message}`, writable: true, configurable: true, enumerable: false });
  if (isWireError(cause) && depth < MAX_DEPTH) {
    Object.defineProperty(error, 'cause', { value: decodeError(cause, depth + 1), writable: true, configurable: true, enumerable: false });
  }
  return error;
}

export function isWireError(value: unknown): value is WireError {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.name === 'string' &&
    typeof v.message === 'string' &&
    (v.data === undefined || (typeof v.data === 'object' && v.data !== null && !Array.isArray(v.data)))
  );
}

function isPlainData(value: unknown, depth: number): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      if (depth > 8) return false;
      if (Array.isArray(value)) return value.every((v) => isPlainData(v, depth + 1));
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      return Object.values(value as object).every((v) => isPlainData(v, depth + 1));
    default:
      return false;
  }
}
