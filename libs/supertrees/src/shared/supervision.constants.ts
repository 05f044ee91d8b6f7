export const WORKER_METADATA = 'supertrees:worker';
export const SUPERVISOR_METADATA = 'supertrees:supervisor';
/** The name of the root supervisor, first segment of every path. */
export const ROOT_NAME = 'root';
/** Set in a supervisor process's environment: this process serves a subtree, not the app (the value is kept from 0.1 for compatibility). */
export const SUPERVISOR_PROCESS_ENV = 'NESTJS_SUPERTREES_CHILD';
/** Set to `1` in a process forked as a standing spare: it warms Nest up while it waits. */
export const WARM_UP_ENV = 'NESTJS_SUPERTREES_WARM_UP';
/** Exit code of a supervisor process that gave up (exceeded its restart intensity). */
export const EXIT_ESCALATED = 70;
/** Exit code of a supervisor process whose parent went away. */
export const EXIT_ORPHANED = 71;
/**
 * Exit code of a process forked as a supervisor process whose script did not call
 * `bootstrapSupervised` (it booted the app itself, as `nest new`'s main.ts does).
 */
export const EXIT_NOT_BOOTSTRAPPED = 72;
/**
 * Exit code of a supervisor process that stopped its subtree on its own because the cluster lease it
 * runs under ran out there (the main process did not renew it in time): not a failure.
 */
export const EXIT_LEASE_LOST = 73;
export const EVENT_HANDLER_METADATA = 'supertrees:event-handler';
