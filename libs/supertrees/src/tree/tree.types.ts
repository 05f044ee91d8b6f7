import type { Type } from '@nestjs/common';
import type { Isolation, RestartPolicy, SupervisionStrategy } from '../interfaces/options.interface.js';
import type { ResolvedBackoff, ResolvedMailbox } from '../shared/supervision.defaults.js';

/** What every node has as a child of its supervisor (OTP's child spec). */
export interface ChildSpec {
  /** The node's name: its class name unless `name` was given. */
  readonly name: string;
  /** `root/…/name`: unique in the tree, the node's identity in events and snapshots. */
  readonly path: string;
  readonly restart: RestartPolicy;
  readonly backoff: ResolvedBackoff;
  readonly shutdownTimeoutMs: number;
  /**
   * Cluster mode: set on a placed node (a singleton, or one partition of a partitioned node), absent
   * for one placed everywhere. `unit` is its lease's unit name (the static path, without `#p`).
   */
  readonly placement?: NodePlacement;
}

/** Where a placed node runs: see `ChildOptions.placement`. */
export type NodePlacement =
  | { readonly kind: 'singleton'; readonly unit: string }
  | { readonly kind: 'partitioned'; readonly unit: string; readonly partitions: number; readonly partition: number };

/** The lease unit of a placed node: `{ name, partitions? }`, one per singleton or partitioned node. */
export function placedUnits(root: TreeNode): { name: string; partitions?: number }[] {
  const units = new Map<string, { name: string; partitions?: number }>();
  for (const node of walkTree(root)) {
    const p = node.placement;
    if (p && !units.has(p.unit)) units.set(p.unit, p.kind === 'singleton' ? { name: p.unit } : { name: p.unit, partitions: p.partitions });
  }
  return [...units.values()];
}

/** Every placed node at or below `node`. */
export function placedNodes(node: TreeNode): TreeNode[] {
  return [...walkTree(node)].filter((n) => n.placement !== undefined);
}

export interface WorkerNode extends ChildSpec {
  readonly kind: 'worker';
  /** How long `init()` may take (ms); may be `Infinity`. */
  readonly initTimeoutMs: number;
  readonly type: Type<unknown>;
  /** Whether its class has a `handle()` method, so it can be called. */
  readonly callable: boolean;
  readonly mailbox: ResolvedMailbox;
  /** A pool member: its index, and the pool's path (the path without `#index`). */
  readonly instance?: number;
  readonly pool?: string;
  /** A dynamic child: its id under its supervisor, and its args (JSON data). */
  readonly id?: string;
  readonly args?: unknown;
  /** Runs its own instance of the class (pools, dynamic children), made with Nest's ModuleRef; else the singleton. */
  readonly ownInstance?: boolean;
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
  /** Starts empty; children come from startChild(). Its strategy is one-for-one. */
  readonly dynamic: boolean;
  readonly maxChildren: number;
  readonly restoreChildren: boolean;
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

/** The path of a node's supervisor. */
export function parentPath(path: string): string {
  const end = path.lastIndexOf('/');
  return end > 0 ? path.slice(0, end) : '';
}

/** The path of pool member `instance` of the pool at `pool`. */
export function poolMemberPath(pool: string, instance: number): string {
  return `${pool}#${instance}`;
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
