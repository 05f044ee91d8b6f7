import { Injectable, Scope, type Type } from '@nestjs/common';
import { DiscoveryService, ModuleRef } from '@nestjs/core';
import { getSupervisorMetadata } from '../decorators/supervisor.decorator.js';
import { getWorkerMetadata } from '../decorators/worker.decorator.js';
import type { DiscoveredClass } from '../tree/tree.builder.js';

/** What discovery found: the decorated classes in order, and each one's singleton instance. */
export interface Discovery {
  readonly classes: DiscoveredClass[];
  readonly instances: ReadonlyMap<Function, unknown>;
  /** The ModuleRef of the module that provides each worker class: it makes further instances with their dependencies. */
  readonly moduleRefs: ReadonlyMap<Function, ModuleRef>;
}

/** Finds every provider carrying `@Worker()` or `@Supervisor()` (like @nestjs/schedule's explorer). */
@Injectable()
export class SupervisionExplorer {
  constructor(private readonly discovery: DiscoveryService) {}

  explore(): Discovery {
    const classes: DiscoveredClass[] = [];
    const seen = new Set<Function>();
    const instances = new Map<Function, unknown>();
    const moduleRefs = new Map<Function, ModuleRef>();
    for (const wrapper of this.discovery.getProviders()) {
      const type = wrapper.metatype as Type<unknown> | undefined;
      if (typeof type !== 'function' || seen.has(type)) continue;
      seen.add(type);
      const worker = getWorkerMetadata(type);
      const supervisor = getSupervisorMetadata(type);
      if (!worker && !supervisor) continue;
      const scope =
        wrapper.scope === Scope.TRANSIENT ? 'transient' : wrapper.isDependencyTreeStatic() ? 'default' : 'request';
      classes.push({ type, scope, worker, supervisor });
      if (scope === 'default') instances.set(type, wrapper.instance);
      const moduleRef = wrapper.host?.getProviderByKey<ModuleRef>(ModuleRef)?.instance;
      if (worker && moduleRef) moduleRefs.set(type, moduleRef);
    }
    return { classes, instances, moduleRefs };
  }
}
