import { describe, expect, it } from '@jest/globals';
import { ERROR_SAMPLES } from '../../../../test/helpers/error-samples.js';
import * as clusterEntry from '../cluster/index.js';
import { WIRE_ERRORS } from '../cluster/cluster.wire.js';
import * as mainEntry from '../index.js';
import { NodeUnavailableError } from './supervision-request.error.js';
import { SupervisorGaveUpError } from './supervision-runtime.error.js';
import { decodeError, encodeError, errorClassesOf, type WireError } from './wire-error.js';

const roundTrip = (error: unknown) => decodeError(JSON.parse(JSON.stringify(encodeError(error))) as WireError, WIRE_ERRORS);

/** An error's own enumerable fields, as a caller reads them (`name` is compared on its own: some classes set it as an own field). */
const fieldsOf = (error: Error): Record<string, unknown> => Object.fromEntries(Object.entries(error).filter(([key]) => key !== 'name'));

describe('every error class the package exports (main and cluster entries)', () => {
  // WorkerStopRequest is an abort reason (ctx.signal.reason), not an error that a reply carries.
  const exported = Object.fromEntries(Object.entries(errorClassesOf(mainEntry, clusterEntry)).filter(([name]) => name.endsWith('Error')));

  it('has a sample to check', () => {
    expect(Object.keys(ERROR_SAMPLES).sort()).toEqual(Object.keys(exported).sort());
  });

  it.each(Object.keys(exported))('%s crosses the wire as itself: class, name, message, fields and cause', (name) => {
    const sample = ERROR_SAMPLES[name]!;
    expect(sample).toBeInstanceOf(exported[name] as unknown as new () => Error);
    // The class's export name is its errors' name (CallError is abstract: its sample is a subclass).
    if (Object.getPrototypeOf(sample) === exported[name]!.prototype) expect(sample.name).toBe(name);
    const revived = roundTrip(sample);
    expect(Object.getPrototypeOf(revived)).toBe(Object.getPrototypeOf(sample));
    expect(revived.name).toBe(sample.name);
    expect(revived.message).toBe(sample.message);
    expect(fieldsOf(revived)).toEqual(fieldsOf(sample));
    if (sample.cause !== undefined) expect(revived.cause).toMatchObject({ name: (sample.cause as Error).name, message: (sample.cause as Error).message });
  });
});

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
