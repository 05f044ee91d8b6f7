import type { LocalUnitState, UnitPhase } from '../interfaces/cluster.interface.js';
import { Logger, type LoggerService } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { Subject, type Observable } from 'rxjs';
import { ClusterDataError, ClusterRedisError } from './cluster.errors.js';
import type { ClusterEvent } from './cluster.events.js';
import { clusterKeys, unitRef, type ClusterKeys, type UnitRef } from './cluster.keys.js';
import { CLUSTER_MESSAGES } from './cluster.messages.js';
import { resolveClusterOptions, validateUnits, type ClusterOptions, type ClusterUnitSpec, type ResolvedClusterOptions } from './cluster.options.js';
import { parseAcquire, parseTick, type ClusterView } from './cluster.replies.js';
import { ACQUIRE, LEAVE, RELEASE, TICK } from './lease.scripts.js';
import { readView } from './cluster.view.js';
import { assign } from './rendezvous.js';
import { RedisLink } from './redis.link.js';
import type { LeaseHandle, UnitHost, UnitStopReason } from './unit.host.js';
import { ViewPublisher, type TreeSource } from './view.publisher.js';

export type { LocalUnitState, UnitPhase } from '../interfaces/cluster.interface.js';

interface Slot {
  readonly ref: UnitRef;
  phase: UnitPhase;
  token: number;
  /** Monotonic ms: past it, this member no longer acts for the unit. */
  deadline: number;
  timer?: NodeJS.Timeout;
  abort?: AbortController;
  /** The host's start/stop calls for this unit, one after the other. */
  work: Promise<void>;
}

const now = () => performance.now();
const isHeld = (slot: Slot) => slot.phase === 'starting' || slot.phase === 'running';

/**
 * One replica's membership and leases. Every renewal interval it sends ONE script that heartbeats,
 * prunes dead members and renews every lease it holds; then it places units over the live members
 * by rendezvous hashing, hands off the ones that now belong elsewhere (stop, then release) and
 * tries to acquire the ones that belong here. Each lease has a deadline on the monotonic clock,
 * counted from when its last good renewal was sent; at the deadline the unit is stopped whatever
 * else happens, so this member never acts past the point where another may take over.
 */
export class ClusterNode {
  readonly options: ResolvedClusterOptions;
  readonly events$: Observable<ClusterEvent>;
  private readonly subject = new Subject<ClusterEvent>();
  private readonly keys: ClusterKeys;
  private readonly slots = new Map<string, Slot>();
  private readonly logger?: LoggerService;
  private readonly infoJson: string;
  /** Where this member's direct call channel listens, as the heartbeat publishes it ('' for none). */
  private callsJson = '';
  private readonly publisher: ViewPublisher;
  private link?: RedisLink;
  private state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  private liveMembers: readonly string[] = [];
  private placement?: { members: string; owners: Map<string, string | undefined> };
  private tickTimer?: NodeJS.Timeout;
  private wakeTimer?: { at: number; timer: NodeJS.Timeout };
  private outageSince?: number;
  private seq = 0;
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopped?: Promise<void>;
  private startup?: Promise<void>;

  constructor(
    options: ClusterOptions,
    units: readonly ClusterUnitSpec[],
    private readonly host: UnitHost,
  ) {
    this.options = resolveClusterOptions(options);
    validateUnits(units);
    this.keys = clusterKeys(this.options.namespace);
    for (const spec of units) {
      const refs = spec.partitions === undefined ? [unitRef(spec.name)] : Array.from({ length: spec.partitions }, (_, p) => unitRef(spec.name, p));
      for (const ref of refs) this.slots.set(ref.id, { ref, phase: 'free', token: 0, deadline: 0, work: Promise.resolve() });
    }
    this.logger = this.options.logger === false ? undefined : (this.options.logger ?? new Logger(ClusterNode.name));
    this.infoJson = JSON.stringify(this.options.memberInfo);
    this.events$ = this.subject.asObservable();
    this.publisher = new ViewPublisher(this.keys, this.options.memberId, this.options.leaseTtlMs, this.logger, ClusterNode.name);
    this.subject.subscribe((event) => this.publisher.record(event));
  }

  /**
   * Publishes this member's tree for the cluster view: `source` is read right after each renewal, and
   * written to Redis when its JSON changed (a snapshot over 256 KiB as a `truncated` marker). Once.
   */
  publishTree(source: TreeSource | undefined): void {
    this.publisher.setSource(source);
  }

  /** Publishes where this member's direct call channel listens, from the next heartbeat on (before `start()`: from the first). */
  advertiseCalls(address: { host: string; port: number } | undefined): void {
    this.callsJson = address ? JSON.stringify({ host: address.host, port: address.port }) : '';
  }

  /** True while this member holds `unitId`'s lease by its own deadline (a unit starting or running). */
  holds(unitId: string): boolean {
    const slot = this.slots.get(unitId);
    return slot !== undefined && isHeld(slot) && now() < slot.deadline;
  }

  /** The node's Redis link once `start()` opened it: what the router and the view use. */
  redisLink(): RedisLink | undefined {
    return this.link;
  }

  get memberId(): string {
    return this.options.memberId;
  }

  /** The live members as of the last renewal, sorted. */
  get members(): readonly string[] {
    return this.liveMembers;
  }

  /**
   * Opens the Redis link and runs the first renewal. With Redis unreachable it still resolves
   * (and logs the outage once), unless `requireRedisAtStart` is set.
   */
  start(): Promise<void> {
    if (this.state !== 'new') return Promise.reject(new ClusterRedisError(CLUSTER_MESSAGES.startedTwice()));
    this.state = 'starting';
    this.startup = this.open();
    return this.startup;
  }

  private async open(): Promise<void> {
    this.link = await RedisLink.open(this.options);
    try {
      await this.link.connect();
    } catch (error) {
      const cause = error instanceof Error ? error.message : String(error);
      if (this.options.requireRedisAtStart) {
        this.state = 'stopped';
        await this.link.close();
        this.subject.complete();
        throw new ClusterRedisError(CLUSTER_MESSAGES.unreachableAtStart(cause), { cause: error });
      }
      this.state = 'running';
      this.noteOutage(cause);
    }
    this.state = 'running';
    await this.tick();
  }

  /** Stops every unit held here (reason `shutdown`), releases their leases, leaves the membership. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  /** The units of this node as it holds them now. */
  localView(): LocalUnitState[] {
    const t = now();
    return [...this.slots.values()].map((slot) => ({
      unit: slot.ref.id,
      name: slot.ref.name,
      ...(slot.ref.partition === undefined ? {} : { partition: slot.ref.partition }),
      phase: slot.phase,
      token: slot.token,
      remainingMs: isHeld(slot) ? Math.max(0, Math.round(slot.deadline - t)) : 0,
    }));
  }

  /**
   * Members, every lease of this node's units, every live member's tree and the latest events, as
   * Redis has them now. Rejects with `ClusterRedisError` / `ClusterDataError`.
   */
  async view(): Promise<ClusterView> {
    if (!this.link) throw new ClusterRedisError(CLUSTER_MESSAGES.notStarted());
    return readView(this.link, this.keys, [...this.slots.values()].map((s) => s.ref));
  }

  private async shutdown(): Promise<void> {
    // A stop() during start() waits for the start, so that nothing it opens is left behind.
    await this.startup?.catch(() => undefined);
    if (this.state === 'new' || this.state === 'stopped') {
      this.state = 'stopped';
      this.subject.complete();
      return;
    }
    this.state = 'stopping';
    clearTimeout(this.tickTimer);
    if (this.wakeTimer) clearTimeout(this.wakeTimer.timer);
    await Promise.allSettled([...this.inFlight]);
    for (const slot of this.slots.values()) if (isHeld(slot)) this.giveBack(slot, 'shutdown');
    await Promise.allSettled([...this.slots.values()].map((s) => s.work));
    await this.link?.run(LEAVE, [this.keys.members, this.keys.memberInfo], [this.memberId]).catch(() => undefined);
    if (this.link) await this.publisher.close(this.link);
    await this.link?.close();
    this.state = 'stopped';
    this.subject.complete();
  }

  private scheduleTick(startedAt: number): void {
    if (this.state !== 'running') return;
    const delay = Math.max(0, this.options.renewIntervalMs - (now() - startedAt));
    this.tickTimer = setTimeout(() => this.track(this.tick()), delay);
  }

  /** Heartbeat + renew everything held, in one command; then place. */
  private async tick(): Promise<void> {
    const startedAt = now();
    try {
      if (this.state !== 'running' || !this.link) return;
      if (!this.link.ready) return this.noteOutage(`client status "${this.link.status}"`);
      const held = [...this.slots.values()].filter(isHeld);
      const tokens = held.map((s) => s.token);
      const sentAt = now();
      let reply;
      try {
        const raw = await this.link.run(
          TICK,
          [this.keys.members, this.keys.memberInfo, ...held.map((s) => this.keys.lease(s.ref))],
          [this.memberId, this.infoJson, this.options.leaseTtlMs, this.callsJson, ...tokens],
        );
        reply = parseTick(raw, held.length);
      } catch (error) {
        return this.noteOutage(error instanceof Error ? error.message : String(error));
      }
      this.noteRecovered();
      held.forEach((slot, i) => {
        if (slot.token !== tokens[i] || !isHeld(slot)) return;
        if (reply.renewed[i]) this.extend(slot, sentAt);
        else this.lose(slot, 'taken');
      });
      this.reportRenewed(held);
      this.updateMembers(reply.members);
      this.place();
      this.track(this.publisher.flush(this.link, now()));
    } finally {
      this.scheduleTick(startedAt);
    }
  }

  private extend(slot: Slot, sentAt: number): void {
    const deadline = sentAt + this.options.leaseTtlMs - this.options.safetyMarginMs;
    if (deadline <= now()) return this.lose(slot, 'expired');
    slot.deadline = deadline;
    clearTimeout(slot.timer);
    const token = slot.token;
    slot.timer = setTimeout(() => {
      if (slot.token === token && isHeld(slot)) this.lose(slot, 'expired');
    }, deadline - now());
  }

  /** Tells the host how long each unit still held has left, once per successful renewal. */
  private reportRenewed(held: readonly Slot[]): void {
    if (!this.host.renewed) return;
    const t = now();
    const units = held.filter(isHeld).map((s) => ({ unit: s.ref, token: s.token, remainingMs: Math.max(0, Math.round(s.deadline - t)) }));
    if (units.length === 0) return;
    try {
      this.host.renewed(units);
    } catch (error) {
      this.logger?.error('the unit host failed to take a renewal', error instanceof Error ? error.stack : String(error), ClusterNode.name);
    }
  }

  private updateMembers(members: readonly string[]): void {
    const sorted = [...members].sort();
    const before = new Set(this.liveMembers);
    const after = new Set(sorted);
    for (const m of sorted) if (!before.has(m)) this.emit({ type: 'member-joined', member: m });
    for (const m of this.liveMembers) if (!after.has(m)) this.emit({ type: 'member-left', member: m });
    this.liveMembers = sorted;
  }

  private owners(): Map<string, string | undefined> {
    const key = this.liveMembers.join('\n');
    if (this.placement?.members !== key) {
      this.placement = { members: key, owners: assign([...this.slots.keys()], this.liveMembers) };
    }
    return this.placement.owners;
  }

  /** Hands off what belongs elsewhere now; tries to acquire what belongs here and is free. */
  private place(): void {
    if (this.state !== 'running' || !this.link?.ready) return;
    const owners = this.owners();
    for (const slot of this.slots.values()) {
      const mine = owners.get(slot.ref.id) === this.memberId;
      if (!mine && isHeld(slot)) this.giveBack(slot, 'handoff');
      else if (mine && slot.phase === 'free') this.track(this.acquire(slot));
    }
  }

  private async acquire(slot: Slot): Promise<void> {
    slot.phase = 'acquiring';
    const sentAt = now();
    let reply;
    try {
      reply = parseAcquire(await this.link!.run(ACQUIRE, [this.keys.lease(slot.ref), this.keys.fence(slot.ref)], [this.memberId, this.options.leaseTtlMs]));
    } catch (error) {
      slot.phase = 'free';
      if (error instanceof ClusterDataError) this.logger?.error(error.message, ClusterNode.name);
      return;
    }
    if (reply.kind !== 'granted') {
      slot.phase = 'free';
      // Wait for the release (the next renewal tick tries again) or the expiry, whichever comes first.
      const ms = reply.kind === 'wait' ? reply.ms : reply.pttl;
      if (ms >= 0 && ms < this.options.renewIntervalMs) this.wakeIn(ms + 5);
      return;
    }
    const token = reply.token;
    slot.token = token;
    if (this.state !== 'running' || sentAt + this.options.leaseTtlMs - this.options.safetyMarginMs <= now()) {
      // Stopping, or the grant came back too late to be used safely: give it back unused.
      await this.release(slot.ref, token);
      slot.phase = 'free';
      return;
    }
    slot.phase = 'starting';
    slot.abort = new AbortController();
    this.extend(slot, sentAt);
    this.emit({ type: 'lease-acquired', unit: slot.ref.id, ...partitionOf(slot.ref), token });
    const lease = this.handle(slot, token, slot.abort.signal);
    slot.work = slot.work.then(async () => {
      if (slot.token !== token || slot.phase !== 'starting') return;
      try {
        await this.host.start(slot.ref, { fencingToken: token, ...partitionOf(slot.ref), lease });
        if (slot.token === token && slot.phase === 'starting') slot.phase = 'running';
      } catch (error) {
        this.logger?.error(CLUSTER_MESSAGES.startFailed(slot.ref.id), error instanceof Error ? error.stack : String(error), ClusterNode.name);
        if (slot.token !== token || slot.phase !== 'starting') return;
        this.endHold(slot);
        await this.release(slot.ref, token);
        this.emit({ type: 'lease-released', unit: slot.ref.id, ...partitionOf(slot.ref), token, reason: 'start-failed' });
        slot.phase = 'free';
      }
    });
  }

  private handle(slot: Slot, token: number, signal: AbortSignal): LeaseHandle {
    const holds = () => slot.token === token && isHeld(slot) && now() < slot.deadline;
    return {
      unit: slot.ref,
      fencingToken: token,
      signal,
      stillHolds: holds,
      remainingMs: () => (holds() ? Math.round(slot.deadline - now()) : 0),
    };
  }

  /** The lease is gone (deadline passed, or a renewal found it taken): stop the unit, then free the slot. */
  private lose(slot: Slot, cause: 'expired' | 'taken'): void {
    if (!isHeld(slot)) return;
    const token = slot.token;
    this.endHold(slot);
    this.emit({ type: 'lease-lost', unit: slot.ref.id, ...partitionOf(slot.ref), token, cause });
    this.afterStop(slot, 'lease-lost', token);
  }

  /** Stop the unit, then release its lease (handoff or shutdown). */
  private giveBack(slot: Slot, reason: Exclude<UnitStopReason, 'lease-lost'>): void {
    if (!isHeld(slot)) return;
    const token = slot.token;
    this.endHold(slot);
    this.afterStop(slot, reason, token, () => this.emit({ type: 'lease-released', unit: slot.ref.id, ...partitionOf(slot.ref), token, reason }));
  }

  private endHold(slot: Slot): void {
    slot.phase = 'stopping';
    clearTimeout(slot.timer);
    slot.deadline = 0;
    slot.abort?.abort();
  }

  private afterStop(slot: Slot, reason: UnitStopReason, token: number, released?: () => void): void {
    slot.work = slot.work.then(async () => {
      try {
        await this.host.stop(slot.ref, reason);
      } catch (error) {
        this.logger?.error(CLUSTER_MESSAGES.stopFailed(slot.ref.id), error instanceof Error ? error.stack : String(error), ClusterNode.name);
      }
      // Compare-and-delete by token: harmless if it already expired or changed hands.
      const ok = await this.release(slot.ref, token);
      if (ok) released?.();
      if (slot.phase === 'stopping' && slot.token === token) slot.phase = 'free';
      if (this.state === 'running') this.place();
    });
  }

  private async release(ref: UnitRef, token: number): Promise<boolean> {
    try {
      return (await this.link!.run(RELEASE, [this.keys.lease(ref)], [this.memberId, token])) === 1;
    } catch {
      return false;
    }
  }

  private wakeIn(ms: number): void {
    const at = now() + ms;
    if (this.wakeTimer && this.wakeTimer.at <= at) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer.timer);
    this.wakeTimer = {
      at,
      timer: setTimeout(() => {
        this.wakeTimer = undefined;
        this.place();
      }, ms),
    };
  }

  private track(promise: Promise<unknown>): void {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }

  private noteOutage(cause: string): void {
    // A command cut short by our own stop() is no outage.
    if (this.outageSince !== undefined || this.state !== 'running') return;
    this.outageSince = Date.now();
    this.logger?.warn(CLUSTER_MESSAGES.outage(cause), ClusterNode.name);
  }

  private noteRecovered(): void {
    if (this.outageSince === undefined) return;
    this.logger?.log(CLUSTER_MESSAGES.recovered(Date.now() - this.outageSince), ClusterNode.name);
    this.outageSince = undefined;
  }

  private emit(event: DistributiveOmit<ClusterEvent, 'seq' | 'timestamp' | 'memberId'>): void {
    if (this.state === 'stopped') return;
    this.seq += 1;
    this.subject.next({ ...event, seq: this.seq, timestamp: Date.now(), memberId: this.memberId } as ClusterEvent);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function partitionOf(ref: UnitRef): { partition?: number } {
  return ref.partition === undefined ? {} : { partition: ref.partition };
}

