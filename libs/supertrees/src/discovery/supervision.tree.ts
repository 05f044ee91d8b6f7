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
        workers.set(entry.type.name, { type: entry.type, options: entry.worker.options });
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
    const found = this.get().workers.get(name);
    if (!found || found.options.initTimeoutMs !== undefined) return found;
    return { type: found.type, options: { ...found.options, initTimeoutMs: this.options.initTimeoutMs } };
  }

  /** A new instance of a worker class, its dependencies injected by the module that provides it. */
  createWorker(type: Function): Promise<unknown> {
    const moduleRef = this.get().moduleRefs.get(type);
    if (!moduleRef) return Promise.reject(new Error(`${type.name} is not a @Worker() provider of any module`));
    return moduleRef.create(type as Type<unknown>);
  }

  private get(): NonNullable<typeof this.built> {
    if (!this.built) throw new Error(MESSAGES.notStarted());
    return this.built;
  }
}
