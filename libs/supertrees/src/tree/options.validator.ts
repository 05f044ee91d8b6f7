import { InvalidOptionError } from '../errors/supervision-config.error.js';
import type {
  BackoffOptions,
  ChildOptions,
  ProcessOptions,
  SupervisionModuleOptions,
  SupervisionPolicyOptions,
  SupervisorOptions,
} from '../interfaces/options.interface.js';

const RESTART_POLICIES = ['always', 'on-failure', 'once', 'never'] as const;
const STRATEGIES = ['one-for-one', 'one-for-all', 'rest-for-one'] as const;
const ISOLATIONS = ['process', 'none'] as const;

interface NumberRule {
  min?: number;
  max?: number;
  integer?: boolean;
  /** min is exclusive */
  above?: boolean;
  allowInfinity?: boolean;
}

/** Checks an optional number; `owner` names the class (or `forRoot`) in the error. */
function checkNumber(owner: string, option: string, value: unknown, rule: NumberRule): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new InvalidOptionError(owner, option, `must be a number (got ${describe(value)})`);
  }
  if (!Number.isFinite(value) && !(rule.allowInfinity && value === Number.POSITIVE_INFINITY)) {
    throw new InvalidOptionError(owner, option, `must be finite (got ${value})`);
  }
  if (rule.integer && Number.isFinite(value) && !Number.isInteger(value)) {
    throw new InvalidOptionError(owner, option, `must be a whole number (got ${value})`);
  }
  if (rule.min !== undefined && (rule.above ? value <= rule.min : value < rule.min)) {
    throw new InvalidOptionError(owner, option, `must be ${rule.above ? 'greater than' : 'at least'} ${rule.min} (got ${value})`);
  }
  if (rule.max !== undefined && value > rule.max) {
    throw new InvalidOptionError(owner, option, `must be at most ${rule.max} (got ${value})`);
  }
}

function checkOneOf(owner: string, option: string, value: unknown, allowed: readonly string[]): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw new InvalidOptionError(owner, option, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')} (got ${describe(value)})`);
  }
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'function') return value.name ? `function ${value.name}` : 'a function';
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

export function validateBackoff(owner: string, backoff: BackoffOptions | undefined): void {
  if (backoff === undefined) return;
  if (backoff === null || typeof backoff !== 'object') {
    throw new InvalidOptionError(owner, 'backoff', `must be an object (got ${describe(backoff)})`);
  }
  checkNumber(owner, 'backoff.minDelayMs', backoff.minDelayMs, { min: 0 });
  checkNumber(owner, 'backoff.maxDelayMs', backoff.maxDelayMs, { min: 0 });
  checkNumber(owner, 'backoff.resetAfterMs', backoff.resetAfterMs, { min: 0 });
  checkNumber(owner, 'backoff.multiplier', backoff.multiplier, { min: 1 });
  checkNumber(owner, 'backoff.jitter', backoff.jitter, { min: 0, max: 1 });
  const min = backoff.minDelayMs ?? 50;
  const max = backoff.maxDelayMs ?? 60_000;
  if (min > max) {
    throw new InvalidOptionError(owner, 'backoff.minDelayMs', `must not exceed backoff.maxDelayMs (${min} > ${max})`);
  }
}

export function validateChildOptions(owner: string, options: ChildOptions): void {
  checkOneOf(owner, 'restart', options.restart, RESTART_POLICIES);
  validateBackoff(owner, options.backoff);
  checkNumber(owner, 'shutdownTimeoutMs', options.shutdownTimeoutMs, { min: 0 });
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '' || options.name.includes('/'))) {
    throw new InvalidOptionError(owner, 'name', `must be a non-empty string without '/' (got ${describe(options.name)})`);
  }
}

export function validatePolicy(owner: string, options: SupervisionPolicyOptions): void {
  checkOneOf(owner, 'strategy', options.strategy, STRATEGIES);
  checkNumber(owner, 'maxRestarts', options.maxRestarts, { min: 0, integer: true, allowInfinity: true });
  checkNumber(owner, 'withinMs', options.withinMs, { min: 0, above: true, allowInfinity: true });
  if (options.maxRestarts !== undefined && options.withinMs === undefined) {
    throw new InvalidOptionError(owner, 'maxRestarts', 'needs withinMs, the window the restarts are counted in');
  }
  if (options.withinMs !== undefined && options.maxRestarts === undefined) {
    throw new InvalidOptionError(owner, 'withinMs', 'has no effect without maxRestarts');
  }
}

export function validateSupervisorOptions(owner: string, options: SupervisorOptions): void {
  validateChildOptions(owner, options);
  validatePolicy(owner, options);
  checkOneOf(owner, 'isolation', options.isolation, ISOLATIONS);
  if (options.children !== undefined && !Array.isArray(options.children)) {
    throw new InvalidOptionError(owner, 'children', `must be an array of classes (got ${describe(options.children)})`);
  }
}

export function validateProcessOptions(owner: string, options: ProcessOptions | undefined): void {
  if (options === undefined) return;
  if (options.entry !== undefined && (typeof options.entry !== 'string' || options.entry === '')) {
    throw new InvalidOptionError(owner, 'process.entry', `must be a path (got ${describe(options.entry)})`);
  }
  if (options.execArgv !== undefined && !(Array.isArray(options.execArgv) && options.execArgv.every((a) => typeof a === 'string'))) {
    throw new InvalidOptionError(owner, 'process.execArgv', 'must be an array of strings');
  }
  checkNumber(owner, 'process.heartbeatIntervalMs', options.heartbeatIntervalMs, { min: 1 });
  checkNumber(owner, 'process.heartbeatTimeoutMs', options.heartbeatTimeoutMs, { min: 1 });
  checkNumber(owner, 'process.startTimeoutMs', options.startTimeoutMs, { min: 1 });
  checkNumber(owner, 'process.killTimeoutMs', options.killTimeoutMs, { min: 0 });
  checkNumber(owner, 'process.maxBufferedEvents', options.maxBufferedEvents, { min: 1, integer: true });
  const interval = options.heartbeatIntervalMs ?? 500;
  const timeout = options.heartbeatTimeoutMs ?? 5_000;
  if (timeout <= interval) {
    throw new InvalidOptionError(owner, 'process.heartbeatTimeoutMs', `must exceed process.heartbeatIntervalMs (${timeout} <= ${interval})`);
  }
}

export function validateModuleOptions(options: SupervisionModuleOptions): void {
  const owner = 'SupervisionModule.forRoot';
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError(owner, 'options', `must be an object (got ${describe(options)})`);
  }
  validatePolicy(owner, options);
  checkOneOf(owner, 'onTreeFailure', options.onTreeFailure, ['shutdown', 'keep-running']);
  checkOneOf(owner, 'defaultIsolation', options.defaultIsolation, ISOLATIONS);
  validateProcessOptions(owner, options.process);
}
