import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { SupervisionPrometheusModule } from '#supertrees/prometheus';
import { SupervisionHealthModule } from '#supertrees/terminus';
import { HealthController } from './health.controller.js';
import { MetricsController } from './metrics.controller.js';
import { createMetricsRegistry, METRICS_REGISTRY } from './metrics.registry.js';

const registry = createMetricsRegistry();

/** `/health` (Terminus) and `/metrics` (Prometheus) for the demo's tree. */
@Module({
  imports: [
    TerminusModule.forRoot({ logger: false }),
    SupervisionHealthModule.forRoot(),
    SupervisionPrometheusModule.forRoot({ registry }),
  ],
  controllers: [HealthController, MetricsController],
  providers: [{ provide: METRICS_REGISTRY, useValue: registry }],
})
export class ObservabilityModule {}
