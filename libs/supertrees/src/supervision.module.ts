import { Module } from '@nestjs/common';
import { DiscoveryModule, ModulesContainer } from '@nestjs/core';
import { SupervisionEventBus } from './events/event.bus.js';
import { SupervisionExplorer } from './supervision.explorer.js';
import { ConfigurableModuleClass } from './supervision.module-definition.js';
import { SupervisionOrchestrator } from './supervision.orchestrator.js';
import { SupervisionService } from './supervision.service.js';

/**
 * `SupervisionModule.forRoot({...})` / `forRootAsync({...})` in the app's root module. Global by
 * default (`isGlobal: false` to opt out), so `SupervisionService` can be injected anywhere.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [SupervisionExplorer, SupervisionEventBus, SupervisionOrchestrator, SupervisionService],
  exports: [SupervisionService],
})
export class SupervisionModule extends ConfigurableModuleClass {
  constructor(modules: ModulesContainer) {
    super();
    // Nest runs init and bootstrap hooks from the deepest module up, and destroy hooks the other
    // way. Pinning this module below every other makes the tree start after all other modules
    // have bootstrapped and stop before any other module's onModuleDestroy closes what workers use.
    for (const moduleRef of modules.values()) {
      if (moduleRef.metatype === SupervisionModule) moduleRef.distance = -1;
    }
  }
}
