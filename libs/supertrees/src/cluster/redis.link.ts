import type { Redis } from 'ioredis';
import { ClusterRedisError } from './cluster.errors.js';
import { CLUSTER_MESSAGES } from './cluster.messages.js';
import type { ResolvedClusterOptions } from './cluster.options.js';
import type { LuaScript } from './lease.scripts.js';

/**
 * The cluster layer's one way to Redis: scripts by SHA with a fallback to their source (after a
 * Redis restart its script cache is empty), each call bounded by `commandTimeoutMs`, and nothing
 * sent while the client is not connected (so no queue grows during an outage, whoever owns the client).
 */
export class RedisLink {
  private constructor(
    readonly client: Redis,
    /** True when the link created the client from a URL, and so closes it. */
    private readonly owned: boolean,
    private readonly timeoutMs: number,
  ) {}

  /** Wraps a client the caller owns (and closes). */
  static wrap(client: Redis, commandTimeoutMs: number): RedisLink {
    return new RedisLink(client, false, commandTimeoutMs);
  }

  /** Wraps the user's client, or creates one from the URL (ioredis is loaded only here, only then). */
  static async open(options: ResolvedClusterOptions): Promise<RedisLink> {
    if (typeof options.redis !== 'string') return new RedisLink(options.redis, false, options.commandTimeoutMs);
    let Ctor: typeof import('ioredis').Redis;
    try {
      Ctor = (await import('ioredis')).Redis;
    } catch (error) {
      throw new ClusterRedisError(CLUSTER_MESSAGES.noIoredis(error instanceof Error ? error.message : String(error)), { cause: error });
    }
    const client = new Ctor(options.redis, {
      lazyConnect: true,
      // No offline queue: a command while disconnected fails at once instead of piling up.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs,
      connectTimeout: Math.max(options.commandTimeoutMs, 1_000),
      // Reconnect forever, at most every renewal interval: units come back when Redis does.
      retryStrategy: (attempt: number) => Math.min(50 * attempt, options.renewIntervalMs),
      connectionName: `supertrees:${options.memberId}`,
      disconnectTimeout: DISCONNECT_TIMEOUT_MS,
    });
    // ioredis reports every failed reconnect as an 'error' event; the node logs outages once instead.
    client.on('error', () => undefined);
    return new RedisLink(client, true, options.commandTimeoutMs);
  }

  /** Connects an owned client. Rejects when Redis cannot be reached now (the client keeps retrying). */
  async connect(): Promise<void> {
    if (!this.owned || this.client.status !== 'wait') return;
    await this.client.connect();
  }

  get ready(): boolean {
    return this.client.status === 'ready';
  }

  get status(): string {
    return this.client.status;
  }

  /** Runs `script`; rejects with `ClusterRedisError` when not connected, on timeout, or on a Redis error. */
  async run(script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    if (!this.ready) throw new ClusterRedisError(`not connected (client status "${this.client.status}")`);
    const flat = [...keys, ...args.map(String)];
    try {
      return await this.bounded(this.client.evalsha(script.sha1, keys.length, ...flat), script.name);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw wrap(error, script.name);
    }
    try {
      return await this.bounded(this.client.eval(script.source, keys.length, ...flat), script.name);
    } catch (error) {
      throw wrap(error, script.name);
    }
  }

  /** Runs one plain command (`publish`, `hmget`, ...): same bounds and errors as {@link run}. */
  async command(name: string, args: readonly (string | number)[]): Promise<unknown> {
    if (!this.ready) throw new ClusterRedisError(`not connected (client status "${this.client.status}")`);
    try {
      return await this.bounded(this.client.call(name, ...args), name);
    } catch (error) {
      throw wrap(error, name);
    }
  }

  /** Sends `commands` in one round trip; resolves with their replies, rejects with the first error. */
  async pipeline(commands: readonly (readonly [string, ...(string | number)[]])[], what: string): Promise<unknown[]> {
    if (!this.ready) throw new ClusterRedisError(`not connected (client status "${this.client.status}")`);
    let results: [Error | null, unknown][] | null;
    try {
      results = await this.bounded(this.client.pipeline(commands.map((c) => [...c])).exec(), what);
    } catch (error) {
      throw wrap(error, what);
    }
    if (!results) throw new ClusterRedisError(`${what}: no reply`);
    const failed = results.find(([error]) => error);
    if (failed) throw wrap(failed[0], what);
    return results.map(([, value]) => value);
  }

  /** Closes an owned client; leaves the user's alone. */
  async close(): Promise<void> {
    if (!this.owned) return;
    await closeClient(this.client, this.timeoutMs);
  }

  private bounded<T>(promise: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ClusterRedisError(CLUSTER_MESSAGES.timeout(what, this.timeoutMs))), this.timeoutMs);
    });
    // A late reply or error of an abandoned command must not surface as an unhandled rejection.
    promise.catch(() => undefined);
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}

function wrap(error: unknown, what: string): ClusterRedisError {
  if (error instanceof ClusterRedisError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ClusterRedisError(`${what}: ${message}`, { cause: error });
}

/**
 * How long ioredis waits for a closing socket before destroying it. Its default (2 s) is a timer
 * that a disconnect arms even on a socket already closed (while reconnecting, say), where nothing
 * clears it: it would keep the process alive for 2 s after the app closed.
 */
export const DISCONNECT_TIMEOUT_MS = 100;

/**
 * Closes a client for good. Connected: QUIT, so Redis closes the connection at once, and resolve
 * once the client has ended or after `timeoutMs` (then the socket is cut); disconnecting a socket
 * that QUIT already closed would arm ioredis's disconnect timer with nothing to clear it. Not
 * connected (waiting, connecting, reconnecting): a disconnect, which cancels a pending reconnect,
 * and resolve at once; ioredis may then hold a socket it gave up on for `DISCONNECT_TIMEOUT_MS`.
 */
export async function closeClient(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect(false);
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  let onEnd = () => {};
  const ended = new Promise<boolean>((resolve) => {
    onEnd = () => resolve(true);
    client.once('end', onEnd);
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  client.quit().catch(() => undefined);
  const done = await ended;
  clearTimeout(timer);
  client.off('end', onEnd);
  // No end within the bound (a QUIT with no answer): cut the socket.
  if (!done && (client.status as string) !== 'end') client.disconnect(false);
}
