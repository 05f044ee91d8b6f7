// nestjs-supertrees/terminus: health checks through @nestjs/terminus (an optional peer dependency,
// loaded only by this entry point).
export { SupervisionHealthModule } from './supervision-health.module.js';
export { SupervisionHealthIndicator } from './supervision-health.indicator.js';
export { HEALTH_DEFAULTS, type SupervisionHealthOptions } from './supervision-health.options.js';
export type { TreeHealth } from './tree-health.tracker.js';
