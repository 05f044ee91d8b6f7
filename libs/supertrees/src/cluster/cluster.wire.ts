import { errorClassesOf, isWireError, LIBRARY_ERRORS, type ErrorClasses, type WireError } from '../errors/wire-error.js';
import { checkData } from '../shared/message.data.js';
import * as clusterErrors from './cluster.errors.js';
import { ClusterDataError } from './cluster.errors.js';
import { unitRef, type UnitRef } from './cluster.keys.js';
import { CLUSTER_DEFAULTS, MEMBER_ID_PATTERN, UNIT_NAME_PATTERN } from './cluster.options.js';

/**
 * The error classes a reply revives, from a supervisor process (IPC) or another replica (routed
 * calls): every class of errors/ and of cluster.errors.ts, read from the modules themselves.
 */
export const WIRE_ERRORS: ErrorClasses = { ...LIBRARY_ERRORS, ...errorClassesOf(clusterErrors) };

/**
 * The messages routed calls and casts travel as, on the members' inbox channels (JSON text).
 * A request names the caller (`from`, whose inbox takes the reply), the unit, and the time the
 * call may still take (`timeoutMs`, relative: replicas' wall clocks are not assumed to agree).
 * A reply answers one request id: a value, an error (as `errors/wire-error.ts` carries it), or
 * `not-owner` (the receiver does not hold the unit now; nothing was dispatched).
 * Everything read is checked here, before anything else sees it; nothing in it is executed.
 */
export const WIRE_VERSION = 1;

export interface RouteRequest {
  readonly v: typeof WIRE_VERSION;
  readonly t: 'req';
  readonly id: string;
  readonly from: string;
  readonly unit: string;
  readonly kind: 'call' | 'cast';
  readonly timeoutMs: number;
  readonly message: unknown;
}

export type RouteReply =
  | { readonly v: typeof WIRE_VERSION; readonly t: 'rep'; readonly id: string; readonly r: 'ok'; readonly value?: unknown }
  | { readonly v: typeof WIRE_VERSION; readonly t: 'rep'; readonly id: string; readonly r: 'error'; readonly error: WireError }
  | { readonly v: typeof WIRE_VERSION; readonly t: 'rep'; readonly id: string; readonly r: 'not-owner' };

export type RouteFrame = RouteRequest | RouteReply;

/** Request ids: `<router nonce>.<sequence>`; the nonce keeps a restarted member from taking an earlier run's reply. */
const ID_PATTERN = /^[A-Za-z0-9.]{1,64}$/;
const UNIT_ID_PATTERN = /^([A-Za-z0-9_.:/-]{1,200})(?:#(\d{1,4}))?$/;
/** Longer than any call may wait: a day. */
const MAX_TIMEOUT_MS = 86_400_000;
/** What a frame adds to its message or reply: ids, names, an error's message and fields. */
export const FRAME_OVERHEAD_BYTES = 16_384;

const bad = (detail: string): never => {
  throw new ClusterDataError('a routed message', detail);
};

/** The unit a request names, or undefined when the text is not a unit id. */
export function parseUnitId(id: string): UnitRef | undefined {
  const match = UNIT_ID_PATTERN.exec(id);
  if (!match || !UNIT_NAME_PATTERN.test(match[1]!)) return undefined;
  if (match[2] === undefined) return unitRef(match[1]!);
  const partition = Number(match[2]);
  return partition < CLUSTER_DEFAULTS.maxPartitions ? unitRef(match[1]!, partition) : undefined;
}

/**
 * Reads one frame from an inbox. `maxDataBytes` bounds the message or reply value as local calls
 * bound theirs (`checkData`); the text as a whole may be that plus {@link FRAME_OVERHEAD_BYTES}.
 * Throws `ClusterDataError` naming what is wrong.
 */
export function parseFrame(text: unknown, maxDataBytes: number): RouteFrame {
  if (typeof text !== 'string') return bad(`not text (${typeof text})`);
  if (text.length > maxDataBytes + FRAME_OVERHEAD_BYTES) return bad(`${text.length} characters, more than ${maxDataBytes + FRAME_OVERHEAD_BYTES}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return bad(`not JSON: ${preview(text)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad(`not an object: ${preview(text)}`);
  const frame = value as Record<string, unknown>;
  if (frame.v !== WIRE_VERSION) return bad(`version ${preview(String(frame.v))}, expected ${WIRE_VERSION}`);
  if (typeof frame.id !== 'string' || !ID_PATTERN.test(frame.id)) return bad(`id ${preview(String(frame.id))}`);
  const id = frame.id;
  if (frame.t === 'req') {
    if (typeof frame.from !== 'string' || !MEMBER_ID_PATTERN.test(frame.from)) return bad(`from ${preview(String(frame.from))}`);
    if (typeof frame.unit !== 'string' || !parseUnitId(frame.unit)) return bad(`unit ${preview(String(frame.unit))}`);
    if (frame.kind !== 'call' && frame.kind !== 'cast') return bad(`kind ${preview(String(frame.kind))}`);
    const timeoutMs = frame.timeoutMs;
    if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS) return bad(`timeoutMs ${preview(String(timeoutMs))}`);
    dataOrBad(frame.message, maxDataBytes, 'message');
    return { v: WIRE_VERSION, t: 'req', id, from: frame.from, unit: frame.unit, kind: frame.kind, timeoutMs, message: frame.message };
  }
  if (frame.t !== 'rep') return bad(`type ${preview(String(frame.t))}`);
  switch (frame.r) {
    case 'ok':
      if (frame.value !== undefined) dataOrBad(frame.value, maxDataBytes, 'reply');
      return frame.value === undefined ? { v: WIRE_VERSION, t: 'rep', id, r: 'ok' } : { v: WIRE_VERSION, t: 'rep', id, r: 'ok', value: frame.value };
    case 'error':
      if (!isWireError(frame.error)) return bad('error is not { name, message, data? }');
      dataOrBad(frame.error, FRAME_OVERHEAD_BYTES, 'error');
      return { v: WIRE_VERSION, t: 'rep', id, r: 'error', error: frame.error };
    case 'not-owner':
      return { v: WIRE_VERSION, t: 'rep', id, r: 'not-owner' };
    default:
      return bad(`reply kind ${preview(String(frame.r))}`);
  }
}

function dataOrBad(value: unknown, maxBytes: number, root: string): void {
  const problem = checkData(value, maxBytes, root);
  if (problem) bad(`${problem.field} ${problem.problem}`);
}

function preview(text: string): string {
  return text.length > 60 ? `${JSON.stringify(text.slice(0, 57))}...` : JSON.stringify(text);
}
