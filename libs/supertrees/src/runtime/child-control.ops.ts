import { InvalidChildSpecError } from '../errors/child-control.error.js';
import { NodeUnavailableError } from '../errors/supervision-request.error.js';
import type { DynamicChildData } from '../tree/dynamic-child.js';
import type { NodeRequest, RequestRouter } from './request.router.js';
import type { SupervisorRuntime } from './supervisor.runtime.js';
import type { TreeHost } from './tree.host.js';

/**
 * The per-child commands, as request operations: each addresses the supervisor at the request's
 * path, in whichever process runs it, and names the child in its payload.
 */
export const CHILD_CONTROL_OPS = {
  startChild: 'startChild',
  terminateChild: 'terminateChild',
  restartChild: 'restartChild',
  deleteChild: 'deleteChild',
  whichChildren: 'whichChildren',
  countChildren: 'countChildren',
  scale: 'scale',
} as const;

export function registerChildControl(router: RequestRouter): void {
  const ops = CHILD_CONTROL_OPS;
  router.register(ops.startChild, (request, host) => supervisorAt(request, host).startChild(childData(request.payload)));
  router.register(ops.terminateChild, (request, host) => supervisorAt(request, host).terminateChild(childPath(request.payload)));
  router.register(ops.restartChild, (request, host) => supervisorAt(request, host).restartChild(childPath(request.payload)));
  router.register(ops.deleteChild, (request, host) => supervisorAt(request, host).deleteChild(childPath(request.payload)));
  router.register(ops.whichChildren, (request, host) => supervisorAt(request, host).whichChildren());
  router.register(ops.countChildren, (request, host) => supervisorAt(request, host).countChildren());
  router.register(ops.scale, (request, host) => {
    const { pool, n } = (request.payload ?? {}) as { pool?: unknown; n?: unknown };
    if (typeof pool !== 'string') throw new InvalidChildSpecError('pool', 'must be a path');
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new InvalidChildSpecError('n', 'must be a whole number, 0 or more');
    return supervisorAt(request, host).scale(pool, n);
  });
}

function supervisorAt({ op, path }: NodeRequest, host: TreeHost): SupervisorRuntime {
  const runtime = host.runtimeAt(path);
  if (!runtime) throw new NodeUnavailableError(op, path, 'restarting', 'its supervisor is not running (starting, restarting or stopped)');
  return runtime;
}

function childPath(payload: unknown): string {
  const child = (payload as { child?: unknown } | undefined)?.child;
  if (typeof child !== 'string') throw new InvalidChildSpecError('child', 'must be a path');
  return child;
}

function childData(payload: unknown): DynamicChildData {
  const data = payload as Partial<DynamicChildData> | undefined;
  if (typeof data?.worker !== 'string') throw new InvalidChildSpecError('worker', 'must be a class name');
  if (typeof data.id !== 'string') throw new InvalidChildSpecError('id', 'must be a string');
  return data as DynamicChildData;
}
