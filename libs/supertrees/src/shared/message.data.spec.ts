import { describe, expect, it } from '@jest/globals';
import { InvalidChildSpecError } from '../errors/child-control.error.js';
import { MAX_ARGS_BYTES, validateDynamicSpec } from '../tree/dynamic-child.js';
import { checkData, MAX_DATA_DEPTH } from './message.data.js';

const MiB = 1_048_576;

describe('checkData', () => {
  it('accepts JSON data: null, booleans, finite numbers, strings, arrays and plain objects', () => {
    expect(checkData({ a: [1, 'x', null, true, { b: -0.5 }], c: Object.create(null) as object }, MiB, 'message')).toBeUndefined();
    expect(checkData('text', MiB, 'message')).toBeUndefined();
  });

  it('leaves out a property that is undefined, as JSON does', () => {
    expect(checkData({ optional: undefined }, MiB, 'message')).toBeUndefined();
  });

  it.each([
    [{ f: () => 1 }, 'message.f', 'a function is not data'],
    [{ s: Symbol('s') }, 'message.s', 'a symbol is not data'],
    [{ n: 10n }, 'message.n', 'a bigint is not data'],
    [[1, undefined], 'message[1]', 'undefined is not data'],
    [{ x: Number.POSITIVE_INFINITY }, 'message.x', 'Infinity is not a finite number'],
    [{ m: new Map() }, 'message.m', 'a Map is not data; send a plain object, array, string, number, boolean or null'],
  ])('names the field and the problem: %p', (value, field, problem) => {
    expect(checkData(value, MiB, 'message')).toEqual({ field, problem });
  });

  it('decides by the real prototype when an own "__proto__" property could pass for it', () => {
    class Point {
      x = 1;
    }
    // Reads as a plain object through `__proto__`, which the fast check looks at first.
    const disguised = new Point();
    Object.defineProperty(disguised, '__proto__', { value: Object.prototype, enumerable: true });
    expect(checkData(disguised, MiB, 'message')).toEqual({ field: 'message', problem: 'a Point is not data; send a plain object, array, string, number, boolean or null' });
    expect(checkData({ inner: disguised }, MiB, 'message')?.field).toBe('message.inner');
    // Not enumerable, or a getter on the class's prototype: its constructor still gives it away.
    const hidden = new Point();
    Object.defineProperty(hidden, '__proto__', { value: Object.prototype });
    expect(checkData(hidden, MiB, 'message')?.problem).toMatch(/a Point is not data/);
    class Liar {
      x = 1;
      get __proto__(): object {
        return Object.prototype;
      }
    }
    expect(checkData(new Liar(), MiB, 'message')?.problem).toMatch(/a Liar is not data/);
    // Data with a key named "__proto__" (JSON.parse makes it an own property) is still data.
    expect(checkData(JSON.parse('{"__proto__": {"a": 1}, "b": 2}'), MiB, 'message')).toBeUndefined();
    // So is data with a key named "constructor".
    expect(checkData({ constructor: 'x', n: 1 }, MiB, 'message')).toBeUndefined();
    // An object whose prototype is a plain object is not plain: JSON would drop what it inherits.
    expect(checkData(Object.create({ a: 1 }) as object, MiB, 'message')?.problem).toMatch(/is not data/);
  });

  it('finds a cycle, and accepts the same object twice side by side', () => {
    const shared = { k: 1 };
    expect(checkData({ a: shared, b: shared }, MiB, 'message')).toBeUndefined();
    const loop: Record<string, unknown> = {};
    loop.inner = { back: loop };
    expect(checkData(loop, MiB, 'message')).toEqual({ field: 'message.inner.back', problem: 'refers back to an object that contains it (a cycle)' });
  });

  it('refuses nesting deeper than MAX_DATA_DEPTH', () => {
    let deep: unknown = 1;
    for (let i = 0; i <= MAX_DATA_DEPTH; i++) deep = [deep];
    expect(checkData(deep, MiB, 'm')?.problem).toBe(`is nested deeper than ${MAX_DATA_DEPTH} levels`);
  });

  it('names the field that crosses the size limit, counted close to JSON length', () => {
    const value = { small: 'a', big: 'x'.repeat(100) };
    expect(JSON.stringify(value).length).toBeGreaterThan(64);
    expect(checkData(value, 64, 'reply')).toEqual({ field: 'reply.big', problem: 'makes it larger than 64 bytes' });
    expect(checkData(value, JSON.stringify(value).length + 16, 'reply')).toBeUndefined();
  });
});

describe("a dynamic child's args, by the same check", () => {
  function refusal(args: unknown): unknown {
    try {
      validateDynamicSpec({ id: 'x', args });
      return undefined;
    } catch (error) {
      return error;
    }
  }

  it.each([
    [{ when: new Date(0) }, 'args.when', 'a Date is not data; send a plain object, array, string, number, boolean or null'],
    [{ cb: () => 1 }, 'args.cb', 'a function is not data'],
    [{ list: [1, 2n] }, 'args.list[1]', 'a bigint is not data'],
    [{ n: Number.NaN }, 'args.n', 'NaN is not a finite number'],
    [new Map(), 'args', 'a Map is not data; send a plain object, array, string, number, boolean or null'],
  ])('refuses with an InvalidChildSpecError naming the field: %p', (args, field, problem) => {
    const error = refusal(args);
    expect(error).toBeInstanceOf(InvalidChildSpecError);
    expect(error).toMatchObject({ field, problem });
  });

  it('refuses args larger than MAX_ARGS_BYTES, naming the field that crosses it', () => {
    expect(refusal({ plan: 'gold', blob: 'x'.repeat(MAX_ARGS_BYTES) })).toMatchObject({ field: 'args.blob', problem: `makes it larger than ${MAX_ARGS_BYTES} bytes` });
  });

  it('accepts data, and leaves out an undefined property as JSON does', () => {
    expect(refusal({ plan: 'gold', seats: [1, 2], note: null, optional: undefined })).toBeUndefined();
  });
});
