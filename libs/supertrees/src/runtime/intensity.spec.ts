import { describe, expect, it } from '@jest/globals';
import { RestartIntensity } from './intensity.js';

describe('RestartIntensity', () => {
  it('allows up to maxRestarts restarts within the window', () => {
    const intensity = new RestartIntensity(3, 1_000);
    expect([intensity.record(0), intensity.record(10), intensity.record(20)]).toEqual([true, true, true]);
  });

  it('refuses the restart that is one more than maxRestarts within the window', () => {
    const intensity = new RestartIntensity(3, 1_000);
    intensity.record(0);
    intensity.record(10);
    intensity.record(20);
    expect(intensity.record(30)).toBe(false);
  });

  it('refuses the very first restart when maxRestarts is 0', () => {
    expect(new RestartIntensity(0, 1_000).record(0)).toBe(false);
  });

  it('forgets restarts once they slide out of the window', () => {
    const intensity = new RestartIntensity(2, 1_000);
    intensity.record(0);
    intensity.record(100);
    expect(intensity.record(1_050)).toBe(true);
  });

  it('still counts the restarts that remain inside the sliding window', () => {
    const intensity = new RestartIntensity(2, 1_000);
    intensity.record(0);
    intensity.record(500);
    expect(intensity.record(1_200)).toBe(true);
    expect(intensity.record(1_400)).toBe(false);
  });

  // As OTP does (`R >= Now - Period`), a restart exactly `withinMs` old is still in the window.
  it('counts a restart exactly withinMs old as inside the window', () => {
    const intensity = new RestartIntensity(1, 1_000);
    intensity.record(0);
    expect(intensity.record(1_000)).toBe(false);
  });

  it('forgets a restart just over withinMs old', () => {
    const intensity = new RestartIntensity(1, 1_000);
    intensity.record(0);
    expect(intensity.record(1_001)).toBe(true);
  });

  it('never refuses when maxRestarts is unlimited', () => {
    const intensity = new RestartIntensity(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
    const results = Array.from({ length: 1_000 }, (_, i) => intensity.record(i));
    expect(results.every((r) => r)).toBe(true);
  });

  it('keeps every restart in a window of unlimited length', () => {
    const intensity = new RestartIntensity(2, Number.POSITIVE_INFINITY);
    intensity.record(0);
    intensity.record(1e9);
    expect(intensity.record(2e9)).toBe(false);
  });

  describe('the window', () => {
    it('counts only the restarts inside the window ending at now', () => {
      const intensity = new RestartIntensity(3, 1_000);
      expect([intensity.record(0), intensity.record(600), intensity.record(900)]).toEqual([true, true, true]);
      // 0 has left the window ending at 1 500: 600, 900 and 1 500 are three, which is allowed.
      expect(intensity.record(1_500)).toBe(true);
      expect(intensity.record(1_550)).toBe(false);
    });

    it('lets the first restart through when maxRestarts is at least 1', () => {
      expect(new RestartIntensity(1, 1_000).record(0)).toBe(true);
    });
  });
});
