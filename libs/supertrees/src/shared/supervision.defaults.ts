import type {
  BackoffOptions,
  Isolation,
  MailboxOptions,
  ProcessOptions,
  RestartPolicy,
  SupervisionModuleOptions,
  StartMode,
  SupervisionStrategy,
} from '../interfaces/options.interface.js';

/** Every default of the library, in one place. */
export const DEFAULTS = {
  restart: 'always' as RestartPolicy,
  backoff: {
    minDelayMs: 50,
    maxDelayMs: 60_000,
    resetAfterMs: 120_000,
    multiplier: 1.2,
    jitter: 0,
  } satisfies Required<BackoffOptions>,
  workerShutdownTimeoutMs: 5_000,
  mailbox: {
    capacity: 1_000,
    concurrency: 1,
    maxMessageBytes: 1_048_576,
  } satisfies Required<MailboxOptions>,
  callTimeoutMs: 5_000,
  workerInitTimeoutMs: 20_000,
  supervisorShutdownTimeoutMs: 30_000,
  strategy: 'one-for-one' as SupervisionStrategy,
  maxRestarts: Number.POSITIVE_INFINITY,
  withinMs: Number.POSITIVE_INFINITY,
  isolation: 'process' as Isolation,
  maxChildren: Number.POSITIVE_INFINITY,
  restoreChildren: true,
  /** How long a command (startChild, terminateChild, ...) waits for its reply. */
  commandTimeoutMs: 30_000,
  onTreeFailure: 'shutdown' as const,
  autoStart: true,
  start: 'blocking' as StartMode,
  logging: true,
  process: {
    heartbeatIntervalMs: 500,
    heartbeatTimeoutMs: 5_000,
    startTimeoutMs: 30_000,
    killTimeoutMs: 2_000,
    maxBufferedEvents: 10_000,
    standby: 1,
    maxSemiSpaceMiB: 2,
  },
} as const;

export type ResolvedBackoff = Required<BackoffOptions>;
export type ResolvedMailbox = Required<MailboxOptions>;

export interface ResolvedProcessOptions
  extends Required<Omit<ProcessOptions, 'entry' | 'execArgv' | 'env' | 'maxMemoryMiB'>> {
  maxMemoryMiB?: number;
  entry?: string;
  execArgv?: string[];
  env: Record<string, string>;
}

export interface ResolvedModuleOptions {
  strategy: SupervisionStrategy;
  maxRestarts: number;
  withinMs: number;
  onTreeFailure: 'shutdown' | 'keep-running';
  defaultIsolation: Isolation;
  forceIsolation?: Isolation;
  process: ResolvedProcessOptions;
  autoStart: boolean;
  start: StartMode;
  logging: boolean;
  initTimeoutMs: number;
  /** `forRoot({ cluster })` was given: placement is allowed. */
  clustered: boolean;
}

export function resolveBackoff(options: BackoffOptions | undefined): ResolvedBackoff {
  return { ...DEFAULTS.backoff, ...stripUndefined(options ?? {}) };
}

export function resolveMailbox(options: MailboxOptions | undefined): ResolvedMailbox {
  return { ...DEFAULTS.mailbox, ...stripUndefined(options ?? {}) };
}

export function resolveModuleOptions(options: SupervisionModuleOptions = {}): ResolvedModuleOptions {
  return {
    strategy: options.strategy ?? DEFAULTS.strategy,
    maxRestarts: options.maxRestarts ?? DEFAULTS.maxRestarts,
    withinMs: options.withinMs ?? DEFAULTS.withinMs,
    onTreeFailure: options.onTreeFailure ?? DEFAULTS.onTreeFailure,
    defaultIsolation: options.defaultIsolation ?? DEFAULTS.isolation,
    forceIsolation: options.forceIsolation,
    autoStart: options.autoStart ?? DEFAULTS.autoStart,
    start: options.start ?? DEFAULTS.start,
    logging: options.logging ?? DEFAULTS.logging,
    initTimeoutMs: options.initTimeoutMs ?? DEFAULTS.workerInitTimeoutMs,
    clustered: options.cluster !== undefined,
    process: {
      ...DEFAULTS.process,
      ...stripUndefined(options.process ?? {}),
      env: { ...options.process?.env },
    },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
