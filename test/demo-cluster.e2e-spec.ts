// `npm run demo:cluster` end to end: the launcher starts its own redis-server and 3 demo replicas; the
// singleton runs on exactly one of them; SIGKILL of that replica moves it to another, with a higher
// token, as GET /cluster shows; SIGTERM to the launcher leaves no process behind.
import { afterEach, expect, it } from '@jest/globals';
import { freePort } from './helpers/redis-server.js';
import { redisDescribe } from './helpers/redis-suite.js';
import { descendantsOf, eventually, isAlive } from './helpers/processes.js';
import { spawnNode, type Spawned } from './helpers/spawned.js';

const suite = redisDescribe();

const SINGLETON = 'root/ClusterReconciler';

interface ClusterPage {
  member: string;
  members: { id: string }[];
  leases: { unit: string; holder: string | null; token: number | null }[];
  local: { unit: string; phase: string; token: number }[];
}

async function page(base: string): Promise<ClusterPage | undefined> {
  try {
    const response = await fetch(`${base}/cluster`);
    return response.ok ? ((await response.json()) as ClusterPage) : undefined;
  } catch {
    return undefined;
  }
}

/** Polls the replicas' /cluster pages until `check` holds for them; fails after `timeoutMs`. */
async function pagesUntil(bases: string[], check: (pages: ClusterPage[]) => boolean, what: string, timeoutMs = 60_000): Promise<ClusterPage[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pages = await Promise.all(bases.map(page));
    if (pages.every((p) => p !== undefined) && check(pages as ClusterPage[])) return pages as ClusterPage[];
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${JSON.stringify(pages)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const runs = (p: ClusterPage) => p.local.some((u) => u.unit === SINGLETON && u.phase === 'running');

suite('npm run demo:cluster (real redis-server, 3 real replicas)', () => {
  let launcher: Spawned | undefined;
  const seen = new Set<number>();

  afterEach(async () => {
    if (launcher && launcher.proc.exitCode === null && launcher.proc.signalCode === null) {
      launcher.proc.kill('SIGTERM');
      await Promise.race([launcher.exited, new Promise((r) => setTimeout(r, 30_000))]);
    }
    for (const pid of seen) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await eventually(() => [...seen].every((pid) => !isAlive(pid)), 'no process of the demo left');
    launcher = undefined;
  });

  it('runs the singleton on one replica, routes calls by key to the partition holders, moves it on SIGKILL with a higher token, and stops everything on SIGTERM', async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    const replicas = new Map<string, number>();
    let redisPid = 0;
    launcher = spawnNode('dist/scripts/demo-cluster.js', {
      env: { DEMO_CLUSTER_PORTS: ports.join(','), DEMO_FEED_FAILURE_RATE: '0', DEMO_WEBHOOK_FAILURE_RATE: '0' },
      onLine: (line) => {
        const replica = /^\s+(http:\/\/\S+)\s+pid (\d+)/.exec(line);
        if (replica) replicas.set(replica[1]!, Number(replica[2]));
        const redis = /^redis-server \(pid (\d+)\)/.exec(line);
        if (redis) redisPid = Number(redis[1]);
      },
    });
    seen.add(launcher.proc.pid!);
    const sample = setInterval(() => descendantsOf(launcher!.proc.pid!).forEach((pid) => seen.add(pid)), 50);
    try {
      await eventually(() => replicas.size === 3, `3 replicas listening:\n${launcher!.output.slice(-30).join('\n')}`, 90_000);
      expect(redisPid).toBeGreaterThan(0);
      const bases = [...replicas.keys()];

      const before = await pagesUntil(bases, (pages) => pages.every((p) => p.members.length === 3) && pages.filter(runs).length === 1, 'the singleton running on exactly one of 3 members');
      const holder = before.find(runs)!;

      // Routed calls: each order goes to the replica holding its key's partition, whichever replica is asked.
      const shardsHeld = (pages: ClusterPage[]) => pages[0]!.leases.filter((l) => l.unit.startsWith('root/ClusterShard#') && l.holder !== null).length === 16;
      await pagesUntil(bases, shardsHeld, 'all 16 shard partitions held');
      const asked = before[0]!.member;
      let routedAway = 0;
      for (let i = 0; i < 12; i++) {
        const response = await fetch(`${bases[0]}/cluster/orders/order-${i}`, { method: 'POST' });
        expect(response.status).toBe(200);
        const reply = (await response.json()) as { orderId: string; partition: number; fencingToken: number; member: string };
        expect(reply.orderId).toBe(`order-${i}`);
        const lease = (await page(bases[0]!))!.leases.find((l) => l.unit === `root/ClusterShard#${reply.partition}`)!;
        expect(reply.member).toBe(lease.holder);
        expect(reply.fencingToken).toBe(lease.token);
        if (reply.member !== asked) routedAway += 1;
      }
      // 16 partitions over 3 replicas: most keys live elsewhere than the replica asked.
      expect(routedAway).toBeGreaterThan(0);

      const oldToken = holder.local.find((u) => u.unit === SINGLETON)!.token;
      const holderBase = bases[before.indexOf(holder)]!;

      process.kill(replicas.get(holderBase)!, 'SIGKILL');
      const survivors = bases.filter((b) => b !== holderBase);
      const after = await pagesUntil(
        survivors,
        (pages) => pages.filter(runs).length === 1 && pages.every((p) => p.members.length === 2 && !p.members.some((m) => m.id === holder.member)),
        'the singleton running on one of the 2 survivors',
      );
      const heir = after.find(runs)!;
      expect(heir.member).not.toBe(holder.member);
      expect(heir.local.find((u) => u.unit === SINGLETON)!.token).toBeGreaterThan(oldToken);
      const lease = heir.leases.find((l) => l.unit === SINGLETON)!;
      expect(lease.holder).toBe(heir.member);
      await eventually(() => launcher!.output.some((l) => l.includes('replica exited')), 'the launcher reports the killed replica');
    } finally {
      clearInterval(sample);
    }

    launcher.proc.kill('SIGTERM');
    const { code } = await launcher.exited;
    expect(code).toBe(143);
    await eventually(() => [...seen, redisPid].every((pid) => !isAlive(pid)), 'the replicas and the Redis stopped with the launcher', 30_000);
  }, 180_000);
});
