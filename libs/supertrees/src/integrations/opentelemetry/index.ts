// nestjs-supertrees/opentelemetry: the tree's metrics through the OpenTelemetry metrics API
// (@opentelemetry/api, an optional peer dependency, loaded only by this entry point).
export { SupervisionOpenTelemetryModule } from './supervision-opentelemetry.module.js';
export { SupervisionOpenTelemetryMetrics } from './supervision-opentelemetry.metrics.js';
export { OPENTELEMETRY_DEFAULTS, type SupervisionOpenTelemetryOptions } from './supervision-opentelemetry.options.js';
