import type { UnitStopReason } from './unit.host.js';

/** Fields every cluster event has. */
export interface ClusterEventBase {
  /** Position in this node's `events$`: strictly increasing, no gaps. */
  readonly seq: number;
  /** Wall-clock time, ms since the epoch. */
  readonly timestamp: number;
  /** The member that emitted it (this node). */
  readonly memberId: string;
}

export interface LeaseAcquiredEvent extends ClusterEventBase {
  readonly type: 'lease-acquired';
  readonly unit: string;
  readonly partition?: number;
  readonly token: number;
}
export interface LeaseLostEvent extends ClusterEventBase {
  readonly type: 'lease-lost';
  readonly unit: string;
  readonly partition?: number;
  readonly token: number;
  /** `expired`: not renewed before the deadline; `taken`: a renewal found it gone or someone else's. */
  readonly cause: 'expired' | 'taken';
}
export interface LeaseReleasedEvent extends ClusterEventBase {
  readonly type: 'lease-released';
  readonly unit: string;
  readonly partition?: number;
  readonly token: number;
  readonly reason: Exclude<UnitStopReason, 'lease-lost'> | 'start-failed';
}
export interface MemberJoinedEvent extends ClusterEventBase {
  readonly type: 'member-joined';
  readonly member: string;
}
export interface MemberLeftEvent extends ClusterEventBase {
  readonly type: 'member-left';
  readonly member: string;
}

/** Lease and membership changes as one member sees them. Discriminated by `type`. */
export type ClusterEvent = LeaseAcquiredEvent | LeaseLostEvent | LeaseReleasedEvent | MemberJoinedEvent | MemberLeftEvent;
export type ClusterEventType = ClusterEvent['type'];
export const CLUSTER_EVENT_TYPES: readonly ClusterEventType[] = [
  'lease-acquired',
  'lease-lost',
  'lease-released',
  'member-joined',
  'member-left',
];
