import { Logger, type LoggerService } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Subscription } from 'rxjs';
import { CallTimeoutError, InvalidMessageError } from '../errors/call.errors.js';
import { decodeError, encodeError, type WireError } from '../errors/wire-error.js';
import { checkData } from '../shared/message.data.js';
import { DEFAULTS } from '../shared/supervision.defaults.js';
import { ClusterDataError, ClusterNoOwnerError, ClusterRedisError } from './cluster.errors.js';
import { parseLookup, type PeerAddress } from './cluster.replies.js';
import { DirectChannel } from './direct.channel.js';
import { CALLS_SECRET, LOOKUP } from './lease.scripts.js';
import type { ClusterKeys } from './cluster.keys.js';
import { clusterKeys, type UnitRef } from './cluster.keys.js';
import { CLUSTER_MESSAGES } from './cluster.messages.js';
import type { ClusterNode } from './cluster.node.js';
import { CLUSTER_DEFAULTS, MEMBER_ID_PATTERN } from './cluster.options.js';
import { FRAME_OVERHEAD_BYTES, parseFrame, parseUnitId, WIRE_ERRORS, WIRE_VERSION, type RouteReply, type RouteRequest } from './cluster.wire.js';
import { closeClient, DISCONNECT_TIMEOUT_MS, type RedisLink } from './redis.link.js';

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
  /** Requests among `sent` that went on a direct channel (`cluster.calls.transport: 'direct'`) rather than pub/sub. */
  direct: number;
  /** Direct connections that broke with requests waiting on them (each such call rejected, maybe delivered). */
  lostConnections: number;
  /** Inbound direct connections closed unread because too many were already authenticating. */
  refusedConnections: number;
}

/** How a sent request ended: its reply; nobody took it (nothing delivered); or its connection broke after it went (maybe delivered). */
type Attempt = { kind: 'reply'; reply: RouteReply } | { kind: 'gone' } | { kind: 'lost' };

/** One routed call in flight: settles once, by its outcome or its timer. */
interface Flight {
  settled: boolean;
  /** The request id waiting for its reply now, and whether it reached a live router. */
  id?: string;
  /** The member whose direct connection carries `id`, if it went that way. */
  via?: string;
  delivered: boolean;
}

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
  readonly stats: ClusterRouterStats = { sent: 0, served: 0, refused: 0, garbage: 0, lateReplies: 0, lookups: 0, direct: 0, lostConnections: 0, refusedConnections: 0 };
  private readonly keys: ClusterKeys;
  private readonly maxBytes: number;
  private readonly logger?: LoggerService;
  private readonly nonce = randomBytes(4).toString('hex');
  private readonly pending = new Map<string, (attempt: Attempt) => void>();
  private readonly owners = new Map<string, string>();
  /** With a direct channel: where each member listens, as last looked up (`undefined`: it has no channel), and when. */
  private readonly addresses = new Map<string, { address: PeerAddress | undefined; at: number }>();
  private readonly channel?: DirectChannel;
  private listening?: Promise<void>;
  /** The port the direct channel listens on, once it does: advertised once the secret is known. */
  private port?: number;
  private secretLoading?: Promise<void>;
  private secretRetry?: ReturnType<typeof setTimeout>;
  private lastSecretCheck = Number.NEGATIVE_INFINITY;
  /** Until when (performance.now()) calls to a member go through pub/sub: its direct channel just failed. */
  private readonly directFailed = new Map<string, number>();
  private readonly onLinkReady = () => void this.loadSecret(true);
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
    const calls = node.options.calls;
    if (calls.transport === 'direct') {
      this.channel = new DirectChannel({
        memberId: node.memberId,
        namespace: node.options.namespace,
        listen: calls.listen,
        handshakeMs: CLUSTER_DEFAULTS.calls.handshakeMs,
        maxPendingHandshakes: CLUSTER_DEFAULTS.calls.maxPendingHandshakes,
        keepAliveMs: CLUSTER_DEFAULTS.calls.keepAliveMs,
        // parseFrame bounds characters; a character is at most 3 bytes of UTF-8.
        maxFrameBytes: 3 * (this.maxBytes + FRAME_OVERHEAD_BYTES),
        parse: (text) => parseFrame(text, this.maxBytes),
        serve: (request) => this.answer(request),
        reply: (frame) => this.replied(frame),
        lost: (ids) => this.lost(ids),
        garbage: (error) => this.garbage(error),
        mismatch: () => this.secretMismatch(),
        refused: () => (this.stats.refusedConnections += 1),
      });
      if (calls.secret !== undefined) this.channel.useSecret(createHash('sha256').update(calls.secret).digest());
    }
  }

  get memberId(): string {
    return this.node.memberId;
  }

  /** Calls waiting for a reply from another member now. */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * With `cluster.calls.transport: 'direct'`: opens the listener and has the node publish its address
   * with its heartbeats once the channel's secret is known (with `calls.secret`, from the first
   * heartbeat if called before `node.start()`; `start()` calls it otherwise). Rejects when the port
   * cannot be bound, or after `stop()`. Without a direct channel it does nothing.
   */
  listen(): Promise<void> {
    const channel = this.channel;
    if (!channel) return Promise.resolve();
    if (this.state === 'stopped') return Promise.reject(new ClusterRedisError(CLUSTER_MESSAGES.routerStopped()));
    this.listening ??= channel.listen().then((port) => {
      this.port = port;
      this.advertise();
    });
    return this.listening;
  }

  /** Publishes the channel's address once it listens and knows the secret, and never after stop. */
  private advertise(): void {
    const calls = this.node.options.calls;
    if (calls.transport !== 'direct' || this.port === undefined || this.state === 'stopped' || !this.channel?.authenticating) return;
    this.node.advertiseCalls({ host: calls.advertise, port: this.port });
  }

  /**
   * Subscribes to this member's inbox on a connection of its own (a duplicate of the node's client),
   * and opens the direct channel if there is one. Call after `node.start()`. With Redis unreachable
   * it resolves anyway and subscribes once Redis answers.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new ClusterRedisError(CLUSTER_MESSAGES.startedTwice());
    await this.listen();
    const link = this.node.redisLink();
    if (!link) throw new ClusterRedisError(CLUSTER_MESSAGES.notStarted());
    this.link = link;
    this.state = 'running';
    const channel = this.keys.inbox(this.memberId);
    // Its own connection: a subscribed connection can send nothing else. The offline queue holds only
    // the SUBSCRIBE sent on each (re)connect, never calls.
    const inbox = link.client.duplicate({ lazyConnect: true, enableOfflineQueue: true, connectionName: `supertrees:${this.memberId}:inbox`, disconnectTimeout: DISCONNECT_TIMEOUT_MS });
    this.inbox = inbox;
    inbox.on('error', () => undefined);
    inbox.on('message', (_channel: string, text: string) => this.receive(text));
    const subscribe = () => inbox.subscribe(channel).catch(() => undefined);
    inbox.on('ready', () => void subscribe());
    this.membership = this.node.events$.subscribe((event) => {
      if (event.type !== 'member-left') return;
      for (const [unit, owner] of this.owners) if (owner === event.member) this.owners.delete(unit);
      this.addresses.delete(event.member);
      this.directFailed.delete(event.member);
      this.channel?.drop(event.member);
    });
    // Each (re)connect of the node's connection: load the secret if it is missing, or restore it if
    // Redis came back empty (the script's SET NX writes the one held here back).
    if (this.channel) link.client.on('ready', this.onLinkReady);
    try {
      await inbox.connect();
      await subscribe();
    } catch {
      // Redis is away: the node reports the outage; the inbox subscribes when it connects.
    }
    await this.loadSecret();
  }

  /**
   * The direct channel's secret: the option's (set in the constructor), or the namespace's in Redis,
   * created by the first member that asks. Until it is known the channel serves nothing, its address
   * is not published, and calls go through pub/sub; a failed read is tried again every renewal
   * interval, on each reconnect and on the next call. `refresh` reads it again although it is known
   * (a reconnect, a failed handshake), passing the one held: Redis restarted empty gets it back.
   */
  private loadSecret(refresh = false): Promise<void> {
    const channel = this.channel;
    const calls = this.node.options.calls;
    if (!channel || calls.transport !== 'direct' || calls.secret !== undefined || this.state !== 'running') return Promise.resolve();
    if (channel.authenticating && !refresh) return Promise.resolve();
    this.secretLoading ??= (async () => {
      clearTimeout(this.secretRetry);
      try {
        const held = channel.currentSecret;
        const reply = await this.link!.run(CALLS_SECRET, [this.keys.callsSecret], [(held ?? randomBytes(32)).toString('hex')]);
        if (typeof reply !== 'string' || !/^[0-9a-f]{64}$/.test(reply)) throw new ClusterDataError('the direct channel secret', 'not 64 hex digits');
        const secret = Buffer.from(reply, 'hex');
        if (held && !held.equals(secret)) this.logger?.warn(CLUSTER_MESSAGES.callsSecretChanged(), ClusterRouter.name);
        if (this.state !== 'running') return;
        channel.useSecret(secret);
        this.advertise();
      } catch (error) {
        if (error instanceof ClusterDataError) this.logger?.error(error.message, ClusterRouter.name);
        if (!channel.authenticating && this.state === 'running') {
          this.secretRetry = setTimeout(() => void this.loadSecret(), this.node.options.renewIntervalMs);
          this.secretRetry.unref();
        }
      } finally {
        this.secretLoading = undefined;
      }
    })();
    return this.secretLoading;
  }

  /** A handshake failed its MAC check: reads the secret again, at most once a renewal interval. */
  private secretMismatch(): void {
    const t = now();
    if (t - this.lastSecretCheck < this.node.options.renewIntervalMs) return;
    this.lastSecretCheck = t;
    void this.loadSecret(true);
  }

  /** Rejects every call in flight, unsubscribes and closes the inbox connection. Idempotent. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.membership?.unsubscribe();
    clearTimeout(this.secretRetry);
    this.link?.client.off('ready', this.onLinkReady);
    if (this.channel) this.node.advertiseCalls(undefined);
    for (const entry of this.flights) entry.fail(new ClusterRedisError(CLUSTER_MESSAGES.routerStopped()));
    this.pending.clear();
    await this.channel?.close();
    const inbox = this.inbox;
    if (!inbox) return;
    await closeClient(inbox, this.node.options.commandTimeoutMs);
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
    if (this.channel && !this.channel.authenticating) void this.loadSecret();
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
        if (flight.via !== undefined && flight.id !== undefined) this.channel?.forget(flight.via, flight.id);
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
      // It went, and its connection broke before the answer: it may have run, so it is never sent again.
      if (outcome.kind === 'lost') throw new ClusterNoOwnerError(unit.id, unit.partition, 'holder-gone', true);
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
    if (cached !== undefined && (!this.channel || this.addressOf(cached) !== null)) return cached;
    const link = this.ready(unit);
    this.stats.lookups += 1;
    if (this.channel) {
      // The holder and where it listens, in one round trip.
      const found = parseLookup(await link.run(LOOKUP, [this.keys.lease(unit), this.keys.memberInfo], []), unit.id);
      if (!found) return undefined;
      this.owners.set(unit.id, found.owner);
      this.addresses.set(found.owner, { address: found.address, at: now() });
      return found.owner;
    }
    const reply = await link.command('hget', [this.keys.lease(unit), 'owner']);
    if (reply === null) return undefined;
    if (typeof reply !== 'string' || !MEMBER_ID_PATTERN.test(reply)) throw new ClusterDataError(`the lease of ${unit.id}`, `owner ${JSON.stringify(reply)}`);
    this.owners.set(unit.id, reply);
    return reply;
  }

  /**
   * Where `member`'s direct channel listens as last looked up; undefined when it has none; null when
   * that is unknown or stale (a member without one is asked again after a renewal interval: it may
   * have published one since).
   */
  private addressOf(member: string): PeerAddress | undefined | null {
    const known = this.addresses.get(member);
    if (!known) return null;
    if (known.address === undefined && now() - known.at > this.node.options.renewIntervalMs) return null;
    return known.address;
  }

  private async send(owner: string, unit: UnitRef, kind: 'call' | 'cast', message: unknown, deadline: number, flight: Flight): Promise<Attempt> {
    const id = `${this.nonce}.${++this.seq}`;
    const request: RouteRequest = { v: WIRE_VERSION, t: 'req', id, from: this.memberId, unit: unit.id, kind, timeoutMs: Math.max(1, Math.ceil(deadline - now())), message };
    const answered = new Promise<Attempt>((resolve) => this.pending.set(id, resolve));
    flight.id = id;
    flight.via = undefined;
    this.stats.sent += 1;
    // Direct when it has an address, this member knows the secret (without it no handshake can
    // succeed: not the peer's fault), and its channel did not fail a moment ago.
    const channel = this.channel?.authenticating ? this.channel : undefined;
    const address = channel && (this.directFailed.get(owner) ?? 0) <= now() ? this.addressOf(owner) : undefined;
    if (address) {
      if (await channel!.send(owner, address, request, () => !flight.settled)) {
        this.directFailed.delete(owner);
        this.stats.direct += 1;
        flight.delivered = true;
        flight.via = owner;
        return answered;
      }
      // Nothing went: no connection to it now (unreachable, or it restarted elsewhere). Pub/sub for a
      // renewal interval (says whether its router lives at all); the next lookup refreshes its address.
      if (channel!.authenticating) {
        this.directFailed.set(owner, now() + this.node.options.renewIntervalMs);
        this.addresses.delete(owner);
      }
      if (flight.settled) return { kind: 'gone' };
    }
    let receivers: unknown;
    try {
      receivers = await this.ready(unit).command('publish', [this.keys.inbox(owner), JSON.stringify(request)]);
    } catch (error) {
      this.pending.delete(id);
      throw new ClusterRedisError(CLUSTER_MESSAGES.redisDown(unit.id, error instanceof Error ? error.message : String(error)), { cause: error });
    }
    if (receivers === 0) {
      this.pending.delete(id);
      return { kind: 'gone' };
    }
    flight.delivered = true;
    return answered;
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
    if (frame.t === 'rep') return this.replied(frame);
    void this.serve(frame);
  }

  private replied(frame: RouteReply): void {
    const waiting = this.pending.get(frame.id);
    if (!waiting) {
      this.stats.lateReplies += 1;
      return;
    }
    this.pending.delete(frame.id);
    waiting({ kind: 'reply', reply: frame });
  }

  /** A direct connection broke with these requests waiting on it. */
  private lost(ids: readonly string[]): void {
    let any = false;
    for (const id of ids) {
      const waiting = this.pending.get(id);
      if (!waiting) continue;
      any = true;
      this.pending.delete(id);
      waiting({ kind: 'lost' });
    }
    if (any) this.stats.lostConnections += 1;
  }

  /** A request from another member through pub/sub: answered on the caller's inbox. */
  private async serve(request: RouteRequest): Promise<void> {
    const reply = await this.answer(request);
    // A reply that cannot go (Redis away) leaves the caller to its timeout.
    if (this.link?.ready) await this.link.command('publish', [this.keys.inbox(request.from), JSON.stringify(reply)]).catch(() => undefined);
  }

  /** The answer to a request from another member: dispatched only while this member holds the unit. Never rejects. */
  private async answer(request: RouteRequest): Promise<RouteReply> {
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
    return reply;
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
