// Small pieces the in-process cluster tests share: a unit host that runs nothing, a logger that keeps
// its lines, member ids chosen for a wanted placement (rendezvous hashing is deterministic), and the
// caller-and-two-holders setup of the tests that SIGKILL a holder, and that test's common course.
import { expect } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import { ClusterNoOwnerError, ClusterNode, ClusterRouter, ownerOf, type ClusterOptions, type UnitHost } from '#supertrees/cluster';
import { CallTimeoutError } from '#supertrees';
import { memberIds, Replica, waitFor, type ClusterRig } from './cluster-replicas.js';

export class NullHost implements UnitHost {
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

export class LineLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown) {
    this.lines.push(`log ${String(message)}`);
  }
  warn(message: unknown) {
    this.lines.push(`warn ${String(message)}`);
  }
  error(message: unknown) {
    this.lines.push(`error ${String(message)}`);
  }
}

/**
 * Two replica processes that answer routed calls on the singleton `unit` (ids chosen so that B holds it,
 * and C once B is gone) and a caller member in this process (A, never the holder), in `namespace`.
 * The caller is returned started; the rig kills the replicas, the test stops the caller.
 */
export async function callerAndTwoHolders(
  rig: ClusterRig,
  options: { namespace: string; prefix: string; unit: string; ttlMs: number; calls?: ClusterOptions['calls'] },
): Promise<{ ids: string[]; b: Replica; c: Replica; node: ClusterNode; router: ClusterRouter }> {
  const { namespace, unit, ttlMs, calls } = options;
  const units = [{ name: unit }];
  const ids = memberIds(options.prefix, 3, ([a, b, c]) => ownerOf(unit, [a!, b!, c!]) === b && ownerOf(unit, [a!, c!]) === c);
  const env = { REDIS_URL: rig.leases.url, LEDGER_URL: rig.ledgerServer.url, NAMESPACE: namespace, UNITS: JSON.stringify(units), TTL_MS: String(ttlMs), ROUTE: '1', CALLS: calls?.transport ?? 'redis' };
  const [b, c] = [new Replica(ids[1]!, env), new Replica(ids[2]!, env)];
  rig.replicas.push(b, c);
  const node = new ClusterNode(
    { redis: rig.leases.url, namespace, memberId: ids[0]!, leaseTtlMs: ttlMs, renewIntervalMs: 400, safetyMarginMs: 800, commandTimeoutMs: 400, logger: false, ...(calls ? { calls } : {}) },
    units,
    new NullHost(),
  );
  const router = new ClusterRouter(node, async () => ({ member: ids[0] }), { logger: false });
  try {
    await router.listen();
    await node.start();
    await router.start();
    await Promise.all([b.ready(), c.ready()]);
  } catch (error) {
    await router.stop();
    await node.stop();
    throw error;
  }
  return { ids, b, c, node, router };
}

/** Calls `call` every 100 ms until it resolves, keeping the failures; throws after `limitMs`. */
export async function firstAnswer<T>(call: () => Promise<T>, limitMs: number): Promise<{ answer: T; failures: unknown[] }> {
  const startedAt = Date.now();
  const failures: unknown[] = [];
  for (;;) {
    if (Date.now() - startedAt > limitMs) throw new Error(`no answer within ${limitMs} ms; failures: ${failures.map(String).join('; ')}`);
    try {
      return { answer: await call(), failures };
    } catch (error) {
      failures.push(error);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * The kill-the-holder course, on `options.calls` (pub/sub or direct): {@link callerAndTwoHolders},
 * calls until B answers, `kill` (which SIGKILLs B, and may start calls first), then calls every 100 ms
 * until C answers, checking each failure meanwhile is typed (no owner, or a timeout). `started` gets the
 * caller at once, for the test to stop whatever happens. Resolves with what the test checks further.
 */
export async function holderKilled(
  rig: ClusterRig,
  options: Parameters<typeof callerAndTwoHolders>[1],
  started: (caller: { node: ClusterNode; router: ClusterRouter }) => void,
  kill: (b: Replica, call: (message: unknown, timeoutMs?: number) => Promise<unknown>) => Promise<void>,
): Promise<{ router: ClusterRouter; failures: unknown[]; killedAt: number }> {
  const { ids, b, node, router } = await callerAndTwoHolders(rig, options);
  const [, B, C] = ids;
  started({ node, router });
  const unit = { id: options.unit, name: options.unit };
  const call = (message: unknown, timeoutMs = 1_000) => router.call(unit, message, { timeoutMs });
  await waitFor(() => call('ping').then((r) => (r as { member: string }).member === B, () => false), 'B answers', 20_000);
  await kill(b, call);
  const killedAt = Date.now();
  const { answer, failures } = await firstAnswer(() => call('ping', 500) as Promise<{ member: string }>, options.ttlMs + 10_000);
  expect(answer.member).toBe(C);
  for (const failure of failures) expect(failure instanceof ClusterNoOwnerError || failure instanceof CallTimeoutError).toBe(true);
  return { router, failures, killedAt };
}
