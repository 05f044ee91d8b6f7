import { describe, expect, it } from '@jest/globals';
import { ClusterConfigError } from './cluster.errors.js';
import { CLUSTER_MESSAGES } from './cluster.messages.js';
import { Redis } from 'ioredis';
import { CLUSTER_DEFAULTS, resolveClusterOptions, validateUnits, type ClusterOptions } from './cluster.options.js';

const URL = 'redis://127.0.0.1:1';
const resolve = (extra: Partial<ClusterOptions>) => resolveClusterOptions({ redis: URL, ...extra });
const problem = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ClusterConfigError);
    return error as ClusterConfigError;
  }
  throw new Error('expected a ClusterConfigError');
};

describe('cluster options', () => {
  it('applies the defaults from one place', () => {
    const options = resolve({});
    expect(options).toEqual(
      expect.objectContaining({
        namespace: CLUSTER_DEFAULTS.namespace,
        leaseTtlMs: CLUSTER_DEFAULTS.leaseTtlMs,
        renewIntervalMs: CLUSTER_DEFAULTS.renewIntervalMs,
        safetyMarginMs: CLUSTER_DEFAULTS.safetyMarginMs,
        commandTimeoutMs: CLUSTER_DEFAULTS.commandTimeoutMs,
        requireRedisAtStart: false,
        memberInfo: {},
      }),
    );
    expect(options.memberId).toMatch(/^[A-Za-z0-9_.:-]+-\d+-[0-9a-f]{8}$/);
  });

  it('takes an ioredis client as it is (the public RedisClient type is structural: no ioredis needed in the types)', () => {
    const client = new Redis({ lazyConnect: true, enableOfflineQueue: false });
    try {
      const options: ClusterOptions = { redis: client };
      expect(resolveClusterOptions(options).redis).toBe(client);
    } finally {
      client.disconnect();
    }
  });

  it('rejects a cluster option without a client or URL', () => {
    const error = problem(() => resolveClusterOptions({} as ClusterOptions));
    expect(error.message).toBe(CLUSTER_MESSAGES.noRedis());
    expect(error.option).toBe('redis');
    expect(problem(() => resolveClusterOptions(undefined)).option).toBe('redis');
  });

  it('rejects a URL that is not redis:// and an object that is not an ioredis client', () => {
    expect(problem(() => resolve({ redis: 'http://x' })).message).toContain('redis:// or rediss://');
    expect(problem(() => resolve({ redis: {} as never })).message).toContain('must be an ioredis client');
  });

  it('rejects an ioredis Cluster client, saying one Redis is needed', () => {
    const fake = { isCluster: true, evalsha: () => undefined, status: 'ready' };
    expect(problem(() => resolve({ redis: fake as never })).message).toBe(CLUSTER_MESSAGES.clusterClient());
  });

  it.each([
    ['leaseTtlMs', { leaseTtlMs: 999 }, 'between 1000 and 600000'],
    ['leaseTtlMs', { leaseTtlMs: 1.5 }, 'must be an integer'],
    ['renewIntervalMs', { leaseTtlMs: 3_000, renewIntervalMs: 1_000 }, 'less than leaseTtlMs / 3'],
    ['safetyMarginMs', { leaseTtlMs: 3_000, renewIntervalMs: 900, safetyMarginMs: 1_300 }, 'leaves no time for two renewals'],
    ['safetyMarginMs', { safetyMarginMs: -1 }, 'between 0'],
    ['commandTimeoutMs', { commandTimeoutMs: 2_500 }, 'must not exceed renewIntervalMs'],
    ['commandTimeoutMs', { commandTimeoutMs: 10 }, 'between 50'],
    ['namespace', { namespace: 'a{b}' }, 'must match'],
    ['namespace', { namespace: '' }, 'must match'],
    ['memberId', { memberId: 'has space' }, 'must match'],
    ['memberInfo', { memberInfo: { blob: 'x'.repeat(2_000) } }, 'at most 1024'],
    ['memberInfo.nested', { memberInfo: { nested: {} as never } }, 'must be a string, a finite number or a boolean'],
    ['requireRedisAtStart', { requireRedisAtStart: 'yes' as never }, 'must be a boolean'],
    ['logger', { logger: 'console' as never }, 'LoggerService or false'],
  ])('rejects a bad %s', (option, extra, text) => {
    const error = problem(() => resolve(extra as Partial<ClusterOptions>));
    expect(error.option).toBe(option);
    expect(error.message).toContain(`ClusterOptions: option "${option}"`);
    expect(error.message).toContain(text);
  });
});

describe('cluster units', () => {
  it('accepts singletons and partitioned units from 1 to 1024', () => {
    expect(() => validateUnits([{ name: 'root/Billing/Reconciler' }, { name: 'Consumer', partitions: 1 }, { name: 'Big', partitions: 1024 }])).not.toThrow();
  });

  it.each([
    [{ name: 'Consumer', partitions: 0 }, 'between 1 and 1024'],
    [{ name: 'Consumer', partitions: 1025 }, 'between 1 and 1024'],
    [{ name: 'Consumer', partitions: 2.5 }, 'between 1 and 1024'],
    [{ name: 'bad{tag}' }, 'must match'],
    [{ name: '' }, 'must match'],
  ])('rejects %j', (unit, text) => {
    const error = problem(() => validateUnits([unit]));
    expect(error.option).toBe('units[0]');
    expect(error.message).toContain(text);
  });

  it('rejects a unit declared twice', () => {
    expect(problem(() => validateUnits([{ name: 'A' }, { name: 'A', partitions: 2 }])).message).toBe(CLUSTER_MESSAGES.duplicateUnit('A'));
  });

  describe('calls', () => {
    it("defaults to the 'redis' transport, with nothing to open", () => {
      expect(resolve({}).calls).toEqual({ transport: 'redis' });
      expect(resolve({ calls: {} }).calls).toEqual({ transport: 'redis' });
    });

    it("takes 'direct' with its listener, advertised host and secret, and resolves to the same again", () => {
      const calls = resolve({ calls: { transport: 'direct', listen: { host: '127.0.0.1', port: 4100 }, secret: 's'.repeat(32) } }).calls;
      expect(calls).toEqual({ transport: 'direct', listen: { host: '127.0.0.1', port: 4100 }, advertise: '127.0.0.1', secret: 's'.repeat(32) });
      expect(resolve({ calls }).calls).toEqual(calls);
    });

    it('listens on every interface on a port the OS picks by default, and advertises an address others can reach', () => {
      const calls = resolve({ calls: { transport: 'direct' } }).calls;
      expect(calls).toMatchObject({ transport: 'direct', listen: { host: '0.0.0.0', port: 0 } });
      expect((calls as { advertise: string }).advertise).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect((calls as { advertise: string }).advertise).not.toBe('0.0.0.0');
    });

    it.each([
      [{ transport: 'tcp' }, 'calls.transport'],
      [{ transport: 'redis', listen: { port: 1 } }, 'calls.listen'],
      [{ transport: 'redis', secret: 's'.repeat(40) }, 'calls.secret'],
      [{ transport: 'direct', listen: { host: 'a b' } }, 'calls.listen.host'],
      [{ transport: 'direct', listen: { port: 70_000 } }, 'calls.listen.port'],
      [{ transport: 'direct', listen: { port: 1.5 } }, 'calls.listen.port'],
      [{ transport: 'direct', advertise: '0.0.0.0' }, 'calls.advertise'],
      [{ transport: 'direct', advertise: 'host:with/slash' }, 'calls.advertise'],
      [{ transport: 'direct', secret: 'short' }, 'calls.secret'],
      ['direct', 'calls'],
    ])('refuses calls %j, naming %s', (calls, option) => {
      const error = problem(() => resolve({ calls: calls as ClusterOptions['calls'] }));
      expect(error.option).toBe(option);
      expect(error.message).toContain(`option "${option}"`);
    });
  });
});
