import { describe, expect, it } from '@jest/globals';
import { ClusterDataError } from './cluster.errors.js';
import { parseAcquire, parseLookup, parseMemberInfo, parseTick, parseView } from './cluster.replies.js';

describe('replies read from Redis', () => {
  it('accepts what the scripts return', () => {
    expect(parseTick([1_700_000_000_000, ['a', 'b'], [1, 0]], 2)).toEqual({ now: 1_700_000_000_000, members: ['a', 'b'], renewed: [true, false] });
    expect(parseAcquire(['granted', 1_700_000_000_001, 1_700_000_000_000])).toEqual({ kind: 'granted', token: 1_700_000_000_001, now: 1_700_000_000_000 });
    expect(parseAcquire(['held', 900, 'r2', '17'])).toEqual({ kind: 'held', pttl: 900, owner: 'r2', token: 17 });
    expect(parseAcquire(['wait', 1500])).toEqual({ kind: 'wait', ms: 1500 });
  });

  it.each([
    ['a non-array tick', () => parseTick('OK', 0)],
    ['a member id with a space', () => parseTick([1, ['bad id'], []], 0)],
    ['fewer renewals than leases sent', () => parseTick([1, [], [1]], 2)],
    ['a renewal flag that is not 0 or 1', () => parseTick([1, [], [7]], 1)],
    ['an unknown acquire reply', () => parseAcquire(['stolen', 1])],
    ['a token that is not a number', () => parseAcquire(['granted', 'NaN', 1])],
    ['a token of 0', () => parseAcquire(['granted', 0, 1])],
    ['member info that is not JSON', () => parseMemberInfo('{nope', 'a')],
    ['member info without its heartbeat time', () => parseMemberInfo('{"info":{}}', 'a')],
    ['member info with a nested object', () => parseMemberInfo('{"seen":1,"info":{"a":{"b":1}}}', 'a')],
    ['a lease holder that is not a member id', () => parseView([1, [], [['x y', '5', 100, '5']]], [{ id: 'U', name: 'U' }])],
    ['a lease token that is garbage', () => parseView([1, [], [['r1', 'abc', 100, '5']]], [{ id: 'U', name: 'U' }])],
  ])('rejects %s with a ClusterDataError', (_, read) => {
    expect(read).toThrow(ClusterDataError);
  });

  it('names what was wrong', () => {
    expect(() => parseAcquire(['granted', 'NaN', 1])).toThrow('unexpected data read from Redis for acquire: token: expected an integer >= 1, got "NaN"');
  });

  it('reads a view with a free unit and a held one', () => {
    const view = parseView(
      [1_000, [['r1', '3000', '{"seen":900,"info":{"port":3001}}']], [['', '', -2, ''], ['r1', '42', 1500, '42']]],
      [{ id: 'A', name: 'A' }, { id: 'B#3', name: 'B', partition: 3 }],
    );
    expect(view).toEqual({
      at: 1_000,
      members: [{ id: 'r1', lastSeenAt: 900, expiresAt: 3000, info: { port: 3001 } }],
      leases: [
        { unit: 'A', name: 'A', holder: null, token: null, expiresAt: null, lastToken: 0 },
        { unit: 'B#3', name: 'B', partition: 3, holder: 'r1', token: 42, expiresAt: 2_500, lastToken: 42 },
      ],
    });
  });
});

describe('the lookup of a holder and its direct channel address', () => {
  const record = (calls?: unknown) => JSON.stringify({ seen: 1, info: {}, ...(calls === undefined ? {} : { calls }) });

  it('reads nobody, a holder without a channel, and a holder with one', () => {
    expect(parseLookup(null, 'u')).toBeUndefined();
    expect(parseLookup(['m-1', ''], 'u')).toEqual({ owner: 'm-1', address: undefined });
    expect(parseLookup(['m-1', record()], 'u')).toEqual({ owner: 'm-1', address: undefined });
    expect(parseLookup(['m-1', record({ host: '10.0.0.7', port: 4100 })], 'u')).toEqual({ owner: 'm-1', address: { host: '10.0.0.7', port: 4100 } });
  });

  it.each([
    ['an owner that is not a member id', ['a b', '']],
    ['a record that is not JSON', ['m-1', '{']],
    ['a host with a path in it', ['m-1', record({ host: 'evil/x', port: 1 })]],
    ['port 0', ['m-1', record({ host: 'h', port: 0 })]],
    ['a port past 65535', ['m-1', record({ host: 'h', port: 70_000 })]],
    ['an address that is text', ['m-1', record('h:1')]],
  ])('refuses %s as ClusterDataError', (_what, reply) => {
    expect(() => parseLookup(reply, 'u')).toThrow(ClusterDataError);
  });
});
