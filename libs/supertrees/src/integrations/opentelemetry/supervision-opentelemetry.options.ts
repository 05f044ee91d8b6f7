import { ConfigurableModuleBuilder } from '@nestjs/common';
import { metrics, type Meter } from '@opentelemetry/api';
import { checkMetricsOptions } from '../metrics.options.js';
import { BACKOFF_BUCKETS_SECONDS } from '../tree.metrics.js';

/** Options of `SupervisionOpenTelemetryModule.forRoot()`. */
export interface SupervisionOpenTelemetryOptions {
  /** The meter the instruments are created on. Default: `metrics.getMeter('nestjs-supertrees')` of the global MeterProvider. */
  meter?: Meter;
  /** Put before every instrument name. Default `'supertrees.'`. */
  prefix?: string;
  /** Bucket boundaries advised for `<prefix>backoff.delay`, in seconds. Default as for Prometheus. */
  backoffBuckets?: number[];
}

export const OPENTELEMETRY_DEFAULTS = {
  meterName: 'nestjs-supertrees',
  prefix: 'supertrees.',
  backoffBuckets: BACKOFF_BUCKETS_SECONDS,
} as const;

export interface ResolvedOpenTelemetryOptions {
  meter: Meter;
  prefix: string;
  backoffBuckets: number[];
}

export function resolveOpenTelemetryOptions(options: SupervisionOpenTelemetryOptions = {}): ResolvedOpenTelemetryOptions {
  checkMetricsOptions('SupervisionOpenTelemetryModule.forRoot', options, ['meter', 'prefix', 'backoffBuckets'], /^([a-zA-Z][\w.\-/]*)?$/);
  return {
    meter: options.meter ?? metrics.getMeter(OPENTELEMETRY_DEFAULTS.meterName),
    prefix: options.prefix ?? OPENTELEMETRY_DEFAULTS.prefix,
    backoffBuckets: [...(options.backoffBuckets ?? OPENTELEMETRY_DEFAULTS.backoffBuckets)],
  };
}

export const {
  ConfigurableModuleClass: OpenTelemetryModuleClass,
  MODULE_OPTIONS_TOKEN: SUPERVISION_OPENTELEMETRY_OPTIONS,
} = new ConfigurableModuleBuilder<SupervisionOpenTelemetryOptions>({ moduleName: 'SupervisionOpenTelemetry' })
  .setClassMethodName('forRoot')
  .build();
