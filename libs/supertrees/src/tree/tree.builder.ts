import type { Type } from '@nestjs/common';
import type { SupervisorMetadata } from '../decorators/supervisor.decorator.js';
import { getSupervisorMetadata } from '../decorators/supervisor.decorator.js';
import type { WorkerMetadata } from '../decorators/worker.decorator.js';
import { getWorkerMetadata } from '../decorators/worker.decorator.js';
import {
  DuplicateChildError,
  DuplicatePathError,
  InvalidChildError,
  InvalidPlacementError,
  InvalidScopeError,
  InvalidWorkerError,
  SupervisorCycleError,
  UnregisteredChildError,
} from '../errors/supervision-config.error.js';
import { ROOT_NAME } from '../shared/supervision.constants.js';
import { DEFAULTS, resolveBackoff, resolveMailbox, type ResolvedModuleOptions } from '../shared/supervision.defaults.js';
import { MESSAGES } from '../shared/supervision.messages.js';
import { UNIT_NAME_PATTERN } from '../cluster/cluster.options.js';
import type { Placement } from '../interfaces/options.interface.js';
import { describe, isPlaced, validateSupervisorOptions, validateWorkerOptions } from './options.validator.js';
import { poolMemberPath, type NodePlacement, type SupervisorNode, type TreeNode, type WorkerNode } from './tree.types.js';

/** A provider class carrying `@Worker()` or `@Supervisor()`, as the explorer found it. */
export interface DiscoveredClass {
  readonly type: Type<unknown>;
  /** Nest's provider scope: only `'default'` (singleton) can be supervised. */
  readonly scope: 'default' | 'request' | 'transient';
  readonly worker?: WorkerMetadata;
  readonly supervisor?: SupervisorMetadata;
}

/**
 * Builds the supervision tree from what discovery found, and checks it. Pure: no Nest, no I/O.
 * Classes that no supervisor lists as a child belong to the root, in discovery order.
 * Throws a {@link SupervisionConfigError} subclass naming the class and the problem.
 */
export function buildTree(discovered: readonly DiscoveredClass[], root: ResolvedModuleOptions): SupervisorNode {
  const registered = new Map<Function, DiscoveredClass>();
  for (const entry of discovered) {
    checkClass(entry);
    registered.set(entry.type, entry);
  }

  const parentOf = new Map<Function, string>();
  for (const entry of discovered) {
    if (!entry.supervisor) continue;
    entry.supervisor.options.children?.forEach((child, index) => {
      checkChildReference(entry.type.name, child, index, registered);
      if (registered.get(child)?.worker?.options.dynamic) {
        throw new InvalidChildError(MESSAGES.dynamicWorkerAsChild(entry.type.name, child.name), entry.type.name);
      }
      const previous = parentOf.get(child);
      if (previous !== undefined) throw new DuplicateChildError(child.name, previous, entry.type.name);
      parentOf.set(child, entry.type.name);
    });
  }
  checkNoCycle(discovered, registered);

  // A dynamic worker is a template for startChild(): it has no place in the tree at boot.
  const rootChildren = discovered.filter((entry) => !parentOf.has(entry.type) && !entry.worker?.options.dynamic).map((entry) => entry.type);
  return {
    kind: 'supervisor',
    name: ROOT_NAME,
    path: ROOT_NAME,
    restart: 'never',
    backoff: resolveBackoff(undefined),
    shutdownTimeoutMs: DEFAULTS.supervisorShutdownTimeoutMs,
    strategy: root.strategy,
    maxRestarts: root.maxRestarts,
    withinMs: root.withinMs,
    isolation: 'none',
    dynamic: false,
    maxChildren: DEFAULTS.maxChildren,
    restoreChildren: DEFAULTS.restoreChildren,
    children: buildChildren(ROOT_NAME, rootChildren, registered, root, NOT_PLACED),
  };
}

/** What a subtree being built inherits: the placed ancestor, if any, and whether it is one copy of several. */
interface Inherited {
  readonly placedBy?: string;
  /** Inside a partitioned supervisor: its workers run one instance each per partition. */
  readonly copies: boolean;
}
const NOT_PLACED: Inherited = { copies: false };

/** Checks a node's placement against the module options and its ancestors. */
function checkPlacement(className: string, placement: Placement | undefined, path: string, root: ResolvedModuleOptions, inherited: Inherited): boolean {
  if (!isPlaced(placement)) return false;
  if (!root.clustered) throw new InvalidPlacementError(className, MESSAGES.placementWithoutCluster(className, describePlacement(placement)));
  if (inherited.placedBy !== undefined) throw new InvalidPlacementError(className, MESSAGES.nestedPlacement(className, inherited.placedBy), inherited.placedBy);
  if (!UNIT_NAME_PATTERN.test(path)) throw new InvalidPlacementError(className, MESSAGES.placedName(className, path));
  return true;
}

function describePlacement(placement: Exclude<Placement, 'everywhere'>): string {
  return placement === 'singleton' ? "'singleton'" : `{ partitions: ${placement.partitions} }`;
}

/** The copies of a placed node: one singleton, or one per partition (path `…/Name#p`). */
function placements(placement: Exclude<Placement, 'everywhere'>, unit: string): { placement: NodePlacement; suffix: string }[] {
  if (placement === 'singleton') return [{ placement: { kind: 'singleton', unit }, suffix: '' }];
  const { partitions } = placement;
  return Array.from({ length: partitions }, (_, partition) => ({ placement: { kind: 'partitioned', unit, partitions, partition }, suffix: `#${partition}` }));
}

function checkClass(entry: DiscoveredClass): void {
  const name = entry.type.name;
  if (entry.worker && entry.supervisor) throw new InvalidWorkerError(MESSAGES.bothDecorators(name), name);
  if (entry.scope !== 'default') throw new InvalidScopeError(name, entry.scope);
  if (entry.worker) {
    validateWorkerOptions(name, entry.worker.options);
    if (typeof (entry.type.prototype as { run?: unknown }).run !== 'function') {
      throw new InvalidWorkerError(MESSAGES.workerWithoutRun(name), name);
    }
  }
  if (entry.supervisor) validateSupervisorOptions(name, entry.supervisor.options);
}

function checkChildReference(
  supervisor: string,
  child: unknown,
  index: number,
  registered: ReadonlyMap<Function, DiscoveredClass>,
): asserts child is Type<unknown> {
  if (typeof child !== 'function' || child.prototype === undefined) {
    throw new InvalidChildError(MESSAGES.notAClass(supervisor, index, describe(child)), supervisor);
  }
  if (registered.has(child)) return;
  if (getWorkerMetadata(child) || getSupervisorMetadata(child)) throw new UnregisteredChildError(supervisor, child.name);
  throw new InvalidChildError(MESSAGES.notSupervised(supervisor, child.name), supervisor);
}

function checkNoCycle(discovered: readonly DiscoveredClass[], registered: ReadonlyMap<Function, DiscoveredClass>): void {
  const done = new Set<Function>();
  const visit = (type: Function, stack: Function[]): void => {
    const at = stack.indexOf(type);
    if (at >= 0) throw new SupervisorCycleError([...stack.slice(at), type].map((t) => t.name));
    if (done.has(type)) return;
    const children = registered.get(type)?.supervisor?.options.children ?? [];
    for (const child of children) visit(child, [...stack, type]);
    done.add(type);
  };
  for (const entry of discovered) if (entry.supervisor) visit(entry.type, []);
}

function buildChildren(
  parentPath: string,
  types: readonly Type<unknown>[],
  registered: ReadonlyMap<Function, DiscoveredClass>,
  root: ResolvedModuleOptions,
  inherited: Inherited,
): TreeNode[] {
  const paths = new Map<string, string>();
  return types.flatMap((type): TreeNode | TreeNode[] => {
    const entry = registered.get(type)!;
    const options = entry.worker?.options ?? entry.supervisor!.options;
    const name = options.name ?? type.name;
    const path = `${parentPath}/${name}`;
    const clash = paths.get(path);
    if (clash !== undefined) throw new DuplicatePathError(path, clash, type.name);
    paths.set(path, type.name);
    const placed = checkPlacement(type.name, options.placement, path, root, inherited);
    const common = {
      name,
      path,
      type,
      restart: options.restart ?? DEFAULTS.restart,
      backoff: resolveBackoff(options.backoff),
    };
    if (entry.worker) {
      const worker: WorkerNode = {
        ...common,
        kind: 'worker' as const,
        shutdownTimeoutMs: options.shutdownTimeoutMs ?? DEFAULTS.workerShutdownTimeoutMs,
        callable: typeof (type.prototype as { handle?: unknown }).handle === 'function',
        mailbox: resolveMailbox(entry.worker.options.mailbox),
        initTimeoutMs: entry.worker.options.initTimeoutMs ?? root.initTimeoutMs,
        ...(inherited.copies ? { ownInstance: true } : {}),
      };
      const instances = entry.worker.options.instances;
      if (placed) {
        const copies = placements(options.placement as Exclude<Placement, 'everywhere'>, path);
        if (copies.length === 1 && options.placement === 'singleton') return { ...worker, placement: copies[0]!.placement };
        // A partitioned worker: one member per partition, each its own instance, addressed like a pool's.
        return copies.map(({ placement }, p) => ({ ...poolMember(worker, p), placement }));
      }
      if (instances === undefined) return worker;
      return Array.from({ length: instances }, (_, i) => poolMember(worker, i));
    }
    const sup = entry.supervisor!.options;
    const supervisor = (nodePath: string, nodeName: string, below: Inherited, placement?: NodePlacement): SupervisorNode => ({
      ...common,
      name: nodeName,
      path: nodePath,
      kind: 'supervisor' as const,
      shutdownTimeoutMs: options.shutdownTimeoutMs ?? DEFAULTS.supervisorShutdownTimeoutMs,
      strategy: sup.strategy ?? DEFAULTS.strategy,
      maxRestarts: sup.maxRestarts ?? DEFAULTS.maxRestarts,
      withinMs: sup.withinMs ?? DEFAULTS.withinMs,
      isolation: root.forceIsolation ?? sup.isolation ?? root.defaultIsolation,
      dynamic: sup.dynamic ?? false,
      maxChildren: sup.maxChildren ?? DEFAULTS.maxChildren,
      restoreChildren: sup.restoreChildren ?? DEFAULTS.restoreChildren,
      ...(placement ? { placement } : {}),
      children: buildChildren(nodePath, sup.children ?? [], registered, root, below),
    });
    if (!placed) return supervisor(path, name, inherited);
    // A placed supervisor carries its subtree: one copy per partition, each with its own worker instances.
    return placements(options.placement as Exclude<Placement, 'everywhere'>, path).map(({ placement, suffix }) =>
      supervisor(`${path}${suffix}`, `${name}${suffix}`, { placedBy: type.name, copies: inherited.copies || suffix !== '' }, placement),
    );
  });
}

/** Member `instance` of the pool `worker` describes: its own instance of the class, its own path. */
export function poolMember(worker: WorkerNode, instance: number): WorkerNode {
  const pool = worker.pool ?? worker.path;
  return {
    ...worker,
    name: `${worker.name.split('#')[0]}#${instance}`,
    path: poolMemberPath(pool, instance),
    pool,
    instance,
    ownInstance: true,
  };
}
