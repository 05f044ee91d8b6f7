import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ClusterDataError } from './cluster.errors.js';
import { MEMBER_ID_PATTERN } from './cluster.options.js';

/**
 * The bytes of a direct call channel (`cluster.calls.transport: 'direct'`): frames of a 4-byte
 * big-endian length and that many bytes of UTF-8 JSON. After the handshake a frame is a
 * `RouteRequest` or `RouteReply` (`cluster.wire.ts`, read with `parseFrame` and its limits); before
 * it, one of the three handshake frames below, at most {@link HANDSHAKE_MAX_BYTES} long.
 *
 * Handshake, a challenge each way, so that neither side sends the secret nor serves a peer that
 * does not know it: the listener says `hello` (its member id, a fresh nonce); the connecting member
 * answers `auth` (its id, its own nonce, and an HMAC-SHA256 of both nonces and both ids under the
 * namespace's secret); the listener checks it and answers `ok` with its own HMAC over the same, which
 * the connecting member checks before it sends a request.
 */
export const LENGTH_BYTES = 4;
/** Handshake frames are small: a peer that has not proved anything cannot make us buffer more. */
export const HANDSHAKE_MAX_BYTES = 1_024;
const NONCE = /^[0-9a-f]{32}$/;
const MAC = /^[0-9a-f]{64}$/;

export type Handshake =
  | { readonly t: 'hello'; readonly member: string; readonly nonce: string }
  | { readonly t: 'auth'; readonly member: string; readonly nonce: string; readonly mac: string }
  | { readonly t: 'ok'; readonly mac: string };

const bad = (detail: string): never => {
  throw new ClusterDataError('a direct channel frame', detail);
};

/** One frame: the length, then the JSON text of `value`. */
export function encodeFrame(value: unknown): Buffer {
  const text = JSON.stringify(value);
  const frame = Buffer.allocUnsafe(LENGTH_BYTES + Buffer.byteLength(text));
  frame.writeUInt32BE(frame.length - LENGTH_BYTES, 0);
  frame.write(text, LENGTH_BYTES);
  return frame;
}

/**
 * Cuts a byte stream into frames' texts. A frame longer than `maxBytes` throws `ClusterDataError`
 * as soon as its length is read (nothing of it is buffered); the limit can be raised once the peer
 * is authenticated.
 */
export class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(public maxBytes: number) {}

  push(chunk: Buffer): string[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const texts: string[] = [];
    let at = 0;
    while (this.buffered.length - at >= LENGTH_BYTES) {
      const length = this.buffered.readUInt32BE(at);
      if (length > this.maxBytes) bad(`a frame of ${length} bytes, more than ${this.maxBytes}`);
      if (this.buffered.length - at - LENGTH_BYTES < length) break;
      texts.push(this.buffered.toString('utf8', at + LENGTH_BYTES, at + LENGTH_BYTES + length));
      at += LENGTH_BYTES + length;
    }
    this.buffered = at === this.buffered.length ? Buffer.alloc(0) : this.buffered.subarray(at);
    return texts;
  }
}

/** Reads a handshake frame of type `t`; anything else throws `ClusterDataError`. */
export function parseHandshake<T extends Handshake['t']>(text: string, t: T): Extract<Handshake, { t: T }> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return bad(`handshake: not JSON (${text.length} characters)`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('handshake: not an object');
  const frame = value as Record<string, unknown>;
  if (frame.v !== 1 || frame.t !== t) return bad(`handshake: expected ${t} v1, got ${String(frame.t).slice(0, 20)} v${String(frame.v).slice(0, 10)}`);
  if (t !== 'hello' && (typeof frame.mac !== 'string' || !MAC.test(frame.mac))) return bad('handshake: mac is not 64 hex digits');
  if (t !== 'ok') {
    if (typeof frame.member !== 'string' || !MEMBER_ID_PATTERN.test(frame.member)) return bad('handshake: member is not a member id');
    if (typeof frame.nonce !== 'string' || !NONCE.test(frame.nonce)) return bad('handshake: nonce is not 32 hex digits');
  }
  return frame as Extract<Handshake, { t: T }>;
}

export const newNonce = (): string => randomBytes(16).toString('hex');

/** What one side proves: `side` ('c' connecting, 's' listening) so that one side's proof is never the other's. */
export function handshakeMac(secret: Buffer, side: 'c' | 's', namespace: string, hello: { member: string; nonce: string }, auth: { member: string; nonce: string }): string {
  return createHmac('sha256', secret).update(`supertrees-direct/1|${side}|${namespace}|${hello.member}|${hello.nonce}|${auth.member}|${auth.nonce}`).digest('hex');
}

/** Compares two MACs (hex of equal length, as parsed) in constant time. */
export function macEquals(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
