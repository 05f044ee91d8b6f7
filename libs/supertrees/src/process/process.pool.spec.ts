import { describe, expect, it } from '@jest/globals';
import { childExecArgv, SEMI_SPACE_FLAG_RESET } from './process.pool.js';

describe('childExecArgv: the flags of a supervisor process', () => {
  it('adds the semi-space cap after the given flags, and the import that resets the flag once the heap is sized', () => {
    expect(childExecArgv(['--enable-source-maps'], 2)).toEqual(['--enable-source-maps', '--max-semi-space-size=2', SEMI_SPACE_FLAG_RESET]);
    expect(childExecArgv([], 16)).toEqual(['--max-semi-space-size=16', SEMI_SPACE_FLAG_RESET]);
  });

  it("a nested supervisor process's own flags (cap and reset) pass through unchanged", () => {
    const own = childExecArgv([], 2);
    expect(childExecArgv(own, 2)).toEqual(own);
  });

  it("leaves V8's default with 0", () => {
    expect(childExecArgv(['--enable-source-maps'], 0)).toEqual(['--enable-source-maps']);
  });

  it('lets a semi-space flag of the user win, in any spelling V8 accepts', () => {
    for (const flag of ['--max-semi-space-size=64', '--max_semi_space_size=64', '--max-semi-space-size']) {
      expect(childExecArgv([flag], 2)).toEqual([flag]);
    }
  });

  it("lets a semi-space flag in the process's NODE_OPTIONS win too", () => {
    expect(childExecArgv([], 2, '--enable-source-maps --max-semi-space-size=64')).toEqual([]);
    expect(childExecArgv([], 2, '--enable-source-maps')).toEqual(['--max-semi-space-size=2', SEMI_SPACE_FLAG_RESET]);
  });

  it('never changes the array it was given', () => {
    const given = ['--inspect=0'];
    childExecArgv(given, 2);
    expect(given).toEqual(['--inspect=0']);
  });
});
