// The fenced ledger the cluster tests judge by (fixtures/cluster-ledger.ts), on a real redis-server:
// the check must fail on an owner that acts after a newer one, and only then.
import { afterAll, beforeAll, beforeEach, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { fencedInFlight, LEDGER_KEYS, LEDGER_WRITE, ledgerViolations, readLedger } from './fixtures/cluster-ledger.js';
import { RedisServer } from './helpers/redis-server.js';
import { redisDescribe } from './helpers/redis-suite.js';

const suite = redisDescribe();

suite('cluster test ledger (real redis-server)', () => {
  let server: RedisServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await RedisServer.start();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  });
  beforeEach(async () => void (await redis.del(...LEDGER_KEYS)));
  afterAll(async () => {
    redis?.disconnect();
    await server?.close();
  });

  /** A write of `writer` with `token`, decided at `issuedAt` (ms on this machine's clock). */
  const write = (writer: string, token: number, issuedAt = Date.now()) => redis.eval(LEDGER_WRITE, 3, ...LEDGER_KEYS, 'unit', String(token), writer, String(issuedAt));

  it('accepts growing tokens and records when each write was decided and when it arrived', async () => {
    const before = Date.now();
    expect([await write('a', 1, before), await write('a', 1), await write('b', 2)]).toEqual([1, 1, 1]);
    const entries = await readLedger(redis);
    expect(entries.map((e) => [e.seq, e.writer, e.token, e.accepted])).toEqual([
      [1, 'a', 1, true],
      [2, 'a', 1, true],
      [3, 'b', 2, true],
    ]);
    expect(entries[0]!.issuedAt).toBe(before);
    for (const e of entries) expect(e.arrivedAt).toBeGreaterThanOrEqual(e.issuedAt);
    expect(ledgerViolations(entries)).toEqual([]);
  });

  it('refuses a write decided before the newer owner wrote, delivered late, and does not call it a violation', async () => {
    const decided = Date.now() - 1_000;
    await write('a', 1, decided - 100);
    await write('b', 2);
    expect(await write('a', 1, decided)).toBe(0);
    const entries = await readLedger(redis);
    expect(ledgerViolations(entries)).toEqual([]);
    expect(fencedInFlight(entries)).toEqual([expect.objectContaining({ writer: 'a', token: 1, accepted: false })]);
  });

  it('calls a refused write decided after the newer owner wrote an overlap', async () => {
    await write('a', 1);
    await write('b', 2);
    await new Promise((r) => setTimeout(r, 5));
    expect(await write('a', 1)).toBe(0);
    const entries = await readLedger(redis);
    expect(ledgerViolations(entries)).toEqual([expect.stringContaining('unit: token 1 (a) written after token 2 (b) was at work')]);
    expect(fencedInFlight(entries)).toEqual([]);
  });

  it('calls two writers with one token a violation', async () => {
    await write('a', 1);
    await write('b', 1);
    expect(ledgerViolations(await readLedger(redis))).toEqual(['unit: token 1 used by a and b']);
  });
});
