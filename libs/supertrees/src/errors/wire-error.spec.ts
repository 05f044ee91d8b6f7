import { describe, expect, it } from '@jest/globals';
import { NodeUnavailableError } from './supervision-request.error.js';
import { SupervisorGaveUpError } from './supervision-runtime.error.js';
import { decodeError, encodeError } from './wire-error.js';

const roundTrip = (error: unknown) => decodeError(JSON.parse(JSON.stringify(encodeError(error))));

describe('encodeError / decodeError', () => {
  it('revives a library error as an instance of its class with its fields', () => {
    const error = roundTrip(new NodeUnavailableError('startChild', 'root/T', 'exited', 'gone'));
    expect(error).toBeInstanceOf(NodeUnavailableError);
    expect(error).toMatchObject({ name: 'NodeUnavailableError', op: 'startChild', path: 'root/T', code: 'exited', reason: 'gone' });
    expect(error.message).toBe(new NodeUnavailableError('startChild', 'root/T', 'exited', 'gone').message);
  });

  it('keeps the name, message and plain fields of a user error, and its cause', () => {
    class QuotaError extends Error {
      readonly tenant = 'acme';
      readonly handler = () => 1;
      constructor() {
        super('over quota', { cause: new RangeError('too big') });
        this.name = 'QuotaError';
      }
    }
    const error = roundTrip(new QuotaError());
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'QuotaError', message: 'over quota', tenant: 'acme' });
    expect((error as unknown as Record<string, unknown>).handler).toBeUndefined();
    expect(error.cause).toMatchObject({ name: 'RangeError', message: 'too big' });
  });

  it('revives a nested library error as the cause', () => {
    const gaveUp = new SupervisorGaveUpError('root/A', 3, 5_000, 'root/A/W', { cause: new Error('boom') });
    const error = roundTrip(new Error('outer', { cause: gaveUp }));
    expect(error.cause).toBeInstanceOf(SupervisorGaveUpError);
    expect((error.cause as Error).cause).toMatchObject({ message: 'boom' });
  });

  it('turns a thrown non-error into an Error', () => {
    expect(encodeError('nope')).toEqual({ name: 'Error', message: 'nope' });
  });
});
