// The public surface of nestjs-supertrees/cluster.
// Importing it loads ioredis only when a node is started with a URL.
export { ClusterNode, type LocalUnitState, type UnitPhase } from './cluster.node.js';
export {
  CLUSTER_DEFAULTS,
  resolveClusterOptions,
  validateUnits,
  type ClusterCallsOptions,
  type ClusterOptions,
  type ClusterUnitSpec,
  type MemberInfo,
  type ResolvedClusterOptions,
} from './cluster.options.js';
export type { LeaseHandle, RenewedUnit, UnitHost, UnitStart, UnitStopReason } from './unit.host.js';
export { unitRef, clusterKeys, type ClusterKeys, type UnitRef } from './cluster.keys.js';
export type { ClusterView, LeaseTable, LeaseView, MemberView } from './cluster.replies.js';
export { readClusterView } from './cluster.view.js';
export { CLUSTER_EVENT_TYPES } from './cluster.events.js';
export type * from './cluster.events.js';
export { ClusterConfigError, ClusterDataError, ClusterNoOwnerError, ClusterRedisError, ClusterRoutingError } from './cluster.errors.js';
export { ClusterRouter, type ClusterRouterOptions, type ClusterRouterStats, type LocalDispatch } from './cluster.router.js';
export { partitionOf, unitForCall } from './unit.routing.js';
export { CLUSTER_VIEW_LIMITS, type MemberTree } from './view.data.js';
export type { TreeSource } from './view.publisher.js';
export { CLUSTER_MESSAGES } from './cluster.messages.js';
export { ownerOf, assign as assignUnits } from './rendezvous.js';
