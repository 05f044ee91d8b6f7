import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Type } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import type { SupervisionModuleOptions, WorkerOptions } from '../interfaces/options.interface.js';
import { resolveModuleOptions, type ResolvedModuleOptions } from '../shared/supervision.defaults.js';
import { MESSAGES } from '../shared/supervision.messages.js';
import { SUPERVISION_OPTIONS } from '../shared/supervision.module-definition.js';
import { validateModuleOptions } from '../tree/options.validator.js';
import { buildTree } from '../tree/tree.builder.js';
import type { SupervisorNode } from '../tree/tree.types.js';
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
   * class that declares no dependency at all is constructed directly: what Nest's `ModuleRef.create()`
   * would do for it, without its injector's bookkeeping (most of a dynamic child's start).
   */
  createWorker(type: Function): Promise<unknown> {
    const moduleRef = this.get().moduleRefs.get(type);
    if (!moduleRef) return Promise.reject(new Error(`${type.name} is not a @Worker() provider of any module`));
    let bare = this.withoutDependencies.get(type);
    if (bare === undefined) {
      bare = declaresNoDependency(type);
      this.withoutDependencies.set(type, bare);
    }
    if (!bare) return moduleRef.create(type as Type<unknown>);
    try {
      return Promise.resolve(new (type as Type<unknown>)());
    } catch (error) {
      return Promise.reject(error);
    }
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
