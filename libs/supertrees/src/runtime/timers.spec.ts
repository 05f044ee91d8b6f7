import { describe, expect, it } from '@jest/globals';
import { RESTART_BURST_MAX, RestartScheduler, settlesWithin, type Clock } from './timers.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('RestartScheduler', () => {
  /** A chain of zero-delay restarts, each scheduling the next, until stopped. */
  function chain(scheduler: RestartScheduler = new RestartScheduler()) {
    const state = { restarts: 0, stopped: false, cancel: () => undefined as void };
    const next = () => {
      if (state.stopped) return;
      state.restarts += 1;
      state.cancel = scheduler.schedule(0, next);
    };
    next();
    return state;
  }
  const turnsWhile = async (state: { restarts: number }, turns: number): Promise<number[]> => {
    const seen: number[] = [];
    for (let i = 0; i < turns; i += 1) {
      await turn();
      seen.push(state.restarts);
    }
    return seen;
  };

  it('runs zero-delay restarts as microtasks, gives the event loop turns, and goes on across them', async () => {
    const state = chain();
    // Straight after the call nothing ran yet but the first: the rest are queued, not synchronous.
    expect(state.restarts).toBe(1);
    const seen = await turnsWhile(state, 5);
    state.stopped = true;
    state.cancel();
    // The loop got its turns (this test is running), many restarts ran per turn (no turn per
    // restart), and the chain kept going from turn to turn (the restart that yields is not lost).
    expect(seen[0]).toBeGreaterThan(1);
    for (let i = 1; i < seen.length; i += 1) expect(seen[i]).toBeGreaterThan(seen[i - 1]!);
  });

  it('ends a burst after RESTART_BURST_MAX restarts even when the clock does not move', async () => {
    const frozen: Clock = { now: () => 1_000 };
    const state = chain(new RestartScheduler(frozen));
    const seen = await turnsWhile(state, 3);
    state.stopped = true;
    state.cancel();
    expect(seen[0]).toBeLessThanOrEqual(RESTART_BURST_MAX + 2);
    expect(seen[2]).toBeGreaterThan(seen[1]!);
  });

  it('keeps a burst per scheduler: one tree that used up its burst does not make another tree wait', async () => {
    const frozen: Clock = { now: () => 1_000 };
    const crashLoop = new RestartScheduler(frozen);
    const other = new RestartScheduler(frozen);
    // The first tree's crash loop uses up its burst in this turn of the loop...
    for (let i = 0; i < RESTART_BURST_MAX; i += 1) crashLoop.schedule(0, () => undefined);
    const order: string[] = [];
    crashLoop.schedule(0, () => order.push('crash loop, past its burst'));
    // ...while the other tree's first zero-delay restart still runs as a microtask, before the loop turns.
    other.schedule(0, () => order.push('other tree'));
    await Promise.resolve();
    order.push('microtasks done');
    await turn();
    await turn();
    expect(order).toEqual(['other tree', 'microtasks done', 'crash loop, past its burst']);
  });

  it('cancels a queued zero-delay restart', async () => {
    let ran = false;
    const cancel = new RestartScheduler().schedule(0, () => (ran = true));
    cancel();
    await turn();
    await turn();
    expect(ran).toBe(false);
  });

  it('uses a timer for a positive delay, and cancels it', async () => {
    let ran = 0;
    const scheduler = new RestartScheduler();
    scheduler.schedule(5, () => (ran += 1));
    const cancel = scheduler.schedule(5, () => (ran += 10));
    cancel();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(ran).toBe(1);
  });
});

describe('settlesWithin', () => {
  it('is false for a promise that settles in time, either way, and true for one that does not', async () => {
    await expect(settlesWithin(Promise.resolve(), 1_000)).resolves.toBe(false);
    await expect(settlesWithin(Promise.reject(new Error('x')), 1_000)).resolves.toBe(false);
    await expect(settlesWithin(new Promise(() => undefined), 10)).resolves.toBe(true);
  });
});

