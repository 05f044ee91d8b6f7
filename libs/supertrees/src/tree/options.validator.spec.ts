import { describe, expect, it } from '@jest/globals';
import { InvalidOptionError, SupervisionConfigError } from '../errors/supervision-config.error.js';
import type {
  BackoffOptions,
  ChildOptions,
  ProcessOptions,
  SupervisionModuleOptions,
  SupervisorOptions,
} from '../interfaces/options.interface.js';
import { MESSAGES } from '../shared/supervision.messages.js';
import {
  describe as describeValue,
  validateBackoff,
  validateChildOptions,
  validateModuleOptions,
  validatePolicy,
  validateProcessOptions,
  validateSupervisorOptions,
  validateWorkerOptions,
} from './options.validator.js';

const OWNER = 'FeedPoller';
const ROOT = 'SupervisionModule.forRoot';

/** Lets a test pass what TypeScript would refuse, as a JavaScript caller or a bad cast could. */
const loose = <T>(value: unknown): T => value as T;

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw; nothing was thrown');
}

function expectInvalidOption(fn: () => unknown, owner: string, option: string, problem: string): void {
  const error = thrownBy(fn);
  expect(error).toBeInstanceOf(SupervisionConfigError);
  expect((error as object).constructor).toBe(InvalidOptionError);
  const invalid = error as InvalidOptionError;
  expect(invalid.name).toBe('InvalidOptionError');
  expect(invalid.message).toBe(MESSAGES.invalidOption(owner, option, problem));
  expect(invalid.message).toContain(owner);
  expect(invalid.option).toBe(option);
  expect(invalid.className).toBe(owner);
}

describe('validateChildOptions', () => {
  it('accepts no options', () => {
    expect(() => validateChildOptions(OWNER, {})).not.toThrow();
  });

  it('accepts every option at a valid value', () => {
    const options: ChildOptions = {
      restart: 'on-failure',
      backoff: { minDelayMs: 0, maxDelayMs: 0, resetAfterMs: 0, multiplier: 1, jitter: 1 },
      shutdownTimeoutMs: 0,
      name: 'poller-1',
    };
    expect(() => validateChildOptions(OWNER, options)).not.toThrow();
  });

  const bad: [string, ChildOptions, string, string][] = [
    ['an unknown restart policy', { restart: loose('sometimes') }, 'restart', "must be one of 'always', 'on-failure', 'once', 'never' (got 'sometimes')"],
    ['a restart policy that is not a string', { restart: loose(1) }, 'restart', "must be one of 'always', 'on-failure', 'once', 'never' (got 1)"],
    ['a negative shutdownTimeoutMs', { shutdownTimeoutMs: -1 }, 'shutdownTimeoutMs', 'must be at least 0 (got -1)'],
    ['a NaN shutdownTimeoutMs', { shutdownTimeoutMs: Number.NaN }, 'shutdownTimeoutMs', 'must be a number (got NaN)'],
    ['an Infinity shutdownTimeoutMs', { shutdownTimeoutMs: Number.POSITIVE_INFINITY }, 'shutdownTimeoutMs', 'must be finite (got Infinity)'],
    ['a shutdownTimeoutMs given as a string', { shutdownTimeoutMs: loose('5000') }, 'shutdownTimeoutMs', "must be a number (got '5000')"],
    ['a name containing /', { name: 'a/b' }, 'name', "must be a non-empty string without '/' (got 'a/b')"],
    ['an empty name', { name: '' }, 'name', "must be a non-empty string without '/' (got '')"],
    ['a name that is not a string', { name: loose(42) }, 'name', "must be a non-empty string without '/' (got 42)"],
  ];

  it.each(bad)('rejects %s', (_title, options, option, problem) => {
    expectInvalidOption(() => validateChildOptions(OWNER, options), OWNER, option, problem);
  });

  it('checks the backoff it carries', () => {
    expectInvalidOption(
      () => validateChildOptions(OWNER, { backoff: { multiplier: 0.5 } }),
      OWNER,
      'backoff.multiplier',
      'must be at least 1 (got 0.5)',
    );
  });
});

describe('validateBackoff', () => {
  it('accepts undefined', () => {
    expect(() => validateBackoff(OWNER, undefined)).not.toThrow();
  });

  it('accepts minDelayMs equal to maxDelayMs', () => {
    expect(() => validateBackoff(OWNER, { minDelayMs: 100, maxDelayMs: 100 })).not.toThrow();
  });

  const bad: [string, BackoffOptions, string, string][] = [
    ['a negative minDelayMs', { minDelayMs: -1 }, 'backoff.minDelayMs', 'must be at least 0 (got -1)'],
    ['a NaN minDelayMs', { minDelayMs: Number.NaN }, 'backoff.minDelayMs', 'must be a number (got NaN)'],
    ['an Infinity minDelayMs', { minDelayMs: Number.POSITIVE_INFINITY }, 'backoff.minDelayMs', 'must be finite (got Infinity)'],
    ['a negative maxDelayMs', { maxDelayMs: -5 }, 'backoff.maxDelayMs', 'must be at least 0 (got -5)'],
    ['an Infinity maxDelayMs', { maxDelayMs: Number.POSITIVE_INFINITY }, 'backoff.maxDelayMs', 'must be finite (got Infinity)'],
    ['a negative resetAfterMs', { resetAfterMs: -1 }, 'backoff.resetAfterMs', 'must be at least 0 (got -1)'],
    ['a NaN resetAfterMs', { resetAfterMs: Number.NaN }, 'backoff.resetAfterMs', 'must be a number (got NaN)'],
    ['a multiplier below 1', { multiplier: 0.99 }, 'backoff.multiplier', 'must be at least 1 (got 0.99)'],
    ['a -Infinity multiplier', { multiplier: Number.NEGATIVE_INFINITY }, 'backoff.multiplier', 'must be finite (got -Infinity)'],
    ['a jitter above 1', { jitter: 1.5 }, 'backoff.jitter', 'must be at most 1 (got 1.5)'],
    ['a negative jitter', { jitter: -0.1 }, 'backoff.jitter', 'must be at least 0 (got -0.1)'],
    ['minDelayMs above maxDelayMs', { minDelayMs: 500, maxDelayMs: 100 }, 'backoff.minDelayMs', 'must not exceed backoff.maxDelayMs (500 > 100)'],
    ['a maxDelayMs below the default minDelayMs', { maxDelayMs: 10 }, 'backoff.maxDelayMs', 'must be at least backoff.minDelayMs (10 < 50, the default)'],
    ['a minDelayMs above the default maxDelayMs', { minDelayMs: 70_000 }, 'backoff.minDelayMs', 'must not exceed backoff.maxDelayMs (70000 > 60000, the default)'],
  ];

  it.each(bad)('rejects %s', (_title, backoff, option, problem) => {
    expectInvalidOption(() => validateBackoff(OWNER, backoff), OWNER, option, problem);
  });

  it('rejects a backoff that is not an object', () => {
    expectInvalidOption(() => validateBackoff(OWNER, loose(5)), OWNER, 'backoff', 'must be an object (got 5)');
  });

  it('rejects a null backoff', () => {
    expectInvalidOption(() => validateBackoff(OWNER, loose(null)), OWNER, 'backoff', 'must be an object (got null)');
  });
});

describe('validatePolicy', () => {
  it('accepts maxRestarts 0 with a window', () => {
    expect(() => validatePolicy(OWNER, { maxRestarts: 0, withinMs: 1_000 })).not.toThrow();
  });

  it('accepts unlimited maxRestarts and window', () => {
    expect(() =>
      validatePolicy(OWNER, { maxRestarts: Number.POSITIVE_INFINITY, withinMs: Number.POSITIVE_INFINITY }),
    ).not.toThrow();
  });

  const bad: [string, SupervisorOptions, string, string][] = [
    ['an unknown strategy', { strategy: loose('one-for-none') }, 'strategy', "must be one of 'one-for-one', 'one-for-all', 'rest-for-one' (got 'one-for-none')"],
    ['maxRestarts without withinMs', { maxRestarts: 3 }, 'maxRestarts', 'needs withinMs, the window the restarts are counted in'],
    ['withinMs without maxRestarts', { withinMs: 1_000 }, 'withinMs', 'has no effect without maxRestarts'],
    ['a non-integer maxRestarts', { maxRestarts: 2.5, withinMs: 1_000 }, 'maxRestarts', 'must be a whole number (got 2.5)'],
    ['a negative maxRestarts', { maxRestarts: -1, withinMs: 1_000 }, 'maxRestarts', 'must be at least 0 (got -1)'],
    ['a NaN maxRestarts', { maxRestarts: Number.NaN, withinMs: 1_000 }, 'maxRestarts', 'must be a number (got NaN)'],
    ['a -Infinity maxRestarts', { maxRestarts: Number.NEGATIVE_INFINITY, withinMs: 1_000 }, 'maxRestarts', 'must be finite (got -Infinity)'],
    ['a withinMs of 0', { maxRestarts: 3, withinMs: 0 }, 'withinMs', 'must be greater than 0 (got 0)'],
    ['a negative withinMs', { maxRestarts: 3, withinMs: -10 }, 'withinMs', 'must be greater than 0 (got -10)'],
    ['a NaN withinMs', { maxRestarts: 3, withinMs: Number.NaN }, 'withinMs', 'must be a number (got NaN)'],
  ];

  it.each(bad)('rejects %s', (_title, options, option, problem) => {
    expectInvalidOption(() => validatePolicy(OWNER, options), OWNER, option, problem);
  });
});

describe('validateSupervisorOptions', () => {
  it('accepts a full set of valid options', () => {
    class Child {}
    const options: SupervisorOptions = {
      strategy: 'rest-for-one',
      maxRestarts: 3,
      withinMs: 5_000,
      isolation: 'none',
      restart: 'once',
      name: 'ingest',
      children: [Child],
    };
    expect(() => validateSupervisorOptions(OWNER, options)).not.toThrow();
  });

  it('rejects an unknown isolation', () => {
    expectInvalidOption(
      () => validateSupervisorOptions(OWNER, { isolation: loose('thread') }),
      OWNER,
      'isolation',
      "must be one of 'process', 'none' (got 'thread')",
    );
  });

  it('rejects children that are not an array', () => {
    expectInvalidOption(
      () => validateSupervisorOptions(OWNER, { children: loose({}) }),
      OWNER,
      'children',
      'must be an array of classes (got an object)',
    );
  });

  it('checks the child options of a supervisor too', () => {
    expectInvalidOption(
      () => validateSupervisorOptions(OWNER, { restart: loose('forever') }),
      OWNER,
      'restart',
      "must be one of 'always', 'on-failure', 'once', 'never' (got 'forever')",
    );
  });

  it('checks the policy of a supervisor too', () => {
    expectInvalidOption(
      () => validateSupervisorOptions(OWNER, { maxRestarts: 1 }),
      OWNER,
      'maxRestarts',
      'needs withinMs, the window the restarts are counted in',
    );
  });
});

describe('validateModuleOptions (forRoot)', () => {
  it('accepts no options', () => {
    expect(() => validateModuleOptions({})).not.toThrow();
  });

  it('accepts a full set of valid options', () => {
    const options: SupervisionModuleOptions = {
      strategy: 'one-for-all',
      maxRestarts: 10,
      withinMs: 60_000,
      onTreeFailure: 'keep-running',
      defaultIsolation: 'none',
      autoStart: false,
      logging: false,
      process: {
        entry: '/app/main.js',
        execArgv: ['--enable-source-maps'],
        env: { A: 'b' },
        heartbeatIntervalMs: 100,
        heartbeatTimeoutMs: 101,
        startTimeoutMs: 1,
        killTimeoutMs: 0,
        maxBufferedEvents: 1,
        standby: 0,
        maxSemiSpaceMiB: 0,
      },
    };
    expect(() => validateModuleOptions(options)).not.toThrow();
  });

  const bad: [string, SupervisionModuleOptions, string, string][] = [
    ['an unknown strategy', { strategy: loose('all-for-one') }, 'strategy', "must be one of 'one-for-one', 'one-for-all', 'rest-for-one' (got 'all-for-one')"],
    ['maxRestarts without withinMs', { maxRestarts: 5 }, 'maxRestarts', 'needs withinMs, the window the restarts are counted in'],
    ['withinMs without maxRestarts', { withinMs: 5 }, 'withinMs', 'has no effect without maxRestarts'],
    ['an unknown onTreeFailure', { onTreeFailure: loose('restart') }, 'onTreeFailure', "must be one of 'shutdown', 'keep-running' (got 'restart')"],
    ['an unknown defaultIsolation', { defaultIsolation: loose('worker-thread') }, 'defaultIsolation', "must be one of 'process', 'none' (got 'worker-thread')"],
    ['an unknown forceIsolation', { forceIsolation: loose('thread') }, 'forceIsolation', "must be one of 'process', 'none' (got 'thread')"],
  ];

  it.each(bad)('rejects %s', (_title, options, option, problem) => {
    expectInvalidOption(() => validateModuleOptions(options), ROOT, option, problem);
  });

  it('rejects options that are not an object', () => {
    expectInvalidOption(() => validateModuleOptions(loose(null)), ROOT, 'options', 'must be an object (got null)');
  });

  describe('process', () => {
    const badProcess: [string, ProcessOptions, string, string][] = [
      ['heartbeatTimeoutMs equal to heartbeatIntervalMs', { heartbeatIntervalMs: 500, heartbeatTimeoutMs: 500 }, 'process.heartbeatTimeoutMs', 'must exceed process.heartbeatIntervalMs (500 <= 500)'],
      ['heartbeatTimeoutMs below heartbeatIntervalMs', { heartbeatIntervalMs: 1_000, heartbeatTimeoutMs: 200 }, 'process.heartbeatTimeoutMs', 'must exceed process.heartbeatIntervalMs (200 <= 1000)'],
      ['heartbeatTimeoutMs below the default interval', { heartbeatTimeoutMs: 400 }, 'process.heartbeatTimeoutMs', 'must exceed process.heartbeatIntervalMs (400 <= 500)'],
      ['heartbeatIntervalMs above the default timeout', { heartbeatIntervalMs: 6_000 }, 'process.heartbeatTimeoutMs', 'must exceed process.heartbeatIntervalMs (5000 <= 6000)'],
      ['a heartbeatIntervalMs of 0', { heartbeatIntervalMs: 0 }, 'process.heartbeatIntervalMs', 'must be at least 1 (got 0)'],
      ['a NaN heartbeatTimeoutMs', { heartbeatTimeoutMs: Number.NaN }, 'process.heartbeatTimeoutMs', 'must be a number (got NaN)'],
      ['an Infinity heartbeatTimeoutMs', { heartbeatTimeoutMs: Number.POSITIVE_INFINITY }, 'process.heartbeatTimeoutMs', 'must be finite (got Infinity)'],
      ['a startTimeoutMs of 0', { startTimeoutMs: 0 }, 'process.startTimeoutMs', 'must be at least 1 (got 0)'],
      ['a negative killTimeoutMs', { killTimeoutMs: -1 }, 'process.killTimeoutMs', 'must be at least 0 (got -1)'],
      ['a maxBufferedEvents of 0', { maxBufferedEvents: 0 }, 'process.maxBufferedEvents', 'must be at least 1 (got 0)'],
      ['a non-integer maxBufferedEvents', { maxBufferedEvents: 1.5 }, 'process.maxBufferedEvents', 'must be a whole number (got 1.5)'],
      ['a negative standby', { standby: -1 }, 'process.standby', 'must be at least 0 (got -1)'],
      ['a non-integer standby', { standby: 0.5 }, 'process.standby', 'must be a whole number (got 0.5)'],
      ['a negative maxSemiSpaceMiB', { maxSemiSpaceMiB: -2 }, 'process.maxSemiSpaceMiB', 'must be at least 0 (got -2)'],
      ['a non-integer maxSemiSpaceMiB', { maxSemiSpaceMiB: 1.5 }, 'process.maxSemiSpaceMiB', 'must be a whole number (got 1.5)'],
      ['a maxSemiSpaceMiB above 1024', { maxSemiSpaceMiB: 4_096 }, 'process.maxSemiSpaceMiB', 'must be at most 1024 (got 4096)'],
      ['an empty entry', { entry: '' }, 'process.entry', "must be a path (got '')"],
      ['an entry that is not a string', { entry: loose(7) }, 'process.entry', 'must be a path (got 7)'],
      ['an execArgv with a non-string', { execArgv: loose(['--inspect', 1]) }, 'process.execArgv', 'must be an array of strings'],
      ['an execArgv that is not an array', { execArgv: loose('--inspect') }, 'process.execArgv', 'must be an array of strings'],
    ];

    it.each(badProcess)('rejects %s', (_title, process, option, problem) => {
      expectInvalidOption(() => validateModuleOptions({ process }), ROOT, option, problem);
    });

    it('validateProcessOptions accepts undefined', () => {
      expect(() => validateProcessOptions(ROOT, undefined)).not.toThrow();
    });

    // Library bug: validateProcessOptions (options.validator.ts:106) only returns early on
    // `undefined`, so `null` reaches `options.entry` and throws a TypeError instead of the
    // InvalidOptionError validateBackoff gives for the same mistake.
    it('rejects null process options with an InvalidOptionError', () => {
      expectInvalidOption(
        () => validateModuleOptions({ process: loose(null) }),
        ROOT,
        'process',
        'must be an object (got null)',
      );
    });
  });
});

describe('describe (how a value is named in messages)', () => {
  it.each([
    ['a string, quoted', 'x', "'x'"],
    ['a named function', function named() {}, 'function named'],
    ['an anonymous function', loose<() => void>((() => () => undefined)()), 'a function'],
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
    ['a number', 3, '3'],
    ['an array', [1], 'an array'],
    ['an object', { a: 1 }, 'an object'],
  ])('names %s', (_title, value, expected) => {
    expect(describeValue(value)).toBe(expected);
  });
});

describe('unknown option names', () => {
  it.each([
    ['a worker option', () => validateWorkerOptions(OWNER, loose({ restarts: 'always' })), OWNER, 'restarts'],
    ['a worker option only supervisors have', () => validateWorkerOptions(OWNER, loose({ strategy: 'one-for-all' })), OWNER, 'strategy'],
    ['a supervisor option', () => validateSupervisorOptions(OWNER, loose({ maxRestart: 3, withinMs: 1_000 })), OWNER, 'maxRestart'],
    ['a backoff option', () => validateBackoff(OWNER, loose({ minDelay: 10 })), OWNER, 'backoff.minDelay'],
    ['a process option', () => validateProcessOptions(ROOT, loose({ heartbeatMs: 10 })), ROOT, 'process.heartbeatMs'],
    ['a forRoot option', () => validateModuleOptions(loose({ autostart: false })), ROOT, 'autostart'],
  ])('rejects %s that does not exist, naming it', (_title, fn, owner, option) => {
    const error = thrownBy(fn) as InvalidOptionError;
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.option).toBe(option);
    expect(error.message.startsWith(`${owner}: option "${option}" is not an option (known: `)).toBe(true);
  });

  it("accepts forRoot's isGlobal", () => {
    expect(() => validateModuleOptions(loose({ isGlobal: false }))).not.toThrow();
  });

  it.each([
    ['autoStart', { autoStart: 'yes' }],
    ['logging', { logging: 1 }],
  ])('rejects a %s that is not a boolean', (option, options) => {
    expectInvalidOption(() => validateModuleOptions(loose(options)), ROOT, option, `must be true or false (got ${describeValue(Object.values(options)[0])})`);
  });

  it('rejects process.env values that are not strings', () => {
    expectInvalidOption(() => validateProcessOptions(ROOT, loose({ env: { PORT: 3000 } })), ROOT, 'process.env.PORT', 'must be a string (got 3000)');
  });
});
