import { Module } from '@nestjs/common';
import { SupervisionModule } from '#supertrees';
import { ChaosModule } from './chaos/chaos.module.js';
import { IngestModule } from './ingest/ingest.module.js';
import { NotifyModule } from './notify/notify.module.js';
import { supervisionOptions } from './supervision.options.js';
import { TenantsModule } from './tenants/tenants.module.js';

/**
 * What each of the demo's supervisor processes boots (`bootstrapSupervised`'s `processModule`): the
 * modules whose supervisors run in a process of their own (ingest, notify, tenants), what their workers
 * use (chaos), and `forRoot` with the app's options, so each supervisor has the same path as in the app.
 * Not the modules only the app's process needs (the dashboard, the terminal view and its watchdog at
 * the root, health and metrics, the cluster demo's root workers), which every supervisor process would
 * otherwise instantiate, at each start and restart, for nothing.
 */
@Module({
  imports: [SupervisionModule.forRoot(supervisionOptions), ChaosModule, IngestModule, NotifyModule, TenantsModule],
})
export class WorkersModule {}
