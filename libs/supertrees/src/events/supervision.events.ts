/** An error as events carry it: plain data, so it crosses process boundaries unchanged. */
export interface ErrorInfo {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

export type NodeKind = 'worker' | 'supervisor';

/** Why a child was stopped by its supervisor (rather than ending by itself). */
export type StopReason =
  /** The application is closing, or the tree was stopped through the service. */
  | 'shutdown'
  /** The strategy restarts it along with a failed sibling (one-for-all, rest-for-one). */
  | 'strategy'
  /** Its supervisor gave up (restart intensity exceeded) and stops all its children. */
  | 'supervisor-gave-up'
  /** Its supervisor's process lost its parent and exits. */
  | 'orphaned'
  /**
   * Stopped by `terminateChild()`, `deleteChild()` or `scale()`: it stays stopped (neither its
   * policy nor its supervisor's strategy restarts it) until `restartChild()`.
   */
  | 'terminated'
  /**
   * Cluster mode: a placed node's lease was lost (not renewed by its deadline, or taken). Not a
   * failure: no restart, not counted towards restart intensity; it starts again when its lease is.
   */
  | 'lease-lost'
  /** Cluster mode: the membership changed and the placed node now belongs to another replica. Not a failure. */
  | 'handoff';

/** Fields every event has. */
export interface EventBase {
  /** Position in this process's `events$`: strictly increasing, no gaps. */
  readonly seq: number;
  /** Position among the events of the process `pid`: strictly increasing; a gap is reported by an `events-dropped` event. */
  readonly processSeq: number;
  /** Wall-clock time the event happened, ms since the epoch. */
  readonly timestamp: number;
  /** The node the event is about, e.g. `root/IngestSupervisor/FeedPoller`. */
  readonly path: string;
  readonly kind: NodeKind;
  /** The process that emitted the event. */
  readonly pid: number;
}

export interface StartingEvent extends EventBase {
  readonly type: 'starting';
  /** 0 on the first start, then the restart count. */
  readonly attempt: number;
}
export interface StartedEvent extends EventBase {
  readonly type: 'started';
  readonly attempt: number;
  /** For a supervisor with process isolation: the pid of the process it now runs in. */
  readonly processPid?: number;
}
export interface RestartedEvent extends EventBase {
  readonly type: 'restarted';
  readonly attempt: number;
  /** From the end of its previous run to running again, in ms. */
  readonly downtimeMs: number;
}
export interface ExitedEvent extends EventBase {
  readonly type: 'exited';
  readonly attempt: number;
  readonly ranForMs: number;
}
export interface FailedEvent extends EventBase {
  readonly type: 'failed';
  readonly attempt: number;
  readonly error: ErrorInfo;
  /** Where it failed: in `init()`, in `run()`, or (a supervisor process) the process itself ended. */
  readonly phase: 'init' | 'run' | 'process';
  readonly ranForMs: number;
}
export interface RestartScheduledEvent extends EventBase {
  readonly type: 'restart-scheduled';
  /** The attempt the restart will be. */
  readonly attempt: number;
  readonly delayMs: number;
  /** The path of the child whose end caused this restart (itself, or a sibling under one-for-all / rest-for-one). */
  readonly cause: string;
}
export interface GaveUpEvent extends EventBase {
  readonly type: 'gave-up';
  /**
   * `policy`: its restart policy says no more; `intensity`: a supervisor exceeded its restart
   * intensity; `config`: it cannot start as configured (a supervisor process whose script did not
   * call `bootstrapSupervised()`), so it is not restarted at all.
   */
  readonly reason: 'policy' | 'intensity' | 'config';
  readonly restarts: number;
}
export interface StoppingEvent extends EventBase {
  readonly type: 'stopping';
  readonly reason: StopReason;
}
export interface StoppedEvent extends EventBase {
  readonly type: 'stopped';
  readonly reason: StopReason;
  /** True when it did not finish within its shutdownTimeoutMs (a worker was abandoned, a process killed). */
  readonly timedOut: boolean;
}
export interface EscalatedEvent extends EventBase {
  readonly type: 'escalated';
  readonly error: ErrorInfo;
}
export interface TreeFailedEvent extends EventBase {
  readonly type: 'tree-failed';
  readonly error: ErrorInfo;
}
export interface EventsDroppedEvent extends EventBase {
  readonly type: 'events-dropped';
  /** How many events of `originPid` were lost (a gap of this size in its `processSeq`). */
  readonly count: number;
  readonly originPid: number;
}
export interface ProtocolErrorEvent extends EventBase {
  readonly type: 'protocol-error';
  /** The pid of the process whose message was rejected. */
  readonly fromPid: number;
  readonly detail: string;
  /** Messages rejected from that process so far. */
  readonly count: number;
}

export interface ChildAddedEvent extends EventBase {
  readonly type: 'child-added';
  /** A dynamic child's id; a pool member's index (added by `scale()`). */
  readonly id?: string;
  readonly instance?: number;
}
export interface ChildRemovedEvent extends EventBase {
  readonly type: 'child-removed';
  /**
   * `deleted`: by `deleteChild()`; `scaled-down`: by `scale()`; `start-failed`: its `startChild()`
   * failed; `ended`: a dynamic child whose restart policy let it end for good (OTP removes such a
   * temporary or transient child too).
   */
  readonly reason: ChildRemovedReason;
}
export type ChildRemovedReason = 'deleted' | 'scaled-down' | 'start-failed' | 'ended';

/**
 * Cluster mode: this replica acquired the lease of a placed node (`path`: the node; a partition's is
 * `…/Name#p`) with a new fencing token; the node starts next.
 */
export interface LeaseAcquiredEvent extends EventBase {
  readonly type: 'lease-acquired';
  /** This replica's member id. */
  readonly member: string;
  readonly token: number;
  readonly partition?: number;
}
/** Cluster mode: this replica lost a lease (`expired`: not renewed by its deadline; `taken`: found gone or someone else's); the node stopped with `lease-lost`. */
export interface LeaseLostEvent extends EventBase {
  readonly type: 'lease-lost';
  readonly member: string;
  readonly token: number;
  readonly partition?: number;
  readonly cause: 'expired' | 'taken';
}
/** Cluster mode: this replica stopped a placed node and gave its lease back (`handoff`, `shutdown`, or its start failed). */
export interface LeaseReleasedEvent extends EventBase {
  readonly type: 'lease-released';
  readonly member: string;
  readonly token: number;
  readonly partition?: number;
  readonly reason: 'handoff' | 'shutdown' | 'start-failed';
}
/** Cluster mode: a replica joined the membership as this one sees it (`path`: the root). */
export interface MemberJoinedEvent extends EventBase {
  readonly type: 'member-joined';
  readonly member: string;
}
/** Cluster mode: a replica left the membership (stopped, or its heartbeat expired). */
export interface MemberLeftEvent extends EventBase {
  readonly type: 'member-left';
  readonly member: string;
}

/** Every lifecycle change of the tree. Discriminated by `type`. */
export type SupervisionEvent =
  | StartingEvent
  | StartedEvent
  | RestartedEvent
  | ExitedEvent
  | FailedEvent
  | RestartScheduledEvent
  | GaveUpEvent
  | StoppingEvent
  | StoppedEvent
  | EscalatedEvent
  | TreeFailedEvent
  | EventsDroppedEvent
  | ProtocolErrorEvent
  | ChildAddedEvent
  | ChildRemovedEvent
  | LeaseAcquiredEvent
  | LeaseLostEvent
  | LeaseReleasedEvent
  | MemberJoinedEvent
  | MemberLeftEvent;

export type SupervisionEventType = SupervisionEvent['type'];

/** Every event type, derived from the union: a type added there fails to compile here until listed. */
export const EVENT_TYPES: readonly SupervisionEventType[] = Object.keys({
  starting: true,
  started: true,
  restarted: true,
  exited: true,
  failed: true,
  'restart-scheduled': true,
  'gave-up': true,
  stopping: true,
  stopped: true,
  escalated: true,
  'tree-failed': true,
  'events-dropped': true,
  'protocol-error': true,
  'child-added': true,
  'child-removed': true,
  'lease-acquired': true,
  'lease-lost': true,
  'lease-released': true,
  'member-joined': true,
  'member-left': true,
} satisfies Record<SupervisionEventType, true>) as SupervisionEventType[];

/** `Omit` applied to each member of a union, so the result stays discriminated. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An event as the runtime raises it; the process stamps the rest. */
export type EventInput = DistributiveOmit<SupervisionEvent, 'seq' | 'processSeq' | 'timestamp' | 'pid'>;
/** An event stamped by its process, before the main process gives it its `seq`. */
export type ProcessEvent = DistributiveOmit<SupervisionEvent, 'seq'>;

/**
 * The error of an event, as data: `name`, `message`, and `stack` as an own enumerable property, so a
 * spread, `JSON.stringify`, `structuredClone` and the IPC wire all carry it. For a thrown `Error` the
 * stack is read from the error on first access, not now: V8 formats a stack only when `.stack` is
 * first read, and that formatting was most of what a restart cost beyond the throw itself (figure 1),
 * paid for every failure whether or not anything ever looks at the stack.
 */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof Error) return new ThrownErrorInfo(error);
  return { name: 'NonError', message: typeof error === 'string' ? error : safeString(error) };
}

/**
 * An `ErrorInfo` whose `stack` is read from its error on first access: the same string an eager read
 * would have given, since V8 formats a stack once and caches it on the error, unless the error's own
 * `stack` is replaced (or `Error.prepareStackTrace` changed) between the failure and that first read.
 * Until then it keeps the error, and the frames V8 captured with it (receivers and functions), alive;
 * after, only the string. The events that keep their errors are bounded: each node's `lastError` in the
 * snapshot, a supervisor process's outbox while its parent reads slowly (`maxBufferedEvents`), and the
 * event buffers a user sets up (the dashboard's event log). `stack` is an accessor, so a debugger or
 * `getOwnPropertyDescriptor` sees a getter; `util.inspect` (console.log) prints it as plain data. Its
 * prototype is this class's, not `Object.prototype` (Jest's `toStrictEqual` tells it from a literal).
 */
class ThrownErrorInfo implements ErrorInfo {
  readonly name: string;
  readonly message: string;
  declare readonly stack?: string;
  /** The error until `stack` is first read. */
  #error: Error | undefined;
  #stack: string | undefined;

  // One shared descriptor with one getter and setter: an accessor made per object (an object literal
  // with `get stack()`) would put every such object in dictionary mode, as `RunContext` once was.
  private static readonly STACK: PropertyDescriptor = {
    get(this: ThrownErrorInfo): string | undefined {
      // Read through a wrapper (a Proxy, a reactive store, an object made with Object.create) `this`
      // is not the instance: no private field to read, so no stack rather than a TypeError.
      if (!(#stack in this)) return undefined;
      const error = this.#error;
      if (error !== undefined) {
        this.#error = undefined;
        try {
          this.#stack = error.stack;
        } catch {
          // An `Error.prepareStackTrace` that throws: no stack, rather than a throw from whatever reads the event.
        }
      }
      return this.#stack;
    },
    // Writable, as the plain property it stands for was.
    set(this: ThrownErrorInfo, stack: string | undefined) {
      if (!(#stack in this)) return;
      this.#error = undefined;
      this.#stack = stack;
    },
    enumerable: true,
    configurable: true,
  };

  constructor(error: Error) {
    this.name = error.name;
    this.message = error.message;
    this.#error = error;
    Object.defineProperty(this, 'stack', ThrownErrorInfo.STACK);
  }

  /** What `console.log` and `util.inspect` show: the plain data, stack included (and so read). */
  [Symbol.for('nodejs.util.inspect.custom')](): ErrorInfo {
    return { name: this.name, message: this.message, stack: this.stack };
  }
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
