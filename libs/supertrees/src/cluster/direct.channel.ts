import { createServer, connect, type Server, type Socket } from 'node:net';
import { ClusterDataError, ClusterRedisError } from './cluster.errors.js';
import { CLUSTER_MESSAGES } from './cluster.messages.js';
import type { PeerAddress } from './cluster.replies.js';
import type { RouteFrame, RouteReply, RouteRequest } from './cluster.wire.js';
import { encodeFrame, FrameReader, HANDSHAKE_MAX_BYTES, handshakeMac, macEquals, newNonce, parseHandshake } from './direct.frames.js';

export interface DirectChannelOptions {
  readonly memberId: string;
  readonly namespace: string;
  readonly listen: { readonly host: string; readonly port: number };
  /** Longest time a connection may take to connect and authenticate, either side, ms: fixed, not the command timeout. */
  readonly handshakeMs: number;
  /** Most inbound connections authenticating at once; one more is closed at once and reported to `refused`. */
  readonly maxPendingHandshakes: number;
  /** TCP keep-alive on every connection, ms: a peer that vanished without a FIN is noticed. */
  readonly keepAliveMs: number;
  /** Largest frame accepted from an authenticated peer, bytes. */
  readonly maxFrameBytes: number;
  /** Reads an authenticated frame (`parseFrame` with the router's limits); throws `ClusterDataError`. */
  readonly parse: (text: string) => RouteFrame;
  /** Answers a request from a peer. Never rejects. */
  readonly serve: (request: RouteRequest) => Promise<RouteReply>;
  /** A reply from a peer, for the router to match with its call. */
  readonly reply: (frame: RouteReply) => void;
  /** The connection that carried these requests broke before their replies came: they may have run. */
  readonly lost: (ids: readonly string[]) => void;
  /** A frame or handshake refused: counted and logged by the router; the connection is closed. */
  readonly garbage: (error: unknown) => void;
  /** A handshake failed its MAC check: the secret may have changed in Redis (restarted empty); the router reloads it. */
  readonly mismatch: () => void;
  /** An inbound connection closed unread: `maxPendingHandshakes` were already authenticating. */
  readonly refused: () => void;
}

/** One connection to a peer member, ours: requests go out on it, replies come back. */
interface Peer {
  readonly address: PeerAddress;
  readonly socket: Socket;
  /** Resolves once the peer proved it knows the secret; rejects if the connection ends before. */
  readonly ready: Promise<void>;
  /** Requests written on it and not answered yet. */
  readonly waiting: Set<string>;
  closed: boolean;
}

/**
 * The direct call channel of one member (`cluster.calls.transport: 'direct'`): a TCP listener that
 * serves requests from authenticated peers, and one persistent connection to each peer this member
 * calls, multiplexed by request id. Frames and handshake: `direct.frames.ts`. Whatever breaks a
 * connection (an error, garbage, the peer leaving, `close()`) ends it and reports the requests that
 * were waiting on it as lost; the next request opens a new one.
 */
export class DirectChannel {
  private server?: Server;
  private secret?: Buffer;
  private readonly peers = new Map<string, Peer>();
  private readonly inbound = new Set<Socket>();
  /** Inbound connections that have not authenticated yet. */
  private pending = 0;
  private listening?: Promise<void>;
  private closed = false;

  constructor(private readonly options: DirectChannelOptions) {}

  /** Opens the listener; resolves with the port it listens on. Rejects once closed, even while it was opening. */
  async listen(): Promise<number> {
    if (this.closed) throw new ClusterRedisError(CLUSTER_MESSAGES.routerStopped());
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    this.listening = new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.listen.port, this.options.listen.host, () => {
        server.off('error', reject);
        // close() came while it was opening: it closes here, and close() waits for this.
        if (this.closed) server.close(() => reject(new ClusterRedisError(CLUSTER_MESSAGES.routerStopped())));
        else resolve();
      });
    });
    await this.listening;
    // A listener error later (none is expected once it listens) must not crash the process.
    server.on('error', (error) => this.options.garbage(error));
    return (server.address() as { port: number }).port;
  }

  /** The namespace's secret: until it is known, nothing is served and nothing is sent here. New handshakes use the latest. */
  useSecret(secret: Buffer): void {
    this.secret = secret;
  }

  /** The secret in use, if any. */
  get currentSecret(): Buffer | undefined {
    return this.secret;
  }

  get authenticating(): boolean {
    return this.secret !== undefined && !this.closed;
  }

  /**
   * Sends `request` to `member` at `address`, on its connection (opened and authenticated first when
   * there is none). Resolves true once written; false when nothing was written: no connection could be
   * made or authenticated, or `wanted()` turned false meanwhile (the call settled).
   */
  async send(member: string, address: PeerAddress, request: RouteRequest, wanted: () => boolean): Promise<boolean> {
    if (!this.authenticating) return false;
    let peer = this.peers.get(member);
    if (peer && (peer.closed || peer.address.host !== address.host || peer.address.port !== address.port)) {
      this.drop(member);
      peer = undefined;
    }
    if (!peer) {
      peer = this.open(member, address);
      this.peers.set(member, peer);
    }
    try {
      await peer.ready;
    } catch {
      return false;
    }
    if (peer.closed || !wanted()) return false;
    peer.waiting.add(request.id);
    peer.socket.write(encodeFrame(request));
    return true;
  }

  /** The call of request `id` sent to `member` settled (timed out): its reply, if one comes, is late. */
  forget(member: string, id: string): void {
    this.peers.get(member)?.waiting.delete(id);
  }

  /** Closes the connection to `member` (it left, or its address changed); its waiting requests are lost. */
  drop(member: string): void {
    const peer = this.peers.get(member);
    if (!peer) return;
    this.peers.delete(member);
    peer.socket.destroy();
  }

  /** Closes the listener and every connection, both ways. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Deleting the entry being visited is safe in a Map iteration.
    for (const member of this.peers.keys()) this.drop(member);
    for (const socket of this.inbound) socket.destroy();
    // A listen() still opening closes its server itself once it listens (see listen()).
    await this.listening?.catch(() => undefined);
    const server = this.server;
    if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** A connection to a peer: wait for its hello, prove ourselves, check its proof. */
  private open(member: string, address: PeerAddress): Peer {
    const socket = connect({ host: address.host, port: address.port });
    const reader = new FrameReader(HANDSHAKE_MAX_BYTES);
    let settle!: { resolve: () => void; reject: (error: Error) => void };
    const ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    // Nobody awaits it when the connection is dropped before any request: no unhandled rejection.
    ready.catch(() => undefined);
    const peer: Peer = {
      address,
      socket,
      ready,
      waiting: new Set(),
      closed: false,
    };
    const timer = setTimeout(() => socket.destroy(), this.options.handshakeMs);
    let stage: 'hello' | 'ok' | 'open' = 'hello';
    let expected = '';
    const onText = (text: string): void => {
      if (stage === 'open') {
        const frame = this.options.parse(text);
        if (frame.t !== 'rep') throw new ClusterDataError('a direct channel frame', 'a request on a connection that carries replies');
        peer.waiting.delete(frame.id);
        this.options.reply(frame);
      } else if (stage === 'hello') {
        const hello = parseHandshake(text, 'hello');
        if (hello.member !== member) throw new ClusterDataError('a direct channel frame', `the listener at ${address.host}:${address.port} is ${hello.member}, not ${member}`);
        const auth = { member: this.options.memberId, nonce: newNonce() };
        const secret = this.secret!;
        socket.write(
          encodeFrame({
            v: 1,
            t: 'auth',
            ...auth,
            mac: handshakeMac(secret, 'c', this.options.namespace, hello, auth),
          }),
        );
        expected = handshakeMac(secret, 's', this.options.namespace, hello, auth);
        stage = 'ok';
      } else {
        if (!macEquals(parseHandshake(text, 'ok').mac, expected)) {
          this.options.mismatch();
          throw new ClusterDataError('a direct channel frame', `${member} did not prove it knows the namespace's secret`);
        }
        stage = 'open';
        reader.maxBytes = this.options.maxFrameBytes;
        clearTimeout(timer);
        settle.resolve();
      }
    };
    this.frames(socket, reader, onText, () => {
      clearTimeout(timer);
      peer.closed = true;
      if (this.peers.get(member) === peer) this.peers.delete(member);
      settle.reject(new Error('closed'));
      if (peer.waiting.size > 0) this.options.lost([...peer.waiting]);
      peer.waiting.clear();
    });
    return peer;
  }

  /** A connection from a peer: challenge it; once it proved itself, serve its requests on it. */
  private accept(socket: Socket): void {
    if (!this.authenticating) {
      socket.destroy();
      return;
    }
    if (this.pending >= this.options.maxPendingHandshakes) {
      socket.destroy();
      this.options.refused();
      return;
    }
    this.pending += 1;
    let authenticating = true;
    const authenticated = () => {
      if (!authenticating) return;
      authenticating = false;
      this.pending -= 1;
    };
    this.inbound.add(socket);
    const reader = new FrameReader(HANDSHAKE_MAX_BYTES);
    const hello = { member: this.options.memberId, nonce: newNonce() };
    let peer: string | undefined;
    const timer = setTimeout(() => socket.destroy(), this.options.handshakeMs);
    const onText = (text: string): void => {
      if (peer === undefined) {
        const auth = parseHandshake(text, 'auth');
        const secret = this.secret!;
        if (!macEquals(auth.mac, handshakeMac(secret, 'c', this.options.namespace, hello, auth))) {
          this.options.mismatch();
          throw new ClusterDataError('a direct channel frame', `a connection from ${socket.remoteAddress ?? '?'} failed to prove it knows the namespace's secret`);
        }
        peer = auth.member;
        reader.maxBytes = this.options.maxFrameBytes;
        clearTimeout(timer);
        authenticated();
        socket.write(
          encodeFrame({
            v: 1,
            t: 'ok',
            mac: handshakeMac(secret, 's', this.options.namespace, hello, auth),
          }),
        );
        return;
      }
      const frame = this.options.parse(text);
      if (frame.t !== 'req' || frame.from !== peer)
        throw new ClusterDataError(
          'a direct channel frame',
          frame.t !== 'req' ? 'a reply on a connection that carries requests' : `a request from ${frame.from} on ${peer}'s connection`,
        );
      // serve() never rejects; a throw here (encoding the reply) is garbage, not an unhandled rejection.
      this.options
        .serve(frame)
        .then((reply) => {
          if (!socket.destroyed) socket.write(encodeFrame(reply));
        })
        .catch((error: unknown) => {
          this.options.garbage(error);
          socket.destroy();
        });
    };
    this.frames(socket, reader, onText, () => {
      clearTimeout(timer);
      authenticated();
      this.inbound.delete(socket);
    });
    socket.write(encodeFrame({ v: 1, t: 'hello', ...hello }));
  }

  /** Hands each frame's text to `onText`; anything it throws is garbage: reported, and the connection closed. */
  private frames(socket: Socket, reader: FrameReader, onText: (text: string) => void, onClose: () => void): void {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, this.options.keepAliveMs);
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const text of reader.push(chunk)) onText(text);
      } catch (error) {
        this.options.garbage(error);
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
    socket.once('close', onClose);
  }
}
