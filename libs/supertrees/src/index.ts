// The public surface of nestjs-supertrees: everything a user may import, and nothing else.
export { SupervisionModule } from './supervision.module.js';
export { SupervisionService, type ChildRef, type CommandOptions } from './supervision.service.js';
export type { ChildCounts, ChildInfo } from './runtime/supervisor.runtime.js';
export { bootstrapSupervised } from './bootstrap.js';
export { isSupervisorProcess } from './process/process.role.js';

export { Worker, type WorkerMetadata } from './decorators/worker.decorator.js';
export { Supervisor, type SupervisorMetadata } from './decorators/supervisor.decorator.js';
export {
  OnSupervisionEvent,
  type OnSupervisionEventOptions,
  type SupervisionEventHandlerMetadata,
  type SupervisionEventOf,
} from './events/on-supervision-event.decorator.js';

export type {
  BackoffOptions,
  CallOptions,
  ChildOptions,
  DynamicChildSpec,
  Isolation,
  MailboxOptions,
  Placement,
  ProcessOptions,
  RestartPolicy,
  SupervisionModuleOptions,
  SupervisionPolicyOptions,
  StartMode,
  SupervisionStrategy,
  SupervisorOptions,
  WorkerOptions,
} from './interfaces/options.interface.js';
export type { SupervisedWorker, WorkerContext } from './interfaces/worker.interface.js';

export { ofType, ofPath } from './events/event.operators.js';
export { EVENT_TYPES } from './events/supervision.events.js';
export type * from './events/supervision.events.js';
export type { NodeSnapshot, NodeState } from './events/snapshot.js';
export type { SupervisorProcessReport, SupervisorProcessStatus } from './process/process.vitals.js';
export { WorkerStopRequest } from './runtime/worker.child.js';

export {
  DuplicateChildError,
  DuplicatePathError,
  InvalidChildError,
  InvalidEventHandlerError,
  InvalidOptionError,
  InvalidPlacementError,
  InvalidScopeError,
  InvalidWorkerError,
  SupervisionConfigError,
  SupervisorCycleError,
  UnregisteredChildError,
} from './errors/supervision-config.error.js';
export {
  SupervisorGaveUpError,
  SupervisorMemoryLimitError,
  SupervisorNotBootstrappedError,
  SupervisorProcessError,
  UnknownNodeError,
  WorkerInitTimeoutError,
} from './errors/supervision-runtime.error.js';
export {
  CallError,
  CallRejectedError,
  CallTimeoutError,
  InvalidMessageError,
  MailboxFullError,
  NotCallableError,
  WorkerCrashedError,
  WorkerRestartingError,
  WorkerStoppedError,
} from './errors/call.errors.js';
export { NodeUnavailableError, RequestTimeoutError, UnknownOperationError, type NodeUnavailableCode } from './errors/supervision-request.error.js';
export {
  ChildIdTakenError,
  ChildStartError,
  ChildStateError,
  InvalidChildSpecError,
  MaxChildrenError,
  NotAPoolError,
  NotASupervisorError,
  NotAWorkerError,
  NotDynamicError,
} from './errors/child-control.error.js';
export { MESSAGES } from './shared/supervision.messages.js';
export { DEFAULTS } from './shared/supervision.defaults.js';
export { EXIT_ESCALATED, EXIT_LEASE_LOST, EXIT_NOT_BOOTSTRAPPED, EXIT_ORPHANED, ROOT_NAME } from './shared/supervision.constants.js';
// Cluster mode (forRoot({ cluster })): what the tree's API throws and returns; the rest is in nestjs-supertrees/cluster.
export { ClusterConfigError, ClusterDataError, ClusterNoOwnerError, ClusterRedisError, ClusterRoutingError } from './cluster/cluster.errors.js';
export type { ClusterApi } from './supervision.cluster.js';
export type { ClusterCallsOptions, ClusterOptions, LeaseHandle, LocalUnitState, RedisClient } from './interfaces/cluster.interface.js';
export type { ClusterView } from './cluster/cluster.replies.js';
export { PROTOCOL_VERSION } from './process/ipc.protocol.js';
