import { describe, expect, it } from '@jest/globals';
import { assign, hash53, ownerOf } from './rendezvous.js';

const units = (n: number) => Array.from({ length: n }, (_, i) => `Consumer#${i}`);
const members = (n: number, prefix = 'replica') => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
const counts = (owners: Map<string, string | undefined>) => {
  const out = new Map<string, number>();
  for (const owner of owners.values()) out.set(owner!, (out.get(owner!) ?? 0) + 1);
  return out;
};
/** A small seeded RNG, so a failing case can be replayed. */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

describe('rendezvous placement', () => {
  it('gives no owner without members, and the only member everything', () => {
    expect(ownerOf('Consumer#0', [])).toBeUndefined();
    expect([...assign(units(10), ['solo']).values()]).toEqual(Array(10).fill('solo'));
  });

  it('does not depend on the order of the member list', () => {
    const list = members(5);
    expect(assign(units(100), list)).toEqual(assign(units(100), [...list].reverse()));
  });

  it('spreads 1024 partitions over 4 members within 20% of an even share, for any member names', () => {
    const random = rng(12);
    for (let trial = 0; trial < 20; trial++) {
      const list = members(4, `m${Math.floor(random() * 1e9)}`);
      const load = counts(assign(units(1024), list));
      for (const member of list) {
        expect(Math.abs((load.get(member) ?? 0) - 256)).toBeLessThan(256 * 0.2);
      }
    }
  });

  it('spreads 64 partitions over 3 members with none far from a third (binomial spread)', () => {
    const random = rng(7);
    for (let trial = 0; trial < 200; trial++) {
      const list = members(3, `r${Math.floor(random() * 1e9)}`);
      const load = counts(assign(units(64), list));
      for (const member of list) expect(load.get(member) ?? 0).toBeGreaterThanOrEqual(7);
      for (const member of list) expect(load.get(member) ?? 0).toBeLessThanOrEqual(36);
    }
  });

  it('moves only the leaving member\'s partitions when a member leaves', () => {
    const list = members(5);
    const before = assign(units(512), list);
    const after = assign(units(512), list.filter((m) => m !== 'replica-2'));
    for (const [unit, owner] of before) {
      if (owner !== 'replica-2') expect(after.get(unit)).toBe(owner);
      else expect(after.get(unit)).not.toBe('replica-2');
    }
  });

  it('moves only partitions to a joining member, about 1/(n+1) of them', () => {
    const list = members(3);
    const before = assign(units(1024), list);
    const after = assign(units(1024), [...list, 'replica-new']);
    let moved = 0;
    for (const [unit, owner] of before) {
      if (after.get(unit) !== owner) {
        moved += 1;
        expect(after.get(unit)).toBe('replica-new');
      }
    }
    expect(moved).toBeGreaterThan(1024 * 0.2);
    expect(moved).toBeLessThan(1024 * 0.3);
  });

  it('hashes the same text to the same 53-bit integer, and nearby texts far apart', () => {
    expect(hash53('a\u0000Consumer#1')).toBe(hash53('a\u0000Consumer#1'));
    expect(Number.isSafeInteger(hash53('x'))).toBe(true);
    expect(hash53('Consumer#1')).not.toBe(hash53('Consumer#2'));
  });
});
