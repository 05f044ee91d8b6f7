import { Logger, type LoggerService } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Subscription } from 'rxjs';
import { CallTimeoutError, InvalidMessageError } from '../errors/call.errors.js';
import { decodeError, encodeError, type WireError } from '../errors/wire-error.js';
import { checkData } from '../shared/message.data.js';
import { DEFAULTS } from '../shared/supervision.defaults.js';
import { ClusterDataError, ClusterNoOwnerError, ClusterRedisError } from './cluster.errors.js';
import type { ClusterKeys } from './cluster.keys.js';
import { clusterKeys, type UnitRef } from './cluster.keys.js';
import { CLUSTER_MESSAGES } from './cluster.messages.js';
import type { ClusterNode } from './cluster.node.js';
import { MEMBER_ID_PATTERN } from './cluster.options.js';
import { FRAME_OVERHEAD_BYTES, parseFrame, parseUnitId, WIRE_ERRORS, WIRE_VERSION, type RouteReply, type RouteRequest } from './cluster.wire.js';
import type { RedisLink } from './redis.link.js';

/**
 * Runs a call or cast on a unit this member holds, as a local call would (the supervision runtime's
 * mailbox): resolves with the reply (a cast: once the mailbox took it), rejects with the typed error
 * a local call rejects with. Settles within `timeoutMs`.
 */
export type LocalDispatch = (unit: UnitRef, kind: 'call' | 'cast', message: unknown, timeoutMs: number) => Promise<unknown>;

export interface ClusterRouterOptions {
  /** The largest message and reply, as local calls count it (JSON size). Default `DEFAULTS.mailbox.maxMessageBytes` (1 MiB). */
  maxMessageBytes?: number;
  /** Where it logs malformed inbox messages (rate-limited); default the node's logger choice, context `ClusterRouter`. */
  logger?: LoggerService | false;
}

/** Counters of what the router saw, for tests, metrics and the benchmarks. */
export interface ClusterRouterStats {
  /** Requests sent to another member. */
  sent: number;
  /** Requests received and dispatched here. */
  served: number;
  /** Requests received for a unit this member does not hold (answered `not-owner`). */
  refused: number;
  /** Inbox messages rejected as malformed (`ClusterDataError`); never dispatched. */
  garbage: number;
  /** Replies that came after their call settled (timed out), or twice: dropped. */
  lateReplies: number;
  /** Owner lookups in Redis (a cached owner costs none). */
  lookups: number;
}

interface Pending {
  readonly resolve: (reply: RouteReply) => void;
}

/** One routed call in flight: settles once, by its outcome or its timer. */
interface Flight {
  settled: boolean;
  /** The request id waiting for its reply now, and whether it reached a live router. */
  id?: string;
  delivered: boolean;
}

type Attempt = { kind: 'reply'; reply: RouteReply } | { kind: 'gone' };

const now = () => performance.now();
/** Malformed inbox messages are logged at most this often (each is counted). */
const GARBAGE_LOG_EVERY_MS = 10_000;

/**
 * Routes a call or cast on a placed unit to the member holding its lease, through Redis pub/sub.
 *
 * Each member's router subscribes (on a connection of its own) to its inbox channel; a request is
 * PUBLISHed on the holder's inbox and the reply on the caller's. Pub/sub rather than streams: a call
 * is worth nothing once its caller gave up, so nothing should be stored; PUBLISH's count of receivers
 * says at once whether the holder's router is alive; and it is one hop each way, no polling.
 *
 * The holder is looked up in Redis (the lease's `owner`) and cached until it proves wrong: PUBLISH
 * reaching no one, a `not-owner` answer, a call timing out, or the member leaving. The receiver
 * dispatches only while it holds the lease by its own deadline ({@link ClusterNode.holds}), and answers
 * `not-owner` otherwise; the caller then looks up again and tries once more, then rejects with
 * `ClusterNoOwnerError`. A unit held here is dispatched locally, with no Redis hop.
 */
export class ClusterRouter {
  readonly stats: ClusterRouterStats = { sent: 0, served: 0, refused: 0, garbage: 0, lateReplies: 0, lookups: 0 };
  private readonly keys: ClusterKeys;
  private readonly maxBytes: number;
  private readonly logger?: LoggerService;
  private readonly nonce = randomBytes(4).toString('hex');
  private readonly pending = new Map<string, Pending>();
  private readonly owners = new Map<string, string>();
  private readonly flights = new Set<{ flight: Flight; fail: (error: Error) => void }>();
  private seq = 0;
  private state: 'new' | 'running' | 'stopped' = 'new';
  private link?: RedisLink;
  private inbox?: Redis;
  private membership?: Subscription;
  private lastGarbageLog = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly node: ClusterNode,
    private readonly dispatch: LocalDispatch,
    options: ClusterRouterOptions = {},
  ) {
    this.keys = clusterKeys(node.options.namespace);
    this.maxBytes = options.maxMessageBytes ?? DEFAULTS.mailbox.maxMessageBytes;
    const logger = options.logger ?? node.options.logger;
    this.logger = logger === false ? undefined : (logger ?? new Logger(ClusterRouter.name));
  }

  get memberId(): string {
    return this.node.memberId;
  }

  /** Calls waiting for a reply from another member now. */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Subscribes to this member's inbox on a connection of its own (a duplicate of the node's client).
   * Call after `node.start()`. With Redis unreachable it resolves anyway and subscribes once Redis answers.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new ClusterRedisError(CLUSTER_MESSAGES.startedTwice());
    const link = this.node.redisLink();
    if (!link) throw new ClusterRedisError(CLUSTER_MESSAGES.notStarted());
    this.link = link;
    this.state = 'running';
    const channel = this.keys.inbox(this.memberId);
    // Its own connection: a subscribed connection can send nothing else. The offline queue holds only
    // the SUBSCRIBE sent on each (re)connect, never calls.
    const inbox = link.client.duplicate({ lazyConnect: true, enableOfflineQueue: true, connectionName: `supertrees:${this.memberId}:inbox` });
    this.inbox = inbox;
    inbox.on('error', () => undefined);
    inbox.on('message', (_channel: string, text: string) => this.receive(text));
    const subscribe = () => inbox.subscribe(channel).catch(() => undefined);
    inbox.on('ready', () => void subscribe());
    this.membership = this.node.events$.subscribe((event) => {
      if (event.type !== 'member-left') return;
      for (const [unit, owner] of this.owners) if (owner === event.member) this.owners.delete(unit);
    });
    try {
      await inbox.connect();
      await subscribe();
    } catch {
      // Redis is away: the node reports the outage; the inbox subscribes when it connects.
    }
  }

  /** Rejects every call in flight, unsubscribes and closes the inbox connection. Idempotent. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.membership?.unsubscribe();
    for (const entry of this.flights) entry.fail(new ClusterRedisError(CLUSTER_MESSAGES.routerStopped()));
    this.pending.clear();
    const inbox = this.inbox;
    if (!inbox) return;
    // QUIT lets Redis close the connection at once; a plain disconnect waits on the socket's end.
    if (inbox.status === 'ready') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([inbox.quit().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, this.node.options.commandTimeoutMs)))]);
      clearTimeout(timer);
    }
    if (inbox.status !== 'end') inbox.disconnect(false);
  }

  /** A call on `unit`, wherever its lease is held. Settles within `timeoutMs`. */
  call(unit: UnitRef, message: unknown, options: { timeoutMs: number }): Promise<unknown> {
    return this.route(unit, 'call', message, options.timeoutMs ?? DEFAULTS.callTimeoutMs);
  }

  /** A cast on `unit`: resolves once the holder's mailbox took it (acknowledged), rejects as a call would before that. */
  async cast(unit: UnitRef, message: unknown, options: { timeoutMs?: number } = {}): Promise<void> {
    await this.route(unit, 'cast', message, options.timeoutMs ?? DEFAULTS.callTimeoutMs);
  }

  private route(unit: UnitRef, kind: 'call' | 'cast', message: unknown, timeoutMs: number): Promise<unknown> {
    const path = unit.name;
    if (this.state !== 'running') return Promise.reject(new ClusterRedisError(this.state === 'new' ? CLUSTER_MESSAGES.notStarted() : CLUSTER_MESSAGES.routerStopped()));
    if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      return Promise.reject(new InvalidMessageError(path, 'timeoutMs', `must be a positive finite number of ms (got ${String(timeoutMs)})`));
    }
    const problem = checkData(message, this.maxBytes, 'message');
    if (problem) return Promise.reject(new InvalidMessageError(path, problem.field, problem.problem));
    if (this.node.holds(unit.id)) return this.local(unit, kind, message, timeoutMs);
    return new Promise<unknown>((resolve, reject) => {
      const flight: Flight = { settled: false, delivered: false };
      const entry = {
        flight,
        fail: (error: Error) => settle(() => reject(error)),
      };
      const settle = (done: () => void) => {
        if (flight.settled) return;
        flight.settled = true;
        clearTimeout(timer);
        this.flights.delete(entry);
        if (flight.id !== undefined) this.pending.delete(flight.id);
        done();
      };
      const timer = setTimeout(() => {
        // The holder may be paused or cut off: look it up again next time.
        this.owners.delete(unit.id);
        settle(() => reject(new CallTimeoutError(path, timeoutMs, flight.delivered ? 'handling' : 'queued')));
      }, timeoutMs);
      this.flights.add(entry);
      this.remote(unit, kind, message, now() + timeoutMs, flight).then(
        (value) => settle(() => resolve(value)),
        (error: unknown) => settle(() => reject(error instanceof Error ? error : new Error(String(error)))),
      );
    });
  }

  /** Looks up the holder (or takes the cached one), sends, and on `not-owner` or no receiver tries once more. */
  private async remote(unit: UnitRef, kind: 'call' | 'cast', message: unknown, deadline: number, flight: Flight): Promise<unknown> {
    let why: 'holder-gone' | 'not-owner' = 'holder-gone';
    for (let attempt = 0; attempt < 2; attempt++) {
      if (flight.settled) return undefined;
      const owner = await this.ownerOf(unit, attempt > 0);
      if (owner === undefined) throw new ClusterNoOwnerError(unit.id, unit.partition, 'no-holder');
      if (owner === this.memberId) {
        // Redis says this member, which took the lease a moment ago (or lost track of it).
        if (this.node.holds(unit.id)) return this.local(unit, kind, message, Math.max(1, deadline - now()));
        why = 'not-owner';
        this.owners.delete(unit.id);
        continue;
      }
      // Timed out during the lookup: nothing was sent, and nothing may be now.
      if (flight.settled) return undefined;
      const outcome = await this.send(owner, unit, kind, message, deadline, flight);
      if (outcome.kind === 'reply') {
        const { reply } = outcome;
        if (reply.r === 'ok') return reply.value;
        if (reply.r === 'error') throw decodeError(reply.error, WIRE_ERRORS);
        why = 'not-owner';
      } else {
        why = 'holder-gone';
      }
      this.owners.delete(unit.id);
    }
    throw new ClusterNoOwnerError(unit.id, unit.partition, why);
  }

  /** The dispatch, with a synchronous throw turned into a rejection. */
  private local(unit: UnitRef, kind: 'call' | 'cast', message: unknown, timeoutMs: number): Promise<unknown> {
    try {
      return this.dispatch(unit, kind, message, timeoutMs);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private async ownerOf(unit: UnitRef, fresh: boolean): Promise<string | undefined> {
    const cached = fresh ? undefined : this.owners.get(unit.id);
    if (cached !== undefined) return cached;
    const link = this.ready(unit);
    this.stats.lookups += 1;
    const reply = await link.command('hget', [this.keys.lease(unit), 'owner']);
    if (reply === null) return undefined;
    if (typeof reply !== 'string' || !MEMBER_ID_PATTERN.test(reply)) throw new ClusterDataError(`the lease of ${unit.id}`, `owner ${JSON.stringify(reply)}`);
    this.owners.set(unit.id, reply);
    return reply;
  }

  private async send(owner: string, unit: UnitRef, kind: 'call' | 'cast', message: unknown, deadline: number, flight: Flight): Promise<Attempt> {
    const link = this.ready(unit);
    const id = `${this.nonce}.${++this.seq}`;
    const request: RouteRequest = { v: WIRE_VERSION, t: 'req', id, from: this.memberId, unit: unit.id, kind, timeoutMs: Math.max(1, Math.ceil(deadline - now())), message };
    const replied = new Promise<RouteReply>((resolve) => this.pending.set(id, { resolve }));
    flight.id = id;
    this.stats.sent += 1;
    let receivers: unknown;
    try {
      receivers = await link.command('publish', [this.keys.inbox(owner), JSON.stringify(request)]);
    } catch (error) {
      this.pending.delete(id);
      throw new ClusterRedisError(CLUSTER_MESSAGES.redisDown(unit.id, error instanceof Error ? error.message : String(error)), { cause: error });
    }
    if (receivers === 0) {
      this.pending.delete(id);
      return { kind: 'gone' };
    }
    flight.delivered = true;
    return { kind: 'reply', reply: await replied };
  }

  private ready(unit: UnitRef): RedisLink {
    const link = this.link!;
    if (!link.ready) throw new ClusterRedisError(CLUSTER_MESSAGES.redisDown(unit.id, `client status "${link.status}"`));
    return link;
  }

  private receive(text: string): void {
    let frame;
    try {
      frame = parseFrame(text, this.maxBytes);
    } catch (error) {
      this.garbage(error);
      return;
    }
    if (frame.t === 'rep') {
      const waiting = this.pending.get(frame.id);
      if (!waiting) {
        this.stats.lateReplies += 1;
        return;
      }
      this.pending.delete(frame.id);
      waiting.resolve(frame);
      return;
    }
    void this.serve(frame);
  }

  /** A request from another member: dispatched only while this member holds the unit. */
  private async serve(request: RouteRequest): Promise<void> {
    const unit = parseUnitId(request.unit)!;
    const base = { v: WIRE_VERSION, t: 'rep', id: request.id } as const;
    let reply: RouteReply;
    if (this.state !== 'running' || !this.node.holds(unit.id)) {
      this.stats.refused += 1;
      reply = { ...base, r: 'not-owner' };
    } else {
      this.stats.served += 1;
      try {
        const value = await this.dispatch(unit, request.kind, request.message, request.timeoutMs);
        const problem = request.kind === 'cast' || value === undefined ? undefined : checkData(value, this.maxBytes, 'reply');
        if (problem) throw new InvalidMessageError(unit.name, problem.field, problem.problem);
        reply = request.kind === 'cast' || value === undefined ? { ...base, r: 'ok' } : { ...base, r: 'ok', value };
      } catch (error) {
        reply = { ...base, r: 'error', error: boundedError(error) };
      }
    }
    // A reply that cannot go (Redis away) leaves the caller to its timeout.
    if (this.link?.ready) await this.link.command('publish', [this.keys.inbox(request.from), JSON.stringify(reply)]).catch(() => undefined);
  }

  private garbage(error: unknown): void {
    this.stats.garbage += 1;
    const t = now();
    if (t - this.lastGarbageLog < GARBAGE_LOG_EVERY_MS) return;
    this.lastGarbageLog = t;
    this.logger?.warn(CLUSTER_MESSAGES.garbageFrames(this.stats.garbage, error instanceof Error ? error.message : String(error)), ClusterRouter.name);
  }
}

/** The error as a reply carries it; one too large for a frame goes as its name and the start of its message. */
function boundedError(error: unknown): WireError {
  const wire = encodeError(error);
  if (JSON.stringify(wire).length <= FRAME_OVERHEAD_BYTES / 2) return wire;
  return { name: wire.name, message: wire.message.slice(0, 2_000) };
}
