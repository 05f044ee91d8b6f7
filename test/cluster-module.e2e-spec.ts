// forRoot({ cluster }) in one app, in process, against a redis-server of the test's own: the service's
// cluster API, the snapshot, calls by key, the start and release of leases with the app, and the
// configuration errors, before anything starts.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import {
  ClusterConfigError,
  ClusterRedisError,
  ClusterRoutingError,
  InvalidPlacementError,
  MESSAGES,
  NotAPoolError,
  type NodeSnapshot,
  type SupervisionEvent,
  type WorkerContext,
} from '../libs/supertrees/src/index.js';
import { readClusterView } from '../libs/supertrees/src/cluster/index.js';
import { partitionOf } from '../libs/supertrees/src/runtime/partition.js';
import { aborted, bootInProcess, Cleanup, compileTree, defineSupervisor, defineWorker, supervision } from './helpers/in-process.js';
import { waitFor } from './helpers/cluster-replicas.js';
import { freePort, RedisServer } from './helpers/redis-server.js';
import { redisDescribe } from './helpers/redis-suite.js';

const suite = redisDescribe();

const FAST = { leaseTtlMs: 1_000, renewIntervalMs: 200, safetyMarginMs: 300, commandTimeoutMs: 200 };

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('cluster mode: configuration errors, before anything starts', () => {
  const runs: string[] = [];
  const job = () => defineWorker('Job', { run: () => void runs.push('run') }, { placement: 'singleton' });

  it('a placement without forRoot({ cluster }) fails app.init() with InvalidPlacementError naming the class', async () => {
    const tree = cleanup.track(await compileTree({ imports: [supervision()], providers: [job()] }));
    const error = await tree.moduleRef.init().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidPlacementError);
    expect((error as InvalidPlacementError).className).toBe('Job');
    expect((error as Error).message).toBe(MESSAGES.placementWithoutCluster('Job', "'singleton'"));
    expect(runs).toEqual([]);
  });

  it('a cluster option that cannot work fails app.init() with ClusterConfigError naming the option', async () => {
    const tree = cleanup.track(await compileTree({ imports: [supervision({ cluster: { redis: 'redis://127.0.0.1:1', renewIntervalMs: 5_000 } })], providers: [job()] }));
    const error = await tree.moduleRef.init().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterConfigError);
    expect((error as ClusterConfigError).option).toBe('renewIntervalMs');
    expect(runs).toEqual([]);
  });

  it('with requireRedisAtStart and no Redis, app.init() fails with ClusterRedisError and leaves nothing running', async () => {
    const port = await freePort();
    let everywhereStopped = false;
    const everywhere = defineWorker('Everywhere', { run: async (ctx) => { await aborted(ctx.signal); everywhereStopped = true; } });
    const tree = cleanup.track(
      await compileTree({ imports: [supervision({ cluster: { redis: `redis://127.0.0.1:${port}`, requireRedisAtStart: true, ...FAST } })], providers: [job(), everywhere] }),
    );
    const error = await tree.moduleRef.init().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterRedisError);
    expect(everywhereStopped).toBe(true);
    expect(runs).toEqual([]);
  });
});

suite('cluster mode in one app (real redis-server)', () => {
  let redis: RedisServer;
  let admin: Redis;
  let run = 0;
  beforeAll(async () => {
    redis = await RedisServer.start();
    admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    admin?.disconnect();
    await redis?.close();
  });

  it('runs its placed workers under leases: service.cluster, the snapshot, ctx, calls by key, and the release at close', async () => {
    run += 1;
    const namespace = `module${run}`;
    const contexts = new Map<string, WorkerContext>();
    const hold = async (ctx: WorkerContext) => {
      contexts.set(ctx.path, ctx);
      await aborted(ctx.signal);
    };
    const Reconciler = defineWorker('Reconciler', { run: hold, handle: (m, ctx) => ({ token: ctx.fencingToken, echo: m }) }, { placement: 'singleton' });
    const Shard = defineWorker('Shard', { run: hold, handle: (_m, ctx) => ({ partition: ctx.partition }) }, { placement: { partitions: 4 } });
    const tree = await bootInProcess(cleanup, [Reconciler, Shard], { cluster: { redis: redis.url, namespace, memberId: 'solo', ...FAST } });
    const service = tree.service;
    const events: SupervisionEvent[] = [];
    const subscription = service.events$.subscribe((e) => events.push(e));
    cleanup.add(() => subscription.unsubscribe());

    expect(service.cluster!.memberId).toBe('solo');
    await waitFor(() => contexts.size === 5, 'the singleton and 4 partitions run', 20_000);
    const ctx = contexts.get('root/Reconciler')!;
    expect(ctx.lease!.stillHolds()).toBe(true);
    expect(ctx.fencingToken).toBe(ctx.lease!.fencingToken);
    expect(ctx.partition).toBeUndefined();
    expect(contexts.get('root/Shard#2')!.partition).toBe(2);
    expect(contexts.get('root/Shard#2')!.instance).toBeUndefined();

    const local = service.cluster!.local();
    expect(new Map(local.map((u) => [u.unit, u.phase]))).toEqual(
      new Map([['root/Reconciler', 'running'], ...[0, 1, 2, 3].map((p) => [`root/Shard#${p}`, 'running'] as const)]),
    );
    const view = await service.cluster!.view();
    expect(view.members.map((m) => m.id)).toEqual(['solo']);
    expect(view.leases.find((l) => l.unit === 'root/Reconciler')).toEqual(expect.objectContaining({ holder: 'solo', token: ctx.fencingToken }));

    const snapshot = service.snapshot();
    const find = (path: string): NodeSnapshot => snapshot.children!.find((c) => c.path === path)!;
    expect(find('root/Reconciler')).toEqual(expect.objectContaining({ state: 'running', placement: 'singleton', lease: { held: true, token: ctx.fencingToken } }));
    expect(find('root/Shard#1')).toEqual(expect.objectContaining({ placement: { partitions: 4, partition: 1 }, lease: expect.objectContaining({ held: true }) }));

    // Calls: to the singleton (held here), by key to the partition that owns it, and the routing errors.
    expect(await service.call(Reconciler, 'hi')).toEqual({ token: ctx.fencingToken, echo: 'hi' });
    expect(await service.call(Shard, 'order', { key: 'customer-7' })).toEqual({ partition: partitionOf('customer-7', 4) });
    await expect(service.call(Reconciler, 'hi', { key: 'k' })).rejects.toBeInstanceOf(ClusterRoutingError);
    await expect(service.call(Shard, 'order')).rejects.toBeInstanceOf(ClusterRoutingError);
    await expect(service.scale(Shard, 8)).rejects.toBeInstanceOf(NotAPoolError);

    await tree.close();
    // Closed: every placed worker stopped with reason shutdown, every lease given back at once.
    expect(ctx.signal.aborted).toBe(true);
    expect((ctx.signal.reason as { reason: string }).reason).toBe('shutdown');
    expect(events.filter((e) => e.type === 'lease-released')).toHaveLength(5);
    const after = await readClusterView(admin, [{ name: 'root/Reconciler' }, { name: 'root/Shard', partitions: 4 }], { namespace });
    expect(after.leases.every((l) => l.holder === null)).toBe(true);
    expect(after.members).toEqual([]);
  });

  it('runs a partitioned supervisor as one subtree per partition, its workers under their partition\'s lease', async () => {
    run += 1;
    const contexts = new Map<string, WorkerContext>();
    const Consumer = defineWorker('Consumer', {
      run: async (ctx) => {
        contexts.set(ctx.path, ctx);
        await aborted(ctx.signal);
      },
    });
    const Shards = defineSupervisor('Shards', { placement: { partitions: 3 }, children: [Consumer] });
    const tree = await bootInProcess(cleanup, [Shards, Consumer], { cluster: { redis: redis.url, namespace: `module${run}`, memberId: 'solo', ...FAST } });
    await waitFor(() => contexts.size === 3, 'a consumer per partition runs', 20_000);
    const snapshot = tree.service.snapshot();
    for (const p of [0, 1, 2]) {
      const ctx = contexts.get(`root/Shards#${p}/Consumer`)!;
      expect(ctx.partition).toBe(p);
      const supervisor = snapshot.children!.find((c) => c.path === `root/Shards#${p}`)!;
      expect(supervisor).toEqual(expect.objectContaining({ placement: { partitions: 3, partition: p }, lease: { held: true, token: ctx.fencingToken } }));
      expect(ctx.lease!.unit).toEqual({ id: `root/Shards#${p}`, name: 'root/Shards', partition: p });
    }
    // Three subtrees, three leases.
    expect(new Set([...contexts.values()].map((c) => c.lease)).size).toBe(3);
  });
});
