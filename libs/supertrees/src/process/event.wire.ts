import {
  EVENT_TYPES,
  type NodeKind,
  type ProcessEvent,
  type SupervisionEvent,
  type SupervisionEventType,
} from '../events/supervision.events.js';
import { checkEventFields } from './ipc.protocol.js';

/**
 * The compact wire format of an `events` batch (protocol version 2). An event is a positional array
 * `[type, node, kind, pid, processSeq, timestamp, ...fields]`: `type` is its index in `EVENT_TYPES`,
 * `node` an index into the channel's table of paths, `kind` 0 (worker) or 1 (supervisor), and the
 * type's own fields follow in the order of {@link WIRE_FIELDS}; an absent optional field is `null`, and
 * trailing absent ones are left out. The table belongs to one channel (one
 * supervisor process): each batch carries the paths it adds to it, once, with the index of the first.
 * `pid`, `processSeq` and `timestamp` are differences from the previous event of the same batch (the
 * first event's are from 0, so absolute): mostly `0`, `1` and `0`, small integers that JSON writes and
 * reads faster than a 13-digit timestamp, in half the bytes.
 * Named fields cost a quarter of the bytes and half the serialisation time of a restart's events.
 */
export type WireEvent = readonly unknown[];

/** The fields of each event type, after the common ones, in wire order. A trailing `?` field may be absent. */
export const WIRE_FIELDS = {
  starting: ['attempt'],
  started: ['attempt', 'processPid?'],
  restarted: ['attempt', 'downtimeMs'],
  exited: ['attempt', 'ranForMs'],
  failed: ['attempt', 'error', 'phase', 'ranForMs'],
  'restart-scheduled': ['attempt', 'delayMs', 'cause'],
  'gave-up': ['reason', 'restarts'],
  stopping: ['reason'],
  stopped: ['reason', 'timedOut'],
  escalated: ['error'],
  'tree-failed': ['error'],
  'events-dropped': ['count', 'originPid'],
  'protocol-error': ['fromPid', 'detail', 'count'],
  'child-added': ['id?', 'instance?'],
  'child-removed': ['reason'],
  'lease-acquired': ['member', 'token', 'partition?'],
  'lease-lost': ['member', 'token', 'cause', 'partition?'],
  'lease-released': ['member', 'token', 'reason', 'partition?'],
  'member-joined': ['member'],
  'member-left': ['member'],
} as const satisfies { [T in SupervisionEventType]: readonly WireField<T>[] };

type FieldsOf<T extends SupervisionEventType> = Exclude<keyof Extract<SupervisionEvent, { type: T }>, 'type' | 'seq' | 'processSeq' | 'timestamp' | 'path' | 'kind' | 'pid'>;
type WireField<T extends SupervisionEventType> = FieldsOf<T> & string | `${FieldsOf<T> & string}?`;

/** Fields that hold a path: sent as an index into the path table, like the event's own path. */
const PATH_FIELDS: ReadonlySet<string> = new Set(['cause']);
/** Positions before the type's own fields. */
export const HEADER = 6;

interface FieldPlan {
  readonly name: string;
  readonly path: boolean;
  readonly optional: boolean;
}
const plan = (fields: readonly string[]): FieldPlan[] =>
  fields.map((f) => ({ name: f.replace('?', ''), path: PATH_FIELDS.has(f), optional: f.endsWith('?') }));
/** Per type code: its name, field plan, and the fewest positions it may have (trailing optional fields left out). */
export const WIRE_TYPES: readonly { readonly type: SupervisionEventType; readonly fields: readonly FieldPlan[]; readonly min: number }[] =
  EVENT_TYPES.map((type) => {
    const fields = plan(WIRE_FIELDS[type]);
    let required = fields.length;
    while (required > 0 && fields[required - 1]!.optional) required -= 1;
    return { type, fields, min: HEADER + required };
  });
const TYPE_CODE = new Map<string, number>(EVENT_TYPES.map((type, code) => [type, code]));

/**
 * The sending side of one channel: turns events into wire arrays and remembers which paths the
 * receiver has been told. {@link takePaths} must go in the same message as the events encoded since
 * the previous call, ahead of them.
 */
export class EventEncoder {
  private readonly index = new Map<string, number>();
  private fresh: string[] = [];
  private sent = 0;
  /** The stamps of the previous event of this batch (0 before its first). */
  private pid = 0;
  private processSeq = 0;
  private timestamp = 0;

  encode(event: ProcessEvent): WireEvent {
    const code = TYPE_CODE.get(event.type)!;
    const { fields } = WIRE_TYPES[code]!;
    const { pid, processSeq, timestamp } = event;
    const wire: unknown[] = [code, this.indexOf(event.path), event.kind === 'worker' ? 0 : 1, pid - this.pid, processSeq - this.processSeq, timestamp - this.timestamp];
    this.pid = pid;
    this.processSeq = processSeq;
    this.timestamp = timestamp;
    const values = event as unknown as Record<string, unknown>;
    for (const field of fields) {
      const value = values[field.name];
      if (field.optional && value === undefined) wire.push(null);
      else wire.push(field.path ? this.indexOf(value as string) : value);
    }
    while (wire.length > HEADER && wire[wire.length - 1] === null && fields[wire.length - 1 - HEADER]!.optional) wire.pop();
    return wire;
  }

  /**
   * Ends the batch: the paths added since the last call, and the table index of the first of them.
   * The next event encoded starts a new batch, its stamps counted from 0 again.
   */
  takePaths(): { first: number; paths: string[] } {
    const taken = { first: this.sent, paths: this.fresh };
    this.sent += this.fresh.length;
    this.fresh = [];
    this.pid = 0;
    this.processSeq = 0;
    this.timestamp = 0;
    return taken;
  }

  private indexOf(path: string): number {
    let i = this.index.get(path);
    if (i === undefined) {
      i = this.index.size;
      this.index.set(path, i);
      this.fresh.push(path);
    }
    return i;
  }
}

/** The most paths one channel's table may hold: a child cannot make its parent's memory grow without bound. */
export const MAX_PATHS = 100_000;

/**
 * The receiving side of one channel: its table of paths and the decoding of wire arrays into
 * events. Every path is checked once, when it enters the table (it must be the subtree's root or
 * below it: a process speaks only for its subtree); a rejected path keeps its place, so the indices
 * after it still agree with the sender's, and every event that names it is rejected.
 */
export class EventDecoder {
  /** A path, or why it was rejected. */
  private readonly table: ({ ok: true; path: string } | { ok: false; problem: string })[] = [];
  private readonly prefix: string;
  /** The stamps of the previous event of this batch, as the encoder counts them. */
  private pid = 0;
  private processSeq = 0;
  private timestamp = 0;

  constructor(private readonly subtree: string) {
    this.prefix = `${subtree}/`;
  }

  /**
   * Begins a batch (its events' stamps count from 0 again) and adds its paths; returns one problem
   * per rejected path, or a problem with the whole batch.
   */
  addPaths(first: number, paths: readonly unknown[]): string[] {
    this.pid = 0;
    this.processSeq = 0;
    this.timestamp = 0;
    // A batch that adds nothing may say anything for `first` (the parser checked it is an index).
    if (paths.length === 0) return [];
    if (first !== this.table.length) return [`events batch adds paths at ${first}, expected ${this.table.length}`];
    if (this.table.length + paths.length > MAX_PATHS) return [`events batch would grow the path table past ${MAX_PATHS}`];
    const problems: string[] = [];
    for (const path of paths) {
      if (typeof path === 'string' && (path === this.subtree || path.startsWith(this.prefix))) {
        this.table.push({ ok: true, path });
      } else {
        const problem = `event path ${JSON.stringify(path)} is outside the subtree ${this.subtree}`;
        this.table.push({ ok: false, problem });
        problems.push(problem);
      }
    }
    return problems;
  }

  /**
   * Decodes and checks one wire event: its type, table references, kind, numeric stamps and every
   * field of its type. Returns the event, or a string naming what is wrong with it.
   */
  decode(wire: unknown): ProcessEvent | string {
    if (!Array.isArray(wire)) return 'an event is not an array';
    const dPid: unknown = wire[3];
    const dSeq: unknown = wire[4];
    const dTime: unknown = wire[5];
    if (typeof dPid !== 'number' || typeof dSeq !== 'number' || typeof dTime !== 'number') {
      return 'event lacks a numeric pid, processSeq or timestamp';
    }
    // Before any other check, so that the events after a rejected one still count from where the encoder did.
    const pid = (this.pid += dPid);
    const processSeq = (this.processSeq += dSeq);
    const timestamp = (this.timestamp += dTime);
    const spec = typeof wire[0] === 'number' ? WIRE_TYPES[wire[0]] : undefined;
    if (!spec) return `unknown event type code ${JSON.stringify(wire[0])}`;
    const path = this.pathAt(wire[1]);
    if (typeof path !== 'string') return path.problem;
    const kind: NodeKind | undefined = wire[2] === 0 ? 'worker' : wire[2] === 1 ? 'supervisor' : undefined;
    if (!kind) return 'event kind must be worker or supervisor';
    const { fields, type, min } = spec;
    if (wire.length < min || wire.length > HEADER + fields.length) return `${type} event has ${wire.length} positions, not ${HEADER + fields.length}`;
    // `seq: 0` now, so that the main process giving it its `seq` does not change the object's shape.
    const event: Record<string, unknown> = { type, path, kind, seq: 0, pid, processSeq, timestamp };
    for (let i = 0; i < fields.length && HEADER + i < wire.length; i += 1) {
      const field = fields[i]!;
      const value = wire[HEADER + i];
      if (field.optional && value === null) continue;
      if (!field.path) {
        event[field.name] = value;
        continue;
      }
      const referenced = this.pathAt(value);
      if (typeof referenced !== 'string') return `${type} event has an invalid "${field.name}"`;
      event[field.name] = referenced;
    }
    return checkEventFields(event as { type: SupervisionEventType }) ?? (event as unknown as ProcessEvent);
  }

  private pathAt(index: unknown): string | { problem: string } {
    const entry = typeof index === 'number' ? this.table[index] : undefined;
    if (!entry) return { problem: `event names path ${JSON.stringify(index)}, which is not in the table` };
    return entry.ok ? entry.path : entry;
  }
}
