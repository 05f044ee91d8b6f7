import { deserialize, serialize, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { inspect } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { toErrorInfo } from './supervision.events.js';

describe('toErrorInfo', () => {
  it('carries the name, the message and the stack, as own enumerable properties', () => {
    const error = new RangeError('out of range');
    const info = toErrorInfo(error);
    expect(info.name).toBe('RangeError');
    expect(info.message).toBe('out of range');
    expect(Object.keys(info)).toEqual(['name', 'message', 'stack']);
    expect(info.stack).toBe(error.stack);
  });

  it('reads as no stack, not a TypeError, through a wrapper whose `this` is not the instance', () => {
    const info = toErrorInfo(new Error('wrapped'));
    const proxied = new Proxy(info, {});
    expect(proxied.message).toBe('wrapped');
    expect(proxied.stack).toBeUndefined();
    expect(() => ((proxied as { stack?: string }).stack = 'set')).not.toThrow();
    expect((Object.create(info) as typeof info).stack).toBeUndefined();
    // The instance itself is untouched by the wrapper's reads and writes.
    expect(info.stack).toMatch(/^Error: wrapped/);
  });

  it('reads the stack from the error only when the stack is first read', () => {
    const error = new Error('crash');
    let reads = 0;
    const formatted = error.stack;
    Object.defineProperty(error, 'stack', { get: () => (reads += 1, formatted), configurable: true });
    const info = toErrorInfo(error);
    expect(reads).toBe(0);
    expect(info.stack).toBe(formatted);
    expect(info.stack).toBe(formatted);
    expect(reads).toBe(1);
  });

  it('gives the stack an eager read would have given, which V8 formats once for the error', () => {
    const error = new Error('crash');
    const info = toErrorInfo(error);
    const read = error.stack;
    expect(info.stack).toBe(read);
  });

  it('carries the stack through a spread, JSON, structuredClone and v8 serialization', () => {
    const error = new TypeError('bad');
    const expected = { name: 'TypeError', message: 'bad', stack: error.stack };
    expect({ ...toErrorInfo(error) }).toEqual(expected);
    expect(JSON.parse(JSON.stringify(toErrorInfo(error)))).toEqual(expected);
    expect(structuredClone(toErrorInfo(error))).toEqual(expected);
    expect(deserialize(serialize({ error: toErrorInfo(error) }))).toEqual({ error: expected });
  });

  it('prints as plain data, stack included', () => {
    const error = new Error('crash');
    const info = toErrorInfo(error);
    expect(inspect(info)).toBe(inspect({ name: 'Error', message: 'crash', stack: error.stack }));
  });

  it('lets go of the error once the stack is read', async () => {
    let ref: WeakRef<Error> | undefined;
    const info = (() => {
      const error = new Error('crash');
      ref = new WeakRef(error);
      return toErrorInfo(error);
    })();
    const stack = info.stack;
    await collected(() => ref!.deref() === undefined);
    expect(ref!.deref()).toBeUndefined();
    expect(info.stack).toBe(stack);
    expect(stack).toMatch(/^Error: crash\n/);
  });

  it('keeps the stack writable and deletable, as a plain property', () => {
    const info = toErrorInfo(new Error('crash')) as { stack?: string };
    info.stack = 'redacted';
    expect(info.stack).toBe('redacted');
    expect(JSON.parse(JSON.stringify(info)).stack).toBe('redacted');
    delete info.stack;
    expect('stack' in info).toBe(false);
  });

  it('describes a thrown non-error by its JSON or its string', () => {
    expect(toErrorInfo('plain')).toEqual({ name: 'NonError', message: 'plain' });
    expect(toErrorInfo({ code: 7 })).toEqual({ name: 'NonError', message: '{"code":7}' });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(toErrorInfo(cyclic)).toEqual({ name: 'NonError', message: '[object Object]' });
  });
});

/** Full garbage collections, a turn of the event loop before each (a WeakRef holds its target until its job ends), until `done()`. */
async function collected(done: () => boolean): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 10 && !done(); i += 1) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
}
