import { describe, expect, it } from '@jest/globals';
import { toErrorInfo } from './supervision.events.js';

describe('toErrorInfo', () => {
  it('carries the name, the message and the stack as plain data', () => {
    const error = new RangeError('out of range');
    const info = toErrorInfo(error);
    expect(info.name).toBe('RangeError');
    expect(info.message).toBe('out of range');
    expect(info.stack).toBe(error.stack);
    expect(Object.keys(info)).toEqual(['name', 'message', 'stack']);
    // A data property, not a getter that would keep the error (and its frames) alive.
    expect(Object.getOwnPropertyDescriptor(info, 'stack')).toMatchObject({ value: error.stack, writable: true });
    expect({ ...info }.stack).toBe(error.stack);
    expect(JSON.parse(JSON.stringify(info))).toEqual({ name: 'RangeError', message: 'out of range', stack: error.stack });
  });

  it('describes a thrown non-error by its JSON or its string', () => {
    expect(toErrorInfo('plain')).toEqual({ name: 'NonError', message: 'plain' });
    expect(toErrorInfo({ code: 7 })).toEqual({ name: 'NonError', message: '{"code":7}' });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(toErrorInfo(cyclic)).toEqual({ name: 'NonError', message: '[object Object]' });
  });
});
