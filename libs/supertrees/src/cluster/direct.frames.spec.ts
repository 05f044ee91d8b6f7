import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { ClusterDataError } from './cluster.errors.js';
import { encodeFrame, FrameReader, HANDSHAKE_MAX_BYTES, handshakeMac, LENGTH_BYTES, macEquals, newNonce, parseHandshake } from './direct.frames.js';

describe('direct channel frames', () => {
  it('carries a value as a 4-byte length and its JSON', () => {
    const frame = encodeFrame({ a: 'é' });
    expect(frame.readUInt32BE(0)).toBe(frame.length - LENGTH_BYTES);
    expect(frame.subarray(LENGTH_BYTES).toString('utf8')).toBe('{"a":"é"}');
  });

  it('cuts a stream into frames however the bytes arrive', () => {
    const stream = Buffer.concat([encodeFrame({ n: 1 }), encodeFrame('two'), encodeFrame({ text: 'ü'.repeat(50) })]);
    for (const size of [1, 3, 7, stream.length]) {
      const reader = new FrameReader(1_000);
      const texts: string[] = [];
      for (let at = 0; at < stream.length; at += size) texts.push(...reader.push(stream.subarray(at, at + size)));
      expect(texts.map((t) => JSON.parse(t) as unknown)).toEqual([{ n: 1 }, 'two', { text: 'ü'.repeat(50) }]);
    }
  });

  it('refuses a frame longer than its limit as soon as the length is read', () => {
    const reader = new FrameReader(HANDSHAKE_MAX_BYTES);
    const header = Buffer.alloc(LENGTH_BYTES);
    header.writeUInt32BE(HANDSHAKE_MAX_BYTES + 1);
    expect(() => reader.push(header)).toThrow(ClusterDataError);
    expect(() => new FrameReader(10).push(Buffer.from('GET / HTTP/1.1\r\n'))).toThrow(/frame of \d+ bytes, more than 10/);
  });

  it('reads the handshake frames and refuses anything else', () => {
    const nonce = newNonce();
    expect(parseHandshake(JSON.stringify({ v: 1, t: 'hello', member: 'm-1', nonce }), 'hello')).toMatchObject({ member: 'm-1', nonce });
    const bad = [
      'not json',
      JSON.stringify({ v: 1, t: 'auth', member: 'm-1', nonce, mac: 'ab' }),
      JSON.stringify({ v: 2, t: 'hello', member: 'm-1', nonce }),
      JSON.stringify({ v: 1, t: 'hello', member: 'a b', nonce }),
      JSON.stringify({ v: 1, t: 'hello', member: 'm-1', nonce: 'short' }),
      JSON.stringify([1]),
    ];
    for (const text of bad) expect(() => parseHandshake(text, 'hello')).toThrow(ClusterDataError);
    expect(() => parseHandshake(JSON.stringify({ v: 1, t: 'ok', mac: 'z'.repeat(64) }), 'ok')).toThrow(/mac/);
  });

  it("proves knowledge of the secret per side and per challenge, never the secret's bytes", () => {
    const secret = randomBytes(32);
    const hello = { member: 'listener', nonce: newNonce() };
    const auth = { member: 'caller', nonce: newNonce() };
    const client = handshakeMac(secret, 'c', 'ns', hello, auth);
    expect(client).toMatch(/^[0-9a-f]{64}$/);
    expect(client).not.toContain(secret.toString('hex'));
    expect(macEquals(client, handshakeMac(secret, 'c', 'ns', hello, auth))).toBe(true);
    expect(macEquals(client, handshakeMac(secret, 's', 'ns', hello, auth))).toBe(false);
    expect(macEquals(client, handshakeMac(secret, 'c', 'other', hello, auth))).toBe(false);
    expect(macEquals(client, handshakeMac(secret, 'c', 'ns', { ...hello, nonce: newNonce() }, auth))).toBe(false);
    expect(macEquals(client, handshakeMac(randomBytes(32), 'c', 'ns', hello, auth))).toBe(false);
  });
});
