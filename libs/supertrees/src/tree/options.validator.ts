import { InvalidOptionError, InvalidPlacementError } from '../errors/supervision-config.error.js';
import { CLUSTER_DEFAULTS, resolveClusterOptions } from '../cluster/cluster.options.js';
import { MESSAGES } from '../shared/supervision.messages.js';
import { DEFAULTS } from '../shared/supervision.defaults.js';
import type {
  BackoffOptions,
  ChildOptions,
  MailboxOptions,
  Placement,
  ProcessOptions,
  SupervisionModuleOptions,
  SupervisionPolicyOptions,
  SupervisorOptions,
  WorkerOptions,
} from '../interfaces/options.interface.js';

const RESTART_POLICIES = ['always', 'on-failure', 'once', 'never'] as const;
const STRATEGIES = ['one-for-one', 'one-for-all', 'rest-for-one'] as const;
const ISOLATIONS = ['process', 'none'] as const;
const BACKOFF_KEYS = ['minDelayMs', 'maxDelayMs', 'resetAfterMs', 'multiplier', 'jitter'];
const CHILD_KEYS = ['restart', 'backoff', 'shutdownTimeoutMs', 'name', 'placement'];
const WORKER_KEYS = [...CHILD_KEYS, 'initTimeoutMs', 'instances', 'dynamic', 'mailbox'];
const MAILBOX_KEYS = ['capacity', 'concurrency', 'maxMessageBytes'];
const SUPERVISOR_KEYS = [...CHILD_KEYS, 'children', 'strategy', 'maxRestarts', 'withinMs', 'isolation', 'dynamic', 'maxChildren', 'restoreChildren'];
const PROCESS_KEYS = [
  'entry',
  'execArgv',
  'env',
  'heartbeatIntervalMs',
  'heartbeatTimeoutMs',
  'startTimeoutMs',
  'killTimeoutMs',
  'maxBufferedEvents',
  'standby',
  'maxSemiSpaceMiB',
  'maxMemoryMiB',
];
// `isGlobal` is forRoot's module-level extra (see supervision.module-definition.ts).
const MODULE_KEYS = [
  'strategy',
  'maxRestarts',
  'withinMs',
  'onTreeFailure',
  'defaultIsolation',
  'forceIsolation',
  'process',
  'autoStart',
  'start',
  'logging',
  'initTimeoutMs',
  'cluster',
  'isGlobal',
];

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
  checkObject(owner, 'backoff', backoff);
  checkNumber(owner, 'backoff.minDelayMs', backoff.minDelayMs, { min: 0 });
  checkNumber(owner, 'backoff.maxDelayMs', backoff.maxDelayMs, { min: 0 });
  checkNumber(owner, 'backoff.resetAfterMs', backoff.resetAfterMs, { min: 0 });
  checkNumber(owner, 'backoff.multiplier', backoff.multiplier, { min: 1 });
  checkNumber(owner, 'backoff.jitter', backoff.jitter, { min: 0, max: 1 });
  checkKeys(owner, 'backoff.', backoff, BACKOFF_KEYS);
  const min = backoff.minDelayMs ?? DEFAULTS.backoff.minDelayMs;
  const max = backoff.maxDelayMs ?? DEFAULTS.backoff.maxDelayMs;
  if (min > max) {
    // Blame the bound the user set, and say when the other one is the default.
    if (backoff.minDelayMs === undefined) {
      throw new InvalidOptionError(owner, 'backoff.maxDelayMs', `must be at least backoff.minDelayMs (${max} < ${min}, the default)`);
    }
    const note = backoff.maxDelayMs === undefined ? ', the default' : '';
    throw new InvalidOptionError(owner, 'backoff.minDelayMs', `must not exceed backoff.maxDelayMs (${min} > ${max}${note})`);
  }
}

/** Rejects keys that are not options, so a typo (`maxRestart`) is not silently ignored. */
function checkKeys(owner: string, prefix: string, options: object, allowed: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new InvalidOptionError(owner, `${prefix}${key}`, `is not an option (known: ${allowed.join(', ')})`);
    }
  }
}

function checkObject(owner: string, option: string, value: unknown): asserts value is object {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionError(owner, option, `must be an object (got ${describe(value)})`);
  }
}

function checkBoolean(owner: string, option: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new InvalidOptionError(owner, option, `must be true or false (got ${describe(value)})`);
  }
}

/** `@Worker()` options. */
export function validateWorkerOptions(owner: string, options: WorkerOptions): void {
  checkObject(owner, '@Worker() options', options);
  checkKeys(owner, '', options, WORKER_KEYS);
  validateChildOptions(owner, options);
  checkNumber(owner, 'initTimeoutMs', options.initTimeoutMs, { min: 1, allowInfinity: true });
  checkNumber(owner, 'instances', options.instances, { min: 1, integer: true });
  checkBoolean(owner, 'dynamic', options.dynamic);
  if (options.dynamic && options.instances !== undefined) {
    throw new InvalidOptionError(owner, 'instances', 'cannot be set on a dynamic worker; start as many as needed with startChild()');
  }
  validateMailbox(owner, options.mailbox);
  if (isPlaced(options.placement)) {
    if (options.instances !== undefined) throw new InvalidPlacementError(owner, MESSAGES.placedPool(owner));
    if (options.dynamic) throw new InvalidPlacementError(owner, MESSAGES.placedDynamic(owner));
  }
}

/** True for a placement other than everywhere (the default). */
export function isPlaced(placement: Placement | undefined): placement is Exclude<Placement, 'everywhere'> {
  return placement !== undefined && placement !== 'everywhere';
}

/** `'everywhere'`, `'singleton'` or `{ partitions: 1..1024 }`. */
export function validatePlacement(owner: string, placement: unknown): void {
  if (placement === undefined || placement === 'everywhere' || placement === 'singleton') return;
  if (placement === null || typeof placement !== 'object' || Array.isArray(placement)) {
    throw new InvalidOptionError(owner, 'placement', `must be 'everywhere', 'singleton' or { partitions: N } (got ${describe(placement)})`);
  }
  checkKeys(owner, 'placement.', placement, ['partitions']);
  const { partitions } = placement as { partitions?: unknown };
  const max = CLUSTER_DEFAULTS.maxPartitions;
  if (typeof partitions !== 'number' || !Number.isInteger(partitions) || partitions < 1 || partitions > max) {
    throw new InvalidOptionError(owner, 'placement.partitions', `must be a whole number from 1 to ${max} (got ${describe(partitions)})`);
  }
}

export function validateMailbox(owner: string, mailbox: MailboxOptions | undefined): void {
  if (mailbox === undefined) return;
  checkObject(owner, 'mailbox', mailbox);
  checkKeys(owner, 'mailbox.', mailbox, MAILBOX_KEYS);
  checkNumber(owner, 'mailbox.capacity', mailbox.capacity, { min: 1, integer: true });
  checkNumber(owner, 'mailbox.concurrency', mailbox.concurrency, { min: 1, integer: true });
  checkNumber(owner, 'mailbox.maxMessageBytes', mailbox.maxMessageBytes, { min: 16, integer: true });
}

export function validateChildOptions(owner: string, options: ChildOptions): void {
  checkOneOf(owner, 'restart', options.restart, RESTART_POLICIES);
  validateBackoff(owner, options.backoff);
  checkNumber(owner, 'shutdownTimeoutMs', options.shutdownTimeoutMs, { min: 0 });
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '' || options.name.includes('/'))) {
    throw new InvalidOptionError(owner, 'name', `must be a non-empty string without '/' (got ${describe(options.name)})`);
  }
  validatePlacement(owner, options.placement);
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
  checkObject(owner, '@Supervisor() options', options);
  checkKeys(owner, '', options, SUPERVISOR_KEYS);
  validateChildOptions(owner, options);
  validatePolicy(owner, options);
  checkOneOf(owner, 'isolation', options.isolation, ISOLATIONS);
  if (options.children !== undefined && !Array.isArray(options.children)) {
    throw new InvalidOptionError(owner, 'children', `must be an array of classes (got ${describe(options.children)})`);
  }
  checkBoolean(owner, 'dynamic', options.dynamic);
  checkBoolean(owner, 'restoreChildren', options.restoreChildren);
  checkNumber(owner, 'maxChildren', options.maxChildren, { min: 1, integer: true, allowInfinity: true });
  if (options.dynamic) {
    if (options.children !== undefined && options.children.length > 0) {
      throw new InvalidOptionError(owner, 'children', 'must be empty on a dynamic supervisor; its children are started with startChild()');
    }
    if (options.strategy !== undefined && options.strategy !== 'one-for-one') {
      throw new InvalidOptionError(owner, 'strategy', `must be 'one-for-one' on a dynamic supervisor (got '${options.strategy}')`);
    }
  } else {
    if (options.maxChildren !== undefined) throw new InvalidOptionError(owner, 'maxChildren', 'needs dynamic: true');
    if (options.restoreChildren !== undefined) throw new InvalidOptionError(owner, 'restoreChildren', 'needs dynamic: true');
  }
}

export function validateProcessOptions(owner: string, options: ProcessOptions | undefined): void {
  if (options === undefined) return;
  checkObject(owner, 'process', options);
  checkKeys(owner, 'process.', options, PROCESS_KEYS);
  if (options.env !== undefined) {
    checkObject(owner, 'process.env', options.env);
    for (const [key, value] of Object.entries(options.env)) {
      if (typeof value !== 'string') throw new InvalidOptionError(owner, `process.env.${key}`, `must be a string (got ${describe(value)})`);
    }
  }
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
  checkNumber(owner, 'process.standby', options.standby, { min: 0, integer: true });
  checkNumber(owner, 'process.maxMemoryMiB', options.maxMemoryMiB, { min: 1 });
  checkNumber(owner, 'process.maxSemiSpaceMiB', options.maxSemiSpaceMiB, { min: 0, max: 1_024, integer: true });
  const interval = options.heartbeatIntervalMs ?? DEFAULTS.process.heartbeatIntervalMs;
  const timeout = options.heartbeatTimeoutMs ?? DEFAULTS.process.heartbeatTimeoutMs;
  if (timeout <= interval) {
    throw new InvalidOptionError(owner, 'process.heartbeatTimeoutMs', `must exceed process.heartbeatIntervalMs (${timeout} <= ${interval})`);
  }
}

export function validateModuleOptions(options: SupervisionModuleOptions): void {
  const owner = 'SupervisionModule.forRoot';
  checkObject(owner, 'options', options);
  checkKeys(owner, '', options, MODULE_KEYS);
  validatePolicy(owner, options);
  checkBoolean(owner, 'autoStart', options.autoStart);
  checkBoolean(owner, 'logging', options.logging);
  checkNumber(owner, 'initTimeoutMs', options.initTimeoutMs, { min: 1, allowInfinity: true });
  checkOneOf(owner, 'start', options.start, ['blocking', 'background']);
  checkOneOf(owner, 'onTreeFailure', options.onTreeFailure, ['shutdown', 'keep-running']);
  checkOneOf(owner, 'defaultIsolation', options.defaultIsolation, ISOLATIONS);
  checkOneOf(owner, 'forceIsolation', options.forceIsolation, ISOLATIONS);
  validateProcessOptions(owner, options.process);
  // ClusterConfigError naming the option, before anything starts (and before ioredis is loaded).
  if (options.cluster !== undefined) resolveClusterOptions(options.cluster);
}
