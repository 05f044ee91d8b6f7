// nestjs-supertrees/prometheus: the tree's metrics through prom-client (an optional peer
// dependency, loaded only by this entry point).
export { SupervisionPrometheusModule } from './supervision-prometheus.module.js';
export { SupervisionPrometheusMetrics } from './supervision-prometheus.metrics.js';
export { PROMETHEUS_DEFAULTS, type SupervisionPrometheusOptions } from './supervision-prometheus.options.js';
