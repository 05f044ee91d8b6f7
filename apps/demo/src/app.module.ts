import { Module } from '@nestjs/common';
import { SupervisionModule } from '#supertrees';
import { ChaosModule } from './chaos/chaos.module.js';
import { ClusterDemoModule } from './cluster/cluster-demo.module.js';
import { DemoDashboardModule } from './dashboard/demo-dashboard.module.js';
import { IngestModule } from './ingest/ingest.module.js';
import { MonitorModule } from './monitor/monitor.module.js';
import { NotifyModule } from './notify/notify.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { TenantsModule } from './tenants/tenants.module.js';
import { demoConfig } from './demo.config.js';
import { supervisionOptions } from './supervision.options.js';

@Module({
  imports: [
    SupervisionModule.forRoot(supervisionOptions),
    ChaosModule,
    IngestModule,
    NotifyModule,
    MonitorModule,
    ObservabilityModule,
    DemoDashboardModule,
    TenantsModule,
    ...(demoConfig.cluster ? [ClusterDemoModule] : []),
  ],
})
export class AppModule {}
