import { collectDefaultMetrics, Registry } from 'prom-client';
import { isSupervisorProcess } from '#supertrees';

export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

/**
 * The demo's own registry rather than prom-client's global one. Only the app's process collects
 * Node's default metrics: a supervisor process has no /metrics, and reports its memory and
 * event-loop delay with its heartbeats instead.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  if (!isSupervisorProcess()) collectDefaultMetrics({ register: registry });
  return registry;
}
