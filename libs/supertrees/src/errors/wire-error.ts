import * as callErrors from './call.errors.js';
import * as childControlErrors from './child-control.error.js';
import * as configErrors from './supervision-config.error.js';
import * as requestErrors from './supervision-request.error.js';
import * as runtimeErrors from './supervision-runtime.error.js';

/** An error as a reply carries it across a process boundary: its class name, message and own data fields. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  /** The error's own enumerable fields that are plain data (for example `path`, `id`); `cause` nested as a WireError. */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** Error classes by name: those a reply may revive, so that `instanceof` holds on the caller's side whichever process threw. */
export type ErrorClasses = Readonly<Record<string, { prototype: Error }>>;

/** The Error classes among what `modules` export, by export name (which each class also sets as its errors' `name`). */
export function errorClassesOf(...modules: readonly object[]): ErrorClasses {
  const classes: Record<string, { prototype: Error }> = {};
  for (const module of modules) {
    for (const [name, value] of Object.entries(module)) {
      if (typeof value === 'function' && (value as { prototype: unknown }).prototype instanceof Error) classes[name] = value as { prototype: Error };
    }
  }
  return classes;
}

/**
 * Every error class of errors/, taken from the modules themselves: a class added there is revivable
 * with no list to update. The cluster adds its own to these (`WIRE_ERRORS` in cluster/cluster.wire.ts),
 * which is the table both decoders use.
 */
export const LIBRARY_ERRORS: ErrorClasses = errorClassesOf(callErrors, childControlErrors, configErrors, requestErrors, runtimeErrors);

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

/** Rebuilds an error from a reply: an instance of its class when `revivable` names it, else an Error with that name. */
export function decodeError(wire: WireError, revivable: ErrorClasses, depth = 0): Error {
  const revived = Object.hasOwn(revivable, wire.name) ? revivable[wire.name] : undefined;
  const error: Error = revived ? (Object.create(revived.prototype) as Error) : new Error();
  const { cause, ...fields } = wire.data ?? {};
  Object.assign(error, fields);
  Object.defineProperty(error, 'message', { value: wire.message, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(error, 'name', { value: wire.name, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(error, 'stack', { value: `${wire.name}: ${wire.message}`, writable: true, configurable: true, enumerable: false });
  if (isWireError(cause) && depth < MAX_DEPTH) {
    Object.defineProperty(error, 'cause', { value: decodeError(cause, revivable, depth + 1), writable: true, configurable: true, enumerable: false });
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
