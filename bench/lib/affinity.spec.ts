import { describe, expect, it } from '@jest/globals';
import { cpusOf } from './affinity.js';

describe('cpusOf', () => {
  it('reads the CPU lists taskset prints', () => {
    expect(cpusOf('0')).toEqual([0]);
    expect(cpusOf('0-1')).toEqual([0, 1]);
    expect(cpusOf('0,2-3')).toEqual([0, 2, 3]);
    expect(cpusOf('1-3,5,7-8')).toEqual([1, 2, 3, 5, 7, 8]);
  });
});
