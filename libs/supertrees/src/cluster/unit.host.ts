import type { UnitRef } from './cluster.keys.js';
import type { LeaseHandle } from '../interfaces/cluster.interface.js';

/** Why a unit held through a lease is stopped. */
export type UnitStopReason =
  /** The lease was lost: not renewed in time (Redis unreachable, the replica paused) or taken. Not a failure. */
  | 'lease-lost'
  /** The membership changed and the unit now belongs to another member: it stops, then its lease is released. */
  | 'handoff'
  /** This node is stopping. */
  | 'shutdown';

/** What a unit is started with. */
export interface UnitStart {
  /** Grows every time the unit changes hands: stamp writes with it so a store can reject a stale owner. */
  readonly fencingToken: number;
  /** The partition, for a partitioned unit. */
  readonly partition?: number;
  readonly lease: LeaseHandle;
}

export type { LeaseHandle } from '../interfaces/cluster.interface.js';

/**
 * What runs a unit. The supervision tree implements it (`SupervisionCluster`); tests implement it
 * directly. `start` resolves once the unit runs; `stop` once it has stopped. Neither is called again
 * for the same unit before the previous call settled.
 */
export interface UnitHost {
  start(unit: UnitRef, start: UnitStart): Promise<void>;
  stop(unit: UnitRef, reason: UnitStopReason): Promise<void>;
  /**
   * Optional: called once per renewal interval, after a renewal round trip succeeded, with every unit
   * it renewed and the ms left until its new deadline: a host whose units run in other processes
   * passes the deadlines on (one message per process, not per unit), so each stops on its own clock.
   */
  renewed?(units: readonly RenewedUnit[]): void;
}

/** A unit whose lease a renewal just extended. */
export interface RenewedUnit {
  readonly unit: UnitRef;
  readonly token: number;
  /** Ms until this member's new deadline for it. */
  readonly remainingMs: number;
}
