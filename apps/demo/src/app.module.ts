import { Module } from '@nestjs/common';
import { SupervisionModule } from '#supertrees';
import { ChaosModule } from './chaos/chaos.module.js';
import { DemoDashboardModule } from './dashboard/demo-dashboard.module.js';
import { IngestModule } from './ingest/ingest.module.js';
import { MonitorModule } from './monitor/monitor.module.js';
import { NotifyModule } from './notify/notify.module.js';
import { ObservabilityModule } from './observability/observability.module.js';

@Module({
  imports: [
    // The terminal view reports every failure, so the library's own failure logs are switched off here.
    SupervisionModule.forRoot({ strategy: 'one-for-one', logging: false }),
    ChaosModule,
    IngestModule,
    NotifyModule,
    MonitorModule,
    ObservabilityModule,
    DemoDashboardModule,
  ],
})
export class AppModule {}
