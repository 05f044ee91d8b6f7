export const WORKER_METADATA = 'supertrees:worker';
export const SUPERVISOR_METADATA = 'supertrees:supervisor';
/** The name of the root supervisor, first segment of every path. */
export const ROOT_NAME = 'root';
/** Set in a supervisor process's environment: this process serves a subtree, not the app (the value is kept from 0.1 for compatibility). */
export const SUPERVISOR_PROCESS_ENV = 'NESTJS_SUPERTREES_CHILD';
/**
 * What a supervisor process was forked for, in its environment ({@link ForkedFor}): it decides what the
 * process does between its `hello` and the `start` message.
 */
export const FORKED_FOR_ENV = 'NESTJS_SUPERTREES_FORKED_FOR';
/**
 * - `spare`: a standing spare, which may wait long; it warms Nest up with an empty module while it waits
 *   (no code of the app runs in it before it is given a supervisor).
 * - `boot`: one of the processes a tree's boot forks at once; it waits for its turn without competing
 *   for the CPU (and may wait long: a placed node in cluster mode starts only once its lease is held here).
 * - `start`: forked for a start already under way (no spare was there): it boots the app's module at
 *   once, while its `start` message travels.
 */
export type ForkedFor = 'spare' | 'boot' | 'start';
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
