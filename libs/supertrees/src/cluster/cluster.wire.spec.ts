import { describe, expect, it } from '@jest/globals';
import { ClusterDataError } from './cluster.errors.js';
import { FRAME_OVERHEAD_BYTES, parseFrame, parseUnitId } from './cluster.wire.js';

const MAX = 1_024;
const request = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({ v: 1, t: 'req', id: 'ab12.7', from: 'replica-1', unit: 'root/Shard#3', kind: 'call', timeoutMs: 500, message: { n: 1 }, ...fields });
const reply = (fields: Record<string, unknown>) => JSON.stringify({ v: 1, t: 'rep', id: 'ab12.7', ...fields });

describe('routed messages read from an inbox', () => {
  it('accepts the requests and replies routers send', () => {
    expect(parseFrame(request(), MAX)).toEqual({ v: 1, t: 'req', id: 'ab12.7', from: 'replica-1', unit: 'root/Shard#3', kind: 'call', timeoutMs: 500, message: { n: 1 } });
    expect(parseFrame(reply({ r: 'ok', value: [1, 'a'] }), MAX)).toEqual({ v: 1, t: 'rep', id: 'ab12.7', r: 'ok', value: [1, 'a'] });
    expect(parseFrame(reply({ r: 'ok' }), MAX)).toEqual({ v: 1, t: 'rep', id: 'ab12.7', r: 'ok' });
    expect(parseFrame(reply({ r: 'not-owner' }), MAX)).toEqual({ v: 1, t: 'rep', id: 'ab12.7', r: 'not-owner' });
    expect(parseFrame(reply({ r: 'error', error: { name: 'CallRejectedError', message: 'no', data: { path: 'root/W' } } }), MAX)).toMatchObject({ r: 'error', error: { name: 'CallRejectedError' } });
  });

  it('keeps only the fields it knows', () => {
    expect(parseFrame(request({ extra: 'x' }), MAX)).not.toHaveProperty('extra');
  });

  it.each([
    ['not JSON', '{"v":1,'],
    ['a JSON array', '[1,2]'],
    ['another version', request({ v: 2 })],
    ['an unknown type', request({ t: 'evt' })],
    ['an id with a space', request({ id: 'a b' })],
    ['a sender that is not a member id', request({ from: 'x y' })],
    ['a unit name with a hash tag', request({ unit: '{ns}:lease' })],
    ['a partition past the largest count', request({ unit: 'root/Shard#5000' })],
    ['an unknown kind', request({ kind: 'eval' })],
    ['a zero timeout', request({ timeoutMs: 0 })],
    ['a timeout that is text', request({ timeoutMs: '500' })],
    ['a message larger than the limit', request({ message: 'x'.repeat(MAX + 10) })],
    ['a message nested too deep', request({ message: JSON.parse('['.repeat(70) + ']'.repeat(70)) as unknown })],
    ['a text longer than any frame', 'x'.repeat(MAX + FRAME_OVERHEAD_BYTES + 1)],
    ['an unknown reply kind', reply({ r: 'maybe' })],
    ['an error without a message', reply({ r: 'error', error: { name: 'E' } })],
    ['a reply value larger than the limit', reply({ r: 'ok', value: 'y'.repeat(MAX + 10) })],
  ])('rejects %s with a ClusterDataError', (_, text) => {
    expect(() => parseFrame(text, MAX)).toThrow(ClusterDataError);
  });

  it('names what was wrong', () => {
    expect(() => parseFrame(request({ kind: 'eval' }), MAX)).toThrow('unexpected data read from Redis for a routed message: kind "eval"');
  });

  it('reads unit ids as the lease layer writes them', () => {
    expect(parseUnitId('root/Reconciler')).toEqual({ id: 'root/Reconciler', name: 'root/Reconciler' });
    expect(parseUnitId('root/Shard#63')).toEqual({ id: 'root/Shard#63', name: 'root/Shard', partition: 63 });
    expect(parseUnitId('root/Shard#1024')).toBeUndefined();
    expect(parseUnitId('a b')).toBeUndefined();
  });
});
