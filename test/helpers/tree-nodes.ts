// Tree nodes built by hand, for the unit specs of the parts that take a built tree (runtime,
// snapshot, worker child): the library's defaults unless a spec says otherwise.
import { DEFAULTS, resolveBackoff } from '../../libs/supertrees/src/shared/supervision.defaults.js';
import type { SupervisorNode, TreeNode, WorkerNode } from '../../libs/supertrees/src/tree/tree.types.js';

/** The class of every hand-built worker node: specs that need one call its methods through their own fakes. */
export class Job {}

const nameOf = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/** A worker node at `path`, named after its last segment. */
export function workerNode(path: string, spec: Partial<Omit<WorkerNode, 'kind' | 'path'>> = {}): WorkerNode {
  return {
    kind: 'worker',
    callable: false,
    mailbox: DEFAULTS.mailbox,
    name: nameOf(path),
    path,
    type: Job,
    restart: 'always',
    backoff: resolveBackoff(undefined),
    shutdownTimeoutMs: DEFAULTS.workerShutdownTimeoutMs,
    initTimeoutMs: DEFAULTS.workerInitTimeoutMs,
    ...spec,
  };
}

/** A supervisor node at `path` over `children`, in process unless `spec.isolation` says otherwise. */
export function supervisorNode(
  path: string,
  children: TreeNode[],
  spec: Partial<Omit<SupervisorNode, 'kind' | 'path' | 'children'>> = {},
): SupervisorNode {
  return {
    kind: 'supervisor',
    dynamic: false,
    maxChildren: Number.POSITIVE_INFINITY,
    restoreChildren: true,
    name: nameOf(path),
    path,
    restart: 'always',
    backoff: resolveBackoff(undefined),
    shutdownTimeoutMs: DEFAULTS.supervisorShutdownTimeoutMs,
    strategy: 'one-for-one',
    maxRestarts: Number.POSITIVE_INFINITY,
    withinMs: Number.POSITIVE_INFINITY,
    isolation: 'none',
    ...spec,
    children,
  };
}
