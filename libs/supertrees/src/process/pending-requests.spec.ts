import { afterEach, describe, expect, it } from '@jest/globals';
import { NodeUnavailableError, RequestTimeoutError } from '../errors/supervision-request.error.js';
import { UnknownNodeError } from '../errors/supervision-runtime.error.js';
import { encodeError } from '../errors/wire-error.js';
import type { RequestMessage } from './ipc.protocol.js';
import { PendingRequests } from './pending-requests.js';

describe('PendingRequests', () => {
  const sent: RequestMessage[] = [];
  const channel = () => new PendingRequests((m) => void sent.push(m));
  let open: PendingRequests | undefined;
  afterEach(() => {
    open?.close('stopped', 'test over');
    sent.length = 0;
  });

  it('sends each request with a new correlation id and its timeout', () => {
    open = channel();
    void open.request('op', 'root/A', { x: 1 }, 1_000).catch(() => undefined);
    void open.request('op', 'root/B', undefined, 2_000).catch(() => undefined);
    expect(sent).toEqual([
      { t: 'request', id: 1, op: 'op', path: 'root/A', payload: { x: 1 }, timeoutMs: 1_000 },
      { t: 'request', id: 2, op: 'op', path: 'root/B', payload: undefined, timeoutMs: 2_000 },
    ]);
  });

  it('resolves a request with the value of its reply, once', async () => {
    open = channel();
    const answer = open.request('op', 'root/A', null, 1_000);
    expect(open.settle({ t: 'reply', id: 1, ok: true, value: 42 })).toBe(true);
    expect(open.settle({ t: 'reply', id: 1, ok: true, value: 43 })).toBe(false);
    await expect(answer).resolves.toBe(42);
    expect(open.size).toBe(0);
  });

  it('rejects with the typed error a failed reply carries', async () => {
    open = channel();
    const answer = open.request('op', 'root/A', null, 1_000);
    open.settle({ t: 'reply', id: 1, ok: false, error: encodeError(new UnknownNodeError('root/A/X')) });
    const error = await answer.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownNodeError);
    expect(error).toMatchObject({ node: 'root/A/X', message: new UnknownNodeError('root/A/X').message });
  });

  it('rejects with RequestTimeoutError when no reply comes in time, and drops the late reply', async () => {
    open = channel();
    const answer = open.request('op', 'root/A', null, 20);
    await expect(answer).rejects.toThrow(RequestTimeoutError);
    expect(open.settle({ t: 'reply', id: 1, ok: true, value: 1 })).toBe(false);
  });

  it('rejects every waiting request and every later one when closed', async () => {
    open = channel();
    const first = open.request('op', 'root/A', null, 60_000);
    const second = open.request('call', 'root/B', null, 60_000);
    open.close('exited', 'its supervisor process exited');
    await expect(first).rejects.toThrow(new NodeUnavailableError('op', 'root/A', 'exited', 'its supervisor process exited'));
    await expect(first.catch((e: unknown) => e)).resolves.toMatchObject({ code: 'exited' });
    await expect(second).rejects.toThrow(NodeUnavailableError);
    await expect(open.request('op', 'root/C', null, 60_000)).rejects.toMatchObject({ name: 'NodeUnavailableError', code: 'exited' });
    expect(sent).toHaveLength(2);
    expect(open.size).toBe(0);
  });

  it('rejects at once when the message cannot be sent', async () => {
    open = new PendingRequests(() => {
      throw new TypeError('Do not know how to serialize a BigInt');
    });
    await expect(open.request('op', 'root/A', 1n, 60_000)).rejects.toThrow('BigInt');
    expect(open.size).toBe(0);
  });
});
