// The direct channel's listener on real TCP (127.0.0.1, a port of its own): the handshake bound, the
// cap on connections authenticating, close() during listen(), a serve() that rejects.
import { afterEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { rawConnection } from '../../../../test/helpers/direct-raw.js';
import { ClusterRedisError } from './cluster.errors.js';
import { parseFrame } from './cluster.wire.js';
import { DirectChannel, type DirectChannelOptions } from './direct.channel.js';
import { encodeFrame, handshakeMac, newNonce, parseHandshake } from './direct.frames.js';

const SECRET = randomBytes(32);

interface Seen {
  garbage: unknown[];
  refused: number;
  mismatches: number;
}

function channel(options: Partial<DirectChannelOptions> = {}): { channel: DirectChannel; seen: Seen } {
  const seen: Seen = { garbage: [], refused: 0, mismatches: 0 };
  const made = new DirectChannel({
    memberId: 'm1',
    namespace: 'ns',
    listen: { host: '127.0.0.1', port: 0 },
    handshakeMs: 60_000,
    maxPendingHandshakes: 64,
    keepAliveMs: 10_000,
    maxFrameBytes: 1 << 20,
    parse: (text) => parseFrame(text, 1 << 16),
    serve: async (request) => ({ v: 1, t: 'rep', id: request.id, r: 'ok' }),
    reply: () => undefined,
    lost: () => undefined,
    garbage: (error) => seen.garbage.push(error),
    mismatch: () => (seen.mismatches += 1),
    refused: () => (seen.refused += 1),
    ...options,
  });
  made.useSecret(SECRET);
  return { channel: made, seen };
}

const servers = () => process.getActiveResourcesInfo().filter((name) => name === 'TCPServerWrap').length;

describe('DirectChannel (real TCP)', () => {
  const channels: DirectChannel[] = [];
  const sockets: Socket[] = [];
  const started = (made: ReturnType<typeof channel>) => (channels.push(made.channel), made);
  const client = (port: number) => {
    const made = rawConnection(port);
    sockets.push(made.socket);
    return made;
  };
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    for (const made of channels.splice(0)) await made.close();
    // Closed handles are released on a later turn of the event loop.
    await new Promise((resolve) => setTimeout(resolve, 10));
  });

  it('closes a connection that does not authenticate within the handshake bound', async () => {
    const { channel: made, seen } = started(channel({ handshakeMs: 200 }));
    const peer = client(await made.listen());
    expect(parseHandshake(await peer.next(), 'hello').member).toBe('m1');
    // It sends nothing more: the listener hangs up at the bound, and counts nothing as garbage.
    await peer.closed;
    expect(seen.garbage).toEqual([]);
  });

  it('refuses a connection past the cap of connections authenticating, and reports it', async () => {
    const { channel: made, seen } = started(channel({ maxPendingHandshakes: 2 }));
    const port = await made.listen();
    const waiting = [client(port), client(port)];
    for (const waiter of waiting) await waiter.next();
    const third = client(port);
    await third.closed;
    expect(seen.refused).toBe(1);
    expect(waiting.every((waiter) => !waiter.socket.destroyed)).toBe(true);
    // One of them hangs up: a new connection is challenged again.
    waiting[0]!.socket.destroy();
    await waiting[0]!.closed;
    const fourth = client(port);
    expect(parseHandshake(await fourth.next(), 'hello').member).toBe('m1');
    expect(seen.refused).toBe(1);
  });

  it('leaves no listener when closed while listen() is pending, and refuses to listen after', async () => {
    const before = servers();
    const { channel: made } = channel();
    const listening = made.listen();
    await made.close();
    await expect(listening).rejects.toThrow(ClusterRedisError);
    await expect(made.listen()).rejects.toThrow('the cluster router is stopped');
    // The handle itself goes on a later turn of the event loop.
    for (let turn = 0; turn < 100 && servers() !== before; turn++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(servers()).toBe(before);
  });

  it('counts a serve() that rejects as garbage and closes the connection, with no unhandled rejection', async () => {
    const { channel: made, seen } = started(channel({ serve: () => Promise.reject(new Error('boom')) }));
    const peer = client(await made.listen());
    const hello = parseHandshake(await peer.next(), 'hello');
    const auth = { member: 'm2', nonce: newNonce() };
    peer.socket.write(encodeFrame({ v: 1, t: 'auth', ...auth, mac: handshakeMac(SECRET, 'c', 'ns', hello, auth) }));
    parseHandshake(await peer.next(), 'ok');
    peer.socket.write(encodeFrame({ v: 1, t: 'req', id: 'x.1', from: 'm2', unit: 'root/Echo', kind: 'call', timeoutMs: 1_000, message: 1 }));
    await peer.closed;
    expect(seen.garbage).toEqual([new Error('boom')]);
  });

  it('reports a handshake whose MAC fails (the secret may have changed)', async () => {
    const { channel: made, seen } = started(channel());
    const peer = client(await made.listen());
    const hello = parseHandshake(await peer.next(), 'hello');
    const auth = { member: 'm2', nonce: newNonce() };
    peer.socket.write(encodeFrame({ v: 1, t: 'auth', ...auth, mac: handshakeMac(randomBytes(32), 'c', 'ns', hello, auth) }));
    await peer.closed;
    expect(seen.mismatches).toBe(1);
    expect(seen.garbage).toHaveLength(1);
  });
});
