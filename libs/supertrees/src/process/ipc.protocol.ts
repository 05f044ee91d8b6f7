import {
  EVENT_TYPES,
  type ChildRemovedReason,
  type ErrorInfo,
  type StopReason,
  type SupervisionEventType,
} from '../events/supervision.events.js';
import type { NodeSnapshot } from '../events/snapshot.js';
import type { WireEvent } from './event.wire.js';
import type { SupervisorProcessReport } from './process.vitals.js';
import { isWireError, type WireError } from '../errors/wire-error.js';
import type { DynamicChildData } from '../tree/dynamic-child.js';
import type { UnitGrant } from '../runtime/unit.leases.js';

/**
 * Bumped on any change a peer of another version could misread. 2: `events` batches in the compact
 * wire format (positional arrays and a per-channel table of paths, see `event.wire.ts`), and
 * `request` down and `reply` up. 3: cluster mode: `start` carries the leases the subtree runs under
 * (`leases`), new stop reasons (`lease-lost`, `handoff`), the placement request operations.
 */
export const PROTOCOL_VERSION = 3;

/** The longest operation name a request may carry. */
export const MAX_OP_LENGTH = 64;

/**
 * A request to the node at `path` (a command such as `startChild`, or a call), to be handled in the
 * process that hosts that node: forwarded hop by hop down to it. `id` correlates the reply.
 */
export interface RequestMessage {
  readonly t: 'request';
  readonly id: number;
  readonly op: string;
  readonly path: string;
  /** What the handler of `op` gets; any JSON value, absent for undefined. */
  readonly payload?: unknown;
  /** How long the sender waits: a hop that forwards the request waits no longer. */
  readonly timeoutMs: number;
}

/** The answer to the request `id`: the handler's value, or the error it threw as data. */
export type ReplyMessage =
  | { readonly t: 'reply'; readonly id: number; readonly ok: true; readonly value?: unknown }
  | { readonly t: 'reply'; readonly id: number; readonly ok: false; readonly error: WireError };

/** Down, from the parent to a supervisor process it forked. */
export type DownMessage =
  /** The handshake's answer: which supervisor this process becomes, and how to behave. */
  | {
      readonly t: 'start';
      readonly v: number;
      readonly path: string;
      readonly attempt: number;
      readonly heartbeatIntervalMs: number;
      readonly maxBufferedEvents: number;
      /** A dynamic supervisor's children to start again, as its parent kept them (absent: none). */
      readonly children?: readonly DynamicChildData[];
      /** Cluster mode: the leases this subtree runs under (its own, a placed ancestor's, its placed nodes'), as time left. */
      readonly leases?: readonly UnitGrant[];
    }
  /** Stop the subtree gracefully and exit. */
  | { readonly t: 'stop'; readonly reason: StopReason }
  | RequestMessage;

/** Up, from a supervisor process to its parent. */
export type UpMessage =
  /** First message: the child's code is loaded and it waits for `start`. */
  | { readonly t: 'hello'; readonly v: number; readonly pid: number }
  /** Every child of its subtree has started. */
  | { readonly t: 'started'; readonly pid: number }
  /**
   * A batch of events, of this process and of its descendants, in order per process, in the wire
   * format of `event.wire.ts`: `paths` are added to the channel's table at index `first`, then the
   * `events` refer to the table by index.
   */
  | { readonly t: 'events'; readonly first: number; readonly paths: readonly string[]; readonly events: readonly WireEvent[] }
  /** Alive. */
  /**
   * Alive. It carries `processes` (additive: optional; added in version 1): this
   * process's own measurement first, then the reports of the supervisor processes below it.
   */
  | { readonly t: 'heartbeat'; readonly processes?: readonly SupervisorProcessReport[] }
  /** The subtree's state, sent after events were dropped so the parent's view catches up. */
  | { readonly t: 'snapshot'; readonly root: NodeSnapshot }
  /** The supervisor gave up (restart intensity); the process exits with EXIT_ESCALATED next. */
  | { readonly t: 'escalate'; readonly error: ErrorInfo }
  /** The process could not become its supervisor (for example Nest failed to boot); it exits next. */
  | { readonly t: 'fatal'; readonly error: ErrorInfo }
  | ReplyMessage;

export type Parsed<T> = { ok: true; message: T } | { ok: false; problem: string };

/** Every stop reason, derived from the type: a reason added there fails to compile here until listed. */
const STOP_REASONS: readonly string[] = Object.keys({
  shutdown: true,
  strategy: true,
  'supervisor-gave-up': true,
  orphaned: true,
  terminated: true,
  'lease-lost': true,
  handoff: true,
} satisfies Record<StopReason, true>);
const REMOVED_REASONS: readonly string[] = Object.keys({
  deleted: true,
  'scaled-down': true,
  'start-failed': true,
  ended: true,
} satisfies Record<ChildRemovedReason, true>);
const EVENT_TYPE_SET = new Set<string>(EVENT_TYPES);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isRequestId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;

const isOptionalIndex = (v: unknown) => v === undefined || (Number.isInteger(v) && (v as number) >= 0);

function isErrorInfo(value: unknown): value is ErrorInfo {
  return isObject(value) && isString(value.name) && isString(value.message) && (value.stack === undefined || isString(value.stack));
}

/** Fields each event type must carry beyond the common ones, with their checks. */
const EVENT_FIELDS: Record<string, Record<string, (v: unknown) => boolean>> = {
  starting: { attempt: isNumber },
  started: { attempt: isNumber, processPid: (v) => v === undefined || isNumber(v) },
  restarted: { attempt: isNumber, downtimeMs: isNumber },
  exited: { attempt: isNumber, ranForMs: isNumber },
  failed: { attempt: isNumber, error: isErrorInfo, ranForMs: isNumber, phase: (v) => v === 'init' || v === 'run' || v === 'process' },
  'restart-scheduled': { attempt: isNumber, delayMs: isNumber, cause: isString },
  'gave-up': { reason: (v) => v === 'policy' || v === 'intensity' || v === 'config', restarts: isNumber },
  stopping: { reason: (v) => STOP_REASONS.includes(v as string) },
  stopped: { reason: (v) => STOP_REASONS.includes(v as string), timedOut: (v) => typeof v === 'boolean' },
  escalated: { error: isErrorInfo },
  'tree-failed': { error: isErrorInfo },
  'events-dropped': { count: isNumber, originPid: isNumber },
  'protocol-error': { fromPid: isNumber, detail: isString, count: isNumber },
  'child-added': { id: (v) => v === undefined || isString(v), instance: (v) => v === undefined || isNumber(v) },
  'child-removed': { reason: (v) => REMOVED_REASONS.includes(v as string) },
  'lease-acquired': { member: isString, token: isNumber, partition: isOptionalIndex },
  'lease-lost': { member: isString, token: isNumber, partition: isOptionalIndex, cause: (v) => v === 'expired' || v === 'taken' },
  'lease-released': { member: isString, token: isNumber, partition: isOptionalIndex, reason: (v) => v === 'handoff' || v === 'shutdown' || v === 'start-failed' },
  'member-joined': { member: isString },
  'member-left': { member: isString },
} satisfies Record<SupervisionEventType, Record<string, (v: unknown) => boolean>>;
/** The same checks as lists, made once: this runs for every event that crosses a process boundary. */
const FIELD_CHECKS = new Map(Object.entries(EVENT_FIELDS).map(([type, checks]) => [type, Object.entries(checks)]));

/**
 * Checks an event a child forwards. `subtree` is the path of the supervisor that process runs: a
 * process may only speak for its own subtree.
 */
export function checkEvent(value: unknown, subtree: string): string | undefined {
  if (!isObject(value)) return 'an event is not an object';
  if (!isString(value.type) || !EVENT_TYPE_SET.has(value.type)) return `unknown event type ${JSON.stringify(value.type)}`;
  if (!isString(value.path) || (value.path !== subtree && !value.path.startsWith(`${subtree}/`))) {
    return `event path ${JSON.stringify(value.path)} is outside the subtree ${subtree}`;
  }
  if (value.kind !== 'worker' && value.kind !== 'supervisor') return 'event kind must be worker or supervisor';
  return checkEventFields(value as { type: SupervisionEventType });
}

/**
 * Checks the stamps and the type's own fields of an event whose type, path and kind are already
 * known to be good (the wire decoder checks those against its table of paths).
 */
export function checkEventFields(event: { readonly type: SupervisionEventType }): string | undefined {
  const value = event as unknown as Record<string, unknown>;
  if (!isNumber(value.pid) || !isNumber(value.processSeq) || !isNumber(value.timestamp)) {
    return 'event lacks a numeric pid, processSeq or timestamp';
  }
  for (const [field, check] of FIELD_CHECKS.get(event.type)!) {
    if (!check(value[field])) return `${event.type} event has an invalid "${field}"`;
  }
  return undefined;
}

function isChildData(value: unknown): value is DynamicChildData {
  return isObject(value) && isString(value.worker) && isString(value.id) && value.id.length > 0;
}

function isGrant(value: unknown): value is UnitGrant {
  return (
    isObject(value) &&
    isString(value.unit) &&
    Number.isSafeInteger(value.fencingToken) &&
    (value.partition === undefined || Number.isInteger(value.partition)) &&
    isNumber(value.remainingMs)
  );
}

function isNodeSnapshot(value: unknown): value is NodeSnapshot {
  return (
    isObject(value) &&
    isString(value.path) &&
    isString(value.state) &&
    isNumber(value.restarts) &&
    (value.children === undefined || (Array.isArray(value.children) && value.children.every(isNodeSnapshot)))
  );
}

const isOptionalNumber = (v: unknown) => v === undefined || (isNumber(v) && v >= 0);

function isProcessReport(value: unknown): value is SupervisorProcessReport {
  return (
    isObject(value) &&
    isString(value.path) &&
    isNumber(value.pid) &&
    isNumber(value.silentForMs) &&
    value.silentForMs >= 0 &&
    ['rssBytes', 'heapUsedBytes', 'heapTotalBytes', 'eventLoopDelayMeanMs', 'eventLoopDelayMaxMs'].every((k) => isOptionalNumber(value[k]))
  );
}

/** A heartbeat's reports may only name supervisors of the sender's subtree (as its events may). */
export function checkProcessReports(reports: readonly SupervisorProcessReport[], subtree: string): string | undefined {
  const outside = reports.find((r) => r.path !== subtree && !r.path.startsWith(`${subtree}/`));
  return outside ? `heartbeat reports a process at ${JSON.stringify(outside.path)}, outside the subtree ${subtree}` : undefined;
}

/** Validates a message up from a supervisor process. Events are checked one by one by the receiver. */
export function parseUpMessage(value: unknown): Parsed<UpMessage> {
  if (!isObject(value) || !isString(value.t)) return { ok: false, problem: 'not a protocol message' };
  switch (value.t) {
    case 'hello':
      if (value.v !== PROTOCOL_VERSION) return { ok: false, problem: `protocol version ${String(value.v)} is not ${PROTOCOL_VERSION}` };
      return isNumber(value.pid) ? ok(value) : { ok: false, problem: 'hello without pid' };
    case 'started':
      return isNumber(value.pid) ? ok(value) : { ok: false, problem: 'started without pid' };
    case 'events':
      if (!Array.isArray(value.events)) return { ok: false, problem: 'events without an array' };
      if (!Array.isArray(value.paths) || !Number.isSafeInteger(value.first) || (value.first as number) < 0) {
        return { ok: false, problem: 'events without a path table update (first, paths)' };
      }
      return ok(value);
    case 'heartbeat':
      return value.processes === undefined || (Array.isArray(value.processes) && value.processes.every(isProcessReport))
        ? ok(value)
        : { ok: false, problem: 'heartbeat with invalid process reports' };
    case 'snapshot':
      return isNodeSnapshot(value.root) ? ok(value) : { ok: false, problem: 'snapshot without a valid tree' };
    case 'escalate':
    case 'fatal':
      return isErrorInfo(value.error) ? ok(value) : { ok: false, problem: `${value.t} without an error` };
    case 'reply':
      if (!isRequestId(value.id)) return { ok: false, problem: 'reply without a positive integer id' };
      if (value.ok === true) return ok(value);
      if (value.ok !== false) return { ok: false, problem: 'reply whose ok is not a boolean' };
      return isWireError(value.error) ? ok(value) : { ok: false, problem: 'failed reply without a valid error' };
    default:
      return { ok: false, problem: `unknown message type ${JSON.stringify(value.t)}` };
  }
}

/** Validates a message down from the parent. */
export function parseDownMessage(value: unknown): Parsed<DownMessage> {
  if (!isObject(value) || !isString(value.t)) return { ok: false, problem: 'not a protocol message' };
  switch (value.t) {
    case 'start':
      if (value.v !== PROTOCOL_VERSION) return { ok: false, problem: `protocol version ${String(value.v)} is not ${PROTOCOL_VERSION}` };
      if (!(isString(value.path) && isNumber(value.attempt) && isNumber(value.heartbeatIntervalMs) && isNumber(value.maxBufferedEvents))) {
        return { ok: false, problem: 'start with missing fields' };
      }
      if (value.leases !== undefined && !(Array.isArray(value.leases) && value.leases.every(isGrant))) {
        return { ok: false, problem: 'start with invalid leases' };
      }
      return value.children === undefined || (Array.isArray(value.children) && value.children.every(isChildData))
        ? ok(value)
        : { ok: false, problem: 'start with invalid children' };
    case 'stop':
      return STOP_REASONS.includes(value.reason as string) ? ok(value) : { ok: false, problem: 'stop without a valid reason' };
    case 'request':
      if (!isRequestId(value.id)) return { ok: false, problem: 'request without a positive integer id' };
      if (!isString(value.op) || value.op.length === 0 || value.op.length > MAX_OP_LENGTH) {
        return { ok: false, problem: `request without an op of 1 to ${MAX_OP_LENGTH} characters` };
      }
      if (!isString(value.path) || value.path.length === 0) return { ok: false, problem: 'request without a path' };
      if (!isNumber(value.timeoutMs) || value.timeoutMs <= 0) return { ok: false, problem: 'request without a positive timeoutMs' };
      return ok(value);
    default:
      return { ok: false, problem: `unknown message type ${JSON.stringify(value.t)}` };
  }
}

function ok<T>(value: unknown): Parsed<T> {
  return { ok: true, message: value as T };
}
