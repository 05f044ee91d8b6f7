import type { Type } from '@nestjs/common';
import type { SupervisorMetadata } from '../decorators/supervisor.decorator.js';
import { getSupervisorMetadata } from '../decorators/supervisor.decorator.js';
import type { WorkerMetadata } from '../decorators/worker.decorator.js';
import { getWorkerMetadata } from '../decorators/worker.decorator.js';
import {
  DuplicateChildError,
  DuplicatePathError,
  InvalidChildError,
  InvalidScopeError,
  InvalidWorkerError,
  SupervisorCycleError,
  UnregisteredChildError,
} from '../errors/supervision-config.error.js';
import { ROOT_NAME } from '../shared/supervision.constants.js';
import { DEFAULTS, resolveBackoff, resolveMailbox, type ResolvedModuleOptions } from '../shared/supervision.defaults.js';
import { MESSAGES } from '../shared/supervision.messages.js';
import { describe, validateSupervisorOptions, validateWorkerOptions } from './options.validator.js';
import { poolMemberPath, type SupervisorNode, type TreeNode, type WorkerNode } from './tree.types.js';

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
    children: buildChildren(ROOT_NAME, rootChildren, registered, root),
  };
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
    const common = {
      name,
      path,
      type,
      restart: options.restart ?? DEFAULTS.restart,
      backoff: resolveBackoff(options.backoff),
    };
    if (entry.worker) {
      const worker = {
        ...common,
        kind: 'worker' as const,
        shutdownTimeoutMs: options.shutdownTimeoutMs ?? DEFAULTS.workerShutdownTimeoutMs,
        callable: typeof (type.prototype as { handle?: unknown }).handle === 'function',
        mailbox: resolveMailbox(entry.worker.options.mailbox),
        initTimeoutMs: entry.worker.options.initTimeoutMs ?? root.initTimeoutMs,
      };
      const instances = entry.worker.options.instances;
      if (instances === undefined) return worker;
      return Array.from({ length: instances }, (_, i) => poolMember(worker, i));
    }
    const sup = entry.supervisor!.options;
    return {
      ...common,
      kind: 'supervisor' as const,
      shutdownTimeoutMs: options.shutdownTimeoutMs ?? DEFAULTS.supervisorShutdownTimeoutMs,
      strategy: sup.strategy ?? DEFAULTS.strategy,
      maxRestarts: sup.maxRestarts ?? DEFAULTS.maxRestarts,
      withinMs: sup.withinMs ?? DEFAULTS.withinMs,
      isolation: root.forceIsolation ?? sup.isolation ?? root.defaultIsolation,
      dynamic: sup.dynamic ?? false,
      maxChildren: sup.maxChildren ?? DEFAULTS.maxChildren,
      restoreChildren: sup.restoreChildren ?? DEFAULTS.restoreChildren,
      children: buildChildren(path, sup.children ?? [], registered, root),
    };
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
