import { ConfigurableModuleBuilder } from '@nestjs/common';
import { InvalidOptionError } from '../../errors/supervision-config.error.js';

/** Options of `SupervisionHealthModule.forRoot()`. */
export interface SupervisionHealthOptions {
  /** The key of the indicator's entry in Terminus's response. Default `'supervision'`. */
  key?: string;
  /**
   * A node that has waited longer than this for one restart (it is in `backoff`) makes the tree
   * unhealthy (ms). With the default backoff (50 ms growing by 1.2) a delay this long takes some 35
   * consecutive failures: a crash loop. Default 30 000.
   */
  stuckInBackoffMs?: number;
  /**
   * A supervisor process that missed this many heartbeats in a row makes the tree unhealthy, well
   * before `process.heartbeatTimeoutMs` has it killed. Default 3.
   */
  maxMissedHeartbeats?: number;
}

export const HEALTH_DEFAULTS = {
  key: 'supervision',
  stuckInBackoffMs: 30_000,
  maxMissedHeartbeats: 3,
} as const satisfies Required<SupervisionHealthOptions>;

export type ResolvedHealthOptions = Required<SupervisionHealthOptions>;

/** Checks and completes the options once, in the one provider that uses them. */
export function resolveHealthOptions(options: SupervisionHealthOptions = {}): ResolvedHealthOptions {
  const owner = 'SupervisionHealthModule.forRoot';
  const allowed = ['key', 'stuckInBackoffMs', 'maxMissedHeartbeats'];
  for (const name of Object.keys(options)) {
    if (!allowed.includes(name)) throw new InvalidOptionError(owner, name, `is not an option (known: ${allowed.join(', ')})`);
  }
  if (options.key !== undefined && (typeof options.key !== 'string' || options.key === '')) {
    throw new InvalidOptionError(owner, 'key', 'must be a non-empty string');
  }
  for (const [name, min] of [['stuckInBackoffMs', 0], ['maxMissedHeartbeats', 1]] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < min)) {
      throw new InvalidOptionError(owner, name, `must be a finite number of at least ${min} (got ${String(value)})`);
    }
  }
  return {
    key: options.key ?? HEALTH_DEFAULTS.key,
    stuckInBackoffMs: options.stuckInBackoffMs ?? HEALTH_DEFAULTS.stuckInBackoffMs,
    maxMissedHeartbeats: options.maxMissedHeartbeats ?? HEALTH_DEFAULTS.maxMissedHeartbeats,
  };
}

export const {
  ConfigurableModuleClass: HealthModuleClass,
  MODULE_OPTIONS_TOKEN: SUPERVISION_HEALTH_OPTIONS,
} = new ConfigurableModuleBuilder<SupervisionHealthOptions>({ moduleName: 'SupervisionHealth' })
  .setClassMethodName('forRoot')
  .build();
