import type { Type } from '@nestjs/common';
import type { Isolation, RestartPolicy, SupervisionStrategy } from '../interfaces/options.interface.js';
import type { ResolvedBackoff } from '../shared/supervision.defaults.js';

/** What every node has as a child of its supervisor (OTP's child spec). */
export interface ChildSpec {
  /** The node's name: its class name unless `name` was given. */
  readonly name: string;
  /** `root/…/name`: unique in the tree, the node's identity in events and snapshots. */
  readonly path: string;
  readonly restart: RestartPolicy;
  readonly backoff: ResolvedBackoff;
  readonly shutdownTimeoutMs: number;
}

export interface WorkerNode extends ChildSpec {
  readonly kind: 'worker';
  /** How long `init()` may take (ms); may be `Infinity`. */
  readonly initTimeoutMs: number;
  readonly type: Type<unknown>;
}

export interface SupervisorNode extends ChildSpec {
  readonly kind: 'supervisor';
  /** The decorated class; undefined for the root. */
  readonly type?: Type<unknown>;
  readonly strategy: SupervisionStrategy;
  readonly maxRestarts: number;
  readonly withinMs: number;
  /** The root runs in the app's own process: its isolation is always `'none'`. */
  readonly isolation: Isolation;
  readonly children: readonly TreeNode[];
}

export type TreeNode = WorkerNode | SupervisorNode;

/** Every node of the tree, depth-first, parents before children. */
export function* walkTree(node: TreeNode): Generator<TreeNode> {
  yield node;
  if (node.kind === 'supervisor') {
    for (const child of node.children) yield* walkTree(child);
  }
}

export function findNode(root: TreeNode, path: string): TreeNode | undefined {
  for (const node of walkTree(root)) if (node.path === path) return node;
  return undefined;
}

/** The supervisors with process isolation that a process running `node` forks itself (not through another process). */
export function countProcessChildren(node: SupervisorNode): number {
  return node.children.reduce((count, child) => {
    if (child.kind !== 'supervisor') return count;
    return count + (child.isolation === 'process' ? 1 : countProcessChildren(child));
  }, 0);
}
