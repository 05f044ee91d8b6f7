import type { SupervisionService } from '../index.js';

/** What the dashboard's buttons do to one node. */
export interface DashboardActions {
  /** Stops the node and keeps it stopped (no restart by policy or strategy) until `restart()`. */
  terminate(path: string): Promise<void>;
  /** Starts a terminated node again, or restarts a running one. */
  restart(path: string): Promise<void>;
}

/** The per-node control API a `SupervisionService` may have, depending on the library's version. */
interface ChildControl {
  terminateChild(path: string): Promise<unknown>;
  restartChild(path: string): Promise<unknown>;
}

/**
 * The actions the service supports, or `undefined` when this version of the library has no
 * per-node control. Checked on the live object, so the dashboard never pretends to act.
 */
export function resolveDashboardActions(service: SupervisionService): DashboardActions | undefined {
  const control = service as unknown as Partial<ChildControl>;
  if (typeof control.terminateChild !== 'function' || typeof control.restartChild !== 'function') return undefined;
  return {
    terminate: async (path) => {
      await control.terminateChild!.call(service, path);
    },
    restart: async (path) => {
      await control.restartChild!.call(service, path);
    },
  };
}
