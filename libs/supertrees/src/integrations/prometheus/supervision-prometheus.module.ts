import { Module, type DynamicModule } from '@nestjs/common';
import { PrometheusModuleClass, type SupervisionPrometheusOptions } from './supervision-prometheus.options.js';
import { SupervisionPrometheusMetrics } from './supervision-prometheus.metrics.js';

/**
 * `SupervisionPrometheusModule.forRoot({ registry?, prefix? })`: registers the tree's metrics in a
 * prom-client registry (default the global one); the app serves the registry as it likes (for
 * instance `GET /metrics` returning `await registry.metrics()`). Needs `SupervisionModule` global.
 */
@Module({
  providers: [SupervisionPrometheusMetrics],
  exports: [SupervisionPrometheusMetrics],
})
export class SupervisionPrometheusModule extends PrometheusModuleClass {
  /** Every option has a default, so `forRoot()` alone will do. */
  static override forRoot(options: SupervisionPrometheusOptions = {}): DynamicModule {
    return super.forRoot(options);
  }
}
