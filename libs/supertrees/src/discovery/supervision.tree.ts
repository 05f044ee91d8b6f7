import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Type } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import type { SupervisionModuleOptions, WorkerOptions } from '../interfaces/options.interface.js';
import { resolveModuleOptions, type ResolvedModuleOptions } from '../shared/supervision.defaults.js';
import { MESSAGES } from '../shared/supervision.messages.js';
import { SUPERVISION_OPTIONS } from '../shared/supervision.module-definition.js';
import { validateModuleOptions } from '../tree/options.validator.js';
import { buildTree } from '../tree/tree.builder.js';
import { walkTree, type SupervisorNode, type TreeNode } from '../tree/tree.types.js';
import { SupervisionExplorer } from './supervision.explorer.js';

/**
 * The tree of this app, as its decorators and module options describe it: checks the options,
 * discovers the decorated providers and builds the tree in `onModuleInit`, so a bad configuration
 * fails `app.init()` before anything starts. The main process and every supervisor process build
 * the same tree from the same code; each runs its part of it.
 */
@Injectable()
export class SupervisionTree implements OnModuleInit {
  private built?: {
    readonly options: ResolvedModuleOptions;
    readonly root: SupervisorNode;
    readonly instances: ReadonlyMap<Function, unknown>;
    readonly workers: ReadonlyMap<string, { readonly type: Type<unknown>; readonly options: WorkerOptions }>;
    readonly moduleRefs: ReadonlyMap<Function, ModuleRef>;
  };
  /**
   * The static tree's nodes by path, and the first node of each class in tree order, indexed on
   * first use: `startChild()` and the per-child commands look their supervisor up on every call.
   */
  private index?: { readonly byPath: ReadonlyMap<string, TreeNode>; readonly byType: ReadonlyMap<Function, TreeNode> };

  /** Per worker class: true when it declares no constructor or property dependency (see {@link createWorker}). */
  private readonly withoutDependencies = new Map<Function, boolean>();

  constructor(
    @Inject(SUPERVISION_OPTIONS) private readonly rawOptions: SupervisionModuleOptions,
    private readonly explorer: SupervisionExplorer,
  ) {}

  onModuleInit(): void {
    validateModuleOptions(this.rawOptions);
    const options = resolveModuleOptions(this.rawOptions);
    const discovery = this.explorer.explore();
    const workers = new Map<string, { type: Type<unknown>; options: WorkerOptions }>();
    for (const entry of discovery.classes) {
      // The first class of a name wins: a class crosses a process boundary by its name.
      if (entry.worker && entry.scope === 'default' && !workers.has(entry.type.name)) {
        const own = entry.worker.options;
        // forRoot's initTimeoutMs where the class sets none, resolved once: startChild() reads this for every child.
        workers.set(entry.type.name, { type: entry.type, options: own.initTimeoutMs !== undefined ? own : { ...own, initTimeoutMs: options.initTimeoutMs } });
      }
    }
    this.built = {
      options,
      root: buildTree(discovery.classes, options),
      instances: discovery.instances,
      workers,
      moduleRefs: discovery.moduleRefs,
    };
  }

  /** The root supervisor and everything below it. */
  get root(): SupervisorNode {
    return this.get().root;
  }

  /** The node of the static tree at `path`, if any (dynamic children are not in it). */
  nodeAt(path: string): TreeNode | undefined {
    return this.indexed().byPath.get(path);
  }

  /** The first node of class `type` in tree order (a pool's member #0), if any. */
  nodeOfType(type: Function): TreeNode | undefined {
    return this.indexed().byType.get(type);
  }

  private indexed(): NonNullable<typeof this.index> {
    if (!this.index) {
      const byPath = new Map<string, TreeNode>();
      const byType = new Map<Function, TreeNode>();
      for (const node of walkTree(this.root)) {
        byPath.set(node.path, node);
        if (node.type && !byType.has(node.type)) byType.set(node.type, node);
      }
      this.index = { byPath, byType };
    }
    return this.index;
  }

  get options(): ResolvedModuleOptions {
    return this.get().options;
  }

  /** `forRoot`'s `cluster` option as given (checked in `onModuleInit`); undefined without cluster mode. */
  get clusterOptions(): SupervisionModuleOptions['cluster'] {
    return this.rawOptions.cluster;
  }

  /** The singleton instance Nest made of each decorated class. */
  get instances(): ReadonlyMap<Function, unknown> {
    return this.get().instances;
  }

  /** The `@Worker` class named `name` (a singleton provider), with its options (forRoot's `initTimeoutMs` where it sets none). */
  worker(name: string): { readonly type: Type<unknown>; readonly options: WorkerOptions } | undefined {
    return this.get().workers.get(name);
  }

  /**
   * A new instance of a worker class, its dependencies injected by the module that provides it. A
   * class that declares no dependency at all is constructed directly, and returned as is (a throw of
   * its constructor is thrown): what Nest's `ModuleRef.create()` would do for it, without its
   * injector's bookkeeping or a promise (most of a dynamic child's start). Any other class: a
   * promise of its instance, from `ModuleRef.create()`.
   */
  createWorker(type: Function): unknown {
    const moduleRef = this.get().moduleRefs.get(type);
    if (!moduleRef) return Promise.reject(new Error(`${type.name} is not a @Worker() provider of any module`));
    let bare = this.withoutDependencies.get(type);
    if (bare === undefined) {
      bare = declaresNoDependency(type);
      this.withoutDependencies.set(type, bare);
    }
    if (!bare) return moduleRef.create(type as Type<unknown>);
    return new (type as Type<unknown>)();
  }

  private get(): NonNullable<typeof this.built> {
    if (!this.built) throw new Error(MESSAGES.notStarted());
    return this.built;
  }
}

/** Nest's metadata keys of a class's dependencies (`@nestjs/common`'s constants). */
const DEPENDENCY_METADATA = ['design:paramtypes', 'self:paramtypes', 'self:properties_metadata'];

/** True when `type` (or a class it extends) declares no constructor parameter and no injected property. */
function declaresNoDependency(type: Function): boolean {
  if (type.length > 0) return false;
  return DEPENDENCY_METADATA.every((key) => {
    const declared = Reflect.getMetadata(key, type) as readonly unknown[] | undefined;
    return declared === undefined || declared.length === 0;
  });
}
