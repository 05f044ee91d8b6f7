import { Module, type DynamicModule } from '@nestjs/common';
import { OpenTelemetryModuleClass, type SupervisionOpenTelemetryOptions } from './supervision-opentelemetry.options.js';
import { SupervisionOpenTelemetryMetrics } from './supervision-opentelemetry.metrics.js';

/**
 * `SupervisionOpenTelemetryModule.forRoot({ meter?, prefix? })`: the tree's metrics on an
 * OpenTelemetry `Meter` (default: one of the global MeterProvider). Needs `SupervisionModule` global.
 */
@Module({
  providers: [SupervisionOpenTelemetryMetrics],
  exports: [SupervisionOpenTelemetryMetrics],
})
export class SupervisionOpenTelemetryModule extends OpenTelemetryModuleClass {
  /** Every option has a default, so `forRoot()` alone will do. */
  static override forRoot(options: SupervisionOpenTelemetryOptions = {}): DynamicModule {
    return super.forRoot(options);
  }
}
