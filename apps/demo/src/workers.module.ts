import { Module } from '@nestjs/common';
import { SupervisionModule } from '#supertrees';
import { ChaosModule } from './chaos/chaos.module.js';
import { IngestModule } from './ingest/ingest.module.js';
import { NotifyModule } from './notify/notify.module.js';
import { supervisionOptions } from './supervision.options.js';
import { TenantsModule } from './tenants/tenants.module.js';

/**
 * What each of the demo's supervisor processes boots (the module main.ts gives `bootstrapSupervised`;
 * the app itself boots AppModule): the modules of the supervisors that run in a process of their own
 * (ingest, notify, tenants; their supervisors get the same paths as in the app), what their workers use
 * (chaos), and `forRoot` with the app's options, so each supervisor is built as in the app. Not
 * MonitorModule (the terminal view, the /supervision API, the root TreeWatchdog), the dashboard, health
 * and metrics, nor the cluster demo's root workers and controller: every supervisor process would
 * otherwise load and instantiate them, at each start and restart, for nothing.
 */
@Module({
  imports: [SupervisionModule.forRoot(supervisionOptions), ChaosModule, IngestModule, NotifyModule, TenantsModule],
})
export class WorkersModule {}
