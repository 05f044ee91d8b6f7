import { describe, expect, it } from '@jest/globals';
import type { RestartPolicy } from '../interfaces/options.interface.js';
import { restartGroup, restartsWithSibling, shouldRestart, type ExitKind } from './restart.decisions.js';

describe('shouldRestart', () => {
  const table: [RestartPolicy, ExitKind, number, boolean][] = [
    ['always', 'normal', 0, true],
    ['always', 'failed', 0, true],
    ['always', 'failed', 100, true],
    ['on-failure', 'normal', 0, false],
    ['on-failure', 'failed', 0, true],
    ['on-failure', 'failed', 100, true],
    ['once', 'normal', 0, true],
    ['once', 'failed', 0, true],
    ['once', 'normal', 1, false],
    ['once', 'failed', 1, false],
    ['never', 'normal', 0, false],
    ['never', 'failed', 0, false],
  ];

  it.each(table)('policy %s, exit %s, after %i restarts: %s', (policy, exit, restarts, expected) => {
    expect(shouldRestart(policy, exit, restarts)).toBe(expected);
  });
});

describe('restartsWithSibling', () => {
  const table: [RestartPolicy, number, boolean][] = [
    ['always', 0, true],
    ['always', 5, true],
    ['on-failure', 0, true],
    ['on-failure', 5, true],
    ['once', 0, true],
    ['once', 1, false],
    ['never', 0, false],
  ];

  it.each(table)('policy %s after %i restarts: %s', (policy, restarts, expected) => {
    expect(restartsWithSibling(policy, restarts)).toBe(expected);
  });
});

describe('restartGroup', () => {
  it('one-for-one restarts only the failed child', () => {
    expect(restartGroup('one-for-one', 4, 2)).toEqual([2]);
  });

  it('one-for-all restarts every child, in start order', () => {
    expect(restartGroup('one-for-all', 4, 2)).toEqual([0, 1, 2, 3]);
  });

  it('rest-for-one restarts the failed child and those started after it', () => {
    expect(restartGroup('rest-for-one', 4, 1)).toEqual([1, 2, 3]);
  });

  it('rest-for-one of the last child restarts only it', () => {
    expect(restartGroup('rest-for-one', 4, 3)).toEqual([3]);
  });

  it('rest-for-one of the first child restarts all', () => {
    expect(restartGroup('rest-for-one', 3, 0)).toEqual([0, 1, 2]);
  });

  it('one-for-all of an only child restarts just it', () => {
    expect(restartGroup('one-for-all', 1, 0)).toEqual([0]);
  });
});
