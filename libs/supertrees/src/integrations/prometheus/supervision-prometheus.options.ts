import { ConfigurableModuleBuilder } from '@nestjs/common';
import { register, type Registry } from 'prom-client';
import { checkMetricsOptions } from '../metrics.options.js';
import { BACKOFF_BUCKETS_SECONDS } from '../tree.metrics.js';

/** Options of `SupervisionPrometheusModule.forRoot()`. */
export interface SupervisionPrometheusOptions {
  /** The registry the metrics are registered in. Default: prom-client's global `register`. */
  registry?: Registry;
  /** Put before every metric name. Default `'supertrees_'`. */
  prefix?: string;
  /** Buckets of `<prefix>backoff_delay_seconds`, in seconds. Default 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300. */
  backoffBuckets?: number[];
}

export const PROMETHEUS_DEFAULTS = {
  prefix: 'supertrees_',
  backoffBuckets: BACKOFF_BUCKETS_SECONDS,
} as const;

export interface ResolvedPrometheusOptions {
  registry: Registry;
  prefix: string;
  backoffBuckets: number[];
}

export function resolvePrometheusOptions(options: SupervisionPrometheusOptions = {}): ResolvedPrometheusOptions {
  checkMetricsOptions('SupervisionPrometheusModule.forRoot', options, ['registry', 'prefix', 'backoffBuckets'], /^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/);
  return {
    registry: options.registry ?? register,
    prefix: options.prefix ?? PROMETHEUS_DEFAULTS.prefix,
    backoffBuckets: [...(options.backoffBuckets ?? PROMETHEUS_DEFAULTS.backoffBuckets)],
  };
}

export const {
  ConfigurableModuleClass: PrometheusModuleClass,
  MODULE_OPTIONS_TOKEN: SUPERVISION_PROMETHEUS_OPTIONS,
} = new ConfigurableModuleBuilder<SupervisionPrometheusOptions>({ moduleName: 'SupervisionPrometheus' })
  .setClassMethodName('forRoot')
  .build();
