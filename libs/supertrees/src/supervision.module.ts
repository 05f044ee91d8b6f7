import { Module } from '@nestjs/common';
import { DiscoveryModule, ModulesContainer } from '@nestjs/core';
import { SupervisionExplorer } from './discovery/supervision.explorer.js';
import { SupervisionTree } from './discovery/supervision.tree.js';
import { CallRouter } from './call.router.js';
import { SupervisionEventBus } from './events/event.bus.js';
import { MainEventSink } from './events/main.event-sink.js';
import { SnapshotStore } from './events/snapshot.js';
import { exitIfUnsupervisedBoot } from './forked/unsupervised-boot.check.js';
import { ProcessHosting } from './process/process.hosting.js';
import { ConfigurableModuleClass } from './shared/supervision.module-definition.js';
import { SupervisionEventHandlers } from './supervision.event-handlers.js';
import { SupervisionOrchestrator } from './supervision.orchestrator.js';
import { SupervisionService } from './supervision.service.js';
import { SupervisionCluster } from './supervision.cluster.js';

/**
 * `SupervisionModule.forRoot({...})` / `forRootAsync({...})` in the app's root module. Global by
 * default (`isGlobal: false` to opt out), so `SupervisionService` can be injected anywhere.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    SupervisionExplorer,
    SupervisionTree,
    // The snapshot of the whole tree: made now, filled from the tree once it is built.
    { provide: SnapshotStore, useFactory: (tree: SupervisionTree) => new SnapshotStore(() => tree.root), inject: [SupervisionTree] },
    SupervisionEventBus,
    MainEventSink,
    ProcessHosting,
    SupervisionCluster,
    SupervisionOrchestrator,
    CallRouter,
    SupervisionService,
    SupervisionEventHandlers,
  ],
  exports: [SupervisionService],
})
export class SupervisionModule extends ConfigurableModuleClass {
  constructor(modules: ModulesContainer) {
    super();
    // First, before any hook of the app runs or a port opens: a supervisor process whose script
    // skipped bootstrapSupervised() would otherwise go on to boot and serve the whole app.
    exitIfUnsupervisedBoot();
    // Nest runs init and bootstrap hooks from the deepest module up, and destroy hooks the other
    // way. Pinning this module below every other makes the tree start after all other modules
    // have bootstrapped and stop before any other module's onModuleDestroy closes what workers use.
    for (const moduleRef of modules.values()) {
      if (moduleRef.metatype === SupervisionModule) moduleRef.distance = -1;
    }
  }
}
