import { unitRef } from '../cluster/cluster.keys.js';
import type { LeaseHandle } from '../cluster/unit.host.js';
import type { Clock } from './timers.js';

/** A lease as it crosses a process boundary: who may run the placed node, until when (as a duration). */
export interface UnitGrant {
  /** The placed node's path (a partition's: `…/Name#p`); also its lease's unit id. */
  readonly unit: string;
  readonly fencingToken: number;
  readonly partition?: number;
  /** Ms until the deadline, as the sender measured it right before sending: each process counts it down on its own clock. */
  readonly remainingMs: number;
}

/** A lease this process holds now: the grant and the handle the workers under it see in `ctx.lease`. */
export interface HeldLease {
  readonly unit: string;
  readonly fencingToken: number;
  readonly partition?: number;
  readonly handle: LeaseHandle;
}

interface Entry extends HeldLease {
  /** This process's monotonic clock: past it, nothing here acts for the unit. */
  deadline: number;
  timer?: NodeJS.Timeout;
  readonly abort: AbortController;
  live: boolean;
}

/**
 * The leases of the placed nodes that run in (or below) this process, each with a deadline on this
 * process's own monotonic clock. A deadline is set from "ms remaining" in the start message or the
 * request that granted it, and moved on by each renewal the main process sends (one message per
 * process per renewal interval). When a deadline passes with no renewal, the lease's signal is
 * aborted, `stillHolds()` turns false, and `onExpired` stops the unit, whatever the main process
 * does (it may be paused while this one runs on).
 */
export class LocalLeases {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    /** Called once per grant whose deadline passed before a renewal came. */
    private readonly onExpired: (unit: string, token: number) => void,
  ) {}

  /** Holds `grant` (or renews it, for the same token); a grant with another token replaces the old one. */
  grant(grant: UnitGrant): HeldLease {
    const current = this.entries.get(grant.unit);
    if (current?.live && current.fencingToken === grant.fencingToken) {
      this.extend(grant.unit, grant.fencingToken, grant.remainingMs);
      return current;
    }
    if (current) this.end(current);
    const abort = new AbortController();
    const entry: Entry = {
      unit: grant.unit,
      fencingToken: grant.fencingToken,
      ...(grant.partition === undefined ? {} : { partition: grant.partition }),
      deadline: this.clock.now() + Math.max(0, grant.remainingMs),
      abort,
      live: true,
      handle: undefined as unknown as LeaseHandle,
    };
    const holds = () => entry.live && this.clock.now() < entry.deadline;
    const name = grant.partition === undefined ? grant.unit : grant.unit.slice(0, grant.unit.lastIndexOf('#'));
    (entry as { handle: LeaseHandle }).handle = {
      unit: unitRef(name, grant.partition),
      fencingToken: grant.fencingToken,
      signal: abort.signal,
      stillHolds: holds,
      remainingMs: () => (holds() ? Math.round(entry.deadline - this.clock.now()) : 0),
    };
    this.entries.set(grant.unit, entry);
    this.arm(entry);
    return entry;
  }

  /** Moves the deadline of the lease held with `token` on. False when it is not held (expired, revoked, another token). */
  extend(unit: string, token: number, remainingMs: number): boolean {
    const entry = this.entries.get(unit);
    if (!entry?.live || entry.fencingToken !== token) return false;
    entry.deadline = this.clock.now() + Math.max(0, remainingMs);
    this.arm(entry);
    return true;
  }

  /** Ends the lease of `unit` (any token, or only `token`): its signal aborts, `stillHolds()` is false. */
  revoke(unit: string, token?: number): void {
    const entry = this.entries.get(unit);
    if (!entry || (token !== undefined && entry.fencingToken !== token)) return;
    this.end(entry);
    this.entries.delete(unit);
  }

  /** The lease `path` runs under: its own, or its nearest placed ancestor's; only while it holds. */
  forPath(path: string): HeldLease | undefined {
    if (this.entries.size === 0) return undefined;
    for (let end = path.length; end > 0; end = path.lastIndexOf('/', end - 1)) {
      const entry = this.entries.get(end === path.length ? path : path.slice(0, end));
      if (entry) return entry.handle.stillHolds() ? entry : undefined;
    }
    return undefined;
  }

  /** True while `unit` is held here with a deadline still ahead. */
  holds(unit: string): boolean {
    return this.entries.get(unit)?.handle.stillHolds() ?? false;
  }

  /** The leases a process running the subtree at `path` needs: the one above it and those inside it, with their time left now. */
  relevantTo(path: string): UnitGrant[] {
    const out: UnitGrant[] = [];
    for (const entry of this.entries.values()) {
      const remainingMs = entry.handle.remainingMs();
      if (remainingMs <= 0) continue;
      const inside = entry.unit === path || entry.unit.startsWith(`${path}/`) || path.startsWith(`${entry.unit}/`);
      if (inside) out.push({ unit: entry.unit, fencingToken: entry.fencingToken, ...(entry.partition === undefined ? {} : { partition: entry.partition }), remainingMs });
    }
    return out;
  }

  /** Every lease held here now. */
  list(): HeldLease[] {
    return [...this.entries.values()].filter((e) => e.handle.stillHolds());
  }

  /** Ends every lease (the process stops). */
  clear(): void {
    for (const entry of this.entries.values()) this.end(entry);
    this.entries.clear();
  }

  private arm(entry: Entry): void {
    clearTimeout(entry.timer);
    const delay = Math.max(0, entry.deadline - this.clock.now());
    entry.timer = setTimeout(() => {
      // A renewal may have come while this timer was due.
      if (!entry.live || this.clock.now() < entry.deadline) return entry.live ? this.arm(entry) : undefined;
      this.end(entry);
      this.onExpired(entry.unit, entry.fencingToken);
    }, delay);
    entry.timer.unref();
  }

  private end(entry: Entry): void {
    clearTimeout(entry.timer);
    if (!entry.live) return;
    entry.live = false;
    entry.abort.abort(new Error(`the lease of ${entry.unit} (token ${entry.fencingToken}) ended`));
  }
}
