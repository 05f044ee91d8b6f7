import { describe, expect, it } from '@jest/globals';
import { hashKey, leastBusy, partitionOf, pickInstance } from './partition.js';

describe('hashKey (32-bit FNV-1a)', () => {
  it('matches the published FNV-1a test vectors', () => {
    expect(hashKey('')).toBe(0x811c9dc5);
    expect(hashKey('a')).toBe(0xe40c292c);
    expect(hashKey('foobar')).toBe(0xbf9cf968);
  });

  it('hashes a number as its decimal text', () => {
    expect(hashKey(7)).toBe(hashKey('7'));
    expect(hashKey(-1.5)).toBe(hashKey('-1.5'));
  });
});

describe('partitionOf', () => {
  it('sends the same key to the same instance, always within 0..count-1', () => {
    for (const key of ['acme', 'globex', 'initech', 42, 'ü-tenant']) {
      const first = partitionOf(key, 4);
      expect(first).toBeGreaterThanOrEqual(0);
      expect(first).toBeLessThan(4);
      expect(partitionOf(key, 4)).toBe(first);
    }
  });

  it('is hash mod count', () => {
    expect(partitionOf('foobar', 7)).toBe(0xbf9cf968 % 7);
  });

  it('spreads many keys over every instance, roughly evenly', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4_000; i++) counts[partitionOf(`tenant-${i}`, 4)]! += 1;
    for (const n of counts) expect(n).toBeGreaterThan(800);
  });
});

describe('leastBusy', () => {
  it('picks the instance with the fewest messages', () => {
    expect(leastBusy([3, 1, 2], 0).instance).toBe(1);
  });

  it('takes turns among equally busy instances, from the cursor', () => {
    let cursor = 0;
    const picks: number[] = [];
    for (let i = 0; i < 6; i++) {
      const pick = leastBusy([0, 0, 0], cursor);
      picks.push(pick.instance);
      cursor = pick.cursor;
    }
    expect(picks).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('among the least busy, takes the first at or after the cursor, wrapping around', () => {
    expect(leastBusy([1, 2, 1, 1], 1)).toEqual({ instance: 2, cursor: 3 });
    expect(leastBusy([0, 2, 1, 1], 1)).toEqual({ instance: 0, cursor: 1 });
  });
});

describe('pickInstance', () => {
  it('routes by key regardless of load, and leaves the cursor', () => {
    expect(pickInstance([9, 0, 0], 'foobar', 2)).toEqual({ instance: 0xbf9cf968 % 3, cursor: 2 });
  });

  it('without a key, picks the least busy', () => {
    expect(pickInstance([2, 0, 1], undefined, 0)).toEqual({ instance: 1, cursor: 2 });
  });
});
