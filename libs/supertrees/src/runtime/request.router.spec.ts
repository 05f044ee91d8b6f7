import { afterEach, describe, expect, it } from '@jest/globals';
import { NodeUnavailableError, RequestTimeoutError, UnknownOperationError } from '../errors/supervision-request.error.js';
import type { EventSink } from '../events/event.sink.js';
import type { SupervisorNode } from '../tree/tree.types.js';
import { RequestRouter, type RemoteEndpoint } from './request.router.js';
import type { SupervisedChild } from './supervised-child.js';
import { TreeHost } from './tree.host.js';

const sink: EventSink = { emit: () => undefined, forward: () => undefined, forwardSnapshot: () => undefined };

/** A remote that records what reached it and answers with its own path. */
function remote(path: string, seen: string[]): SupervisedChild & RemoteEndpoint {
  return {
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(false),
    request: (op, target) => {
      seen.push(`${path} <- ${op} ${target}`);
      return Promise.resolve(path);
    },
  };
}

function hostWith(forkedPaths: string[], seen: string[]): TreeHost {
  const host = new TreeHost(sink, undefined, new Map(), (node) => remote(node.path, seen));
  for (const path of forkedPaths) host.createChild({ kind: 'supervisor', path, isolation: 'process' } as SupervisorNode);
  return host;
}

describe('RequestRouter', () => {
  const pending: Promise<unknown>[] = [];
  afterEach(async () => {
    await Promise.allSettled(pending);
  });

  it('handles a path hosted here with the handler of its operation', async () => {
    const router = new RequestRouter();
    router.register('echo', (request) => ({ got: request.payload, path: request.path }));
    const host = hostWith(['root/Remote'], []);
    await expect(router.dispatch(host, { op: 'echo', path: 'root/Local/W', payload: 3, timeoutMs: 1_000 })).resolves.toEqual({
      got: 3,
      path: 'root/Local/W',
    });
  });

  it('sends a path inside a forked supervisor to the deepest process that hosts it', async () => {
    const seen: string[] = [];
    const router = new RequestRouter();
    const host = hostWith(['root/A', 'root/A/In/B', 'root/AB'], seen);
    await router.dispatch(host, { op: 'x', path: 'root/A', timeoutMs: 1_000 });
    await router.dispatch(host, { op: 'x', path: 'root/A/W', timeoutMs: 1_000 });
    await router.dispatch(host, { op: 'x', path: 'root/A/In/B/W:acme', timeoutMs: 1_000 });
    await router.dispatch(host, { op: 'x', path: 'root/AB/W', timeoutMs: 1_000 });
    expect(seen).toEqual(['root/A <- x root/A', 'root/A <- x root/A/W', 'root/A/In/B <- x root/A/In/B/W:acme', 'root/AB <- x root/AB/W']);
  });

  it('rejects an operation no feature registered with UnknownOperationError', async () => {
    await expect(new RequestRouter().dispatch(hostWith([], []), { op: 'nope', path: 'root', timeoutMs: 1_000 })).rejects.toThrow(
      new UnknownOperationError('nope', 'root'),
    );
  });

  it('rejects with NodeUnavailableError when no tree runs', async () => {
    await expect(new RequestRouter().dispatch(undefined, { op: 'x', path: 'root', timeoutMs: 1_000 })).rejects.toThrow(NodeUnavailableError);
  });

  it('passes on the error a handler throws, sync or async', async () => {
    const router = new RequestRouter();
    router.register('sync', () => {
      throw new RangeError('bad');
    });
    router.register('async', () => Promise.reject(new TypeError('worse')));
    const host = hostWith([], []);
    await expect(router.dispatch(host, { op: 'sync', path: 'root', timeoutMs: 1_000 })).rejects.toThrow(RangeError);
    await expect(router.dispatch(host, { op: 'async', path: 'root', timeoutMs: 1_000 })).rejects.toThrow(TypeError);
  });

  it('rejects with RequestTimeoutError when a handler does not settle in time', async () => {
    const router = new RequestRouter();
    let release!: () => void;
    const hung = new Promise<void>((resolve) => (release = resolve));
    router.register('hang', () => hung);
    await expect(router.dispatch(hostWith([], []), { op: 'hang', path: 'root', timeoutMs: 20 })).rejects.toThrow(
      new RequestTimeoutError('hang', 'root', 20),
    );
    release();
  });

  it('waits out a timeout longer than a Node timer can take (2^31 - 1 ms) instead of timing out at once', async () => {
    const router = new RequestRouter();
    let release!: (value: string) => void;
    router.register('long', () => new Promise((resolve) => (release = resolve)));
    let outcome = 'pending';
    const request = router.dispatch(hostWith([], []), { op: 'long', path: 'root', timeoutMs: 3_000_000_000 });
    request.then(
      () => (outcome = 'resolved'),
      () => (outcome = 'rejected'),
    );
    // Past the end of the turn (the deadline is stamped) and past the 1 ms an overflowing timer fires after.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(outcome).toBe('pending');
    release('answered');
    await expect(request).resolves.toBe('answered');
    router.releaseTimers();
  });

  it('refuses to register an operation twice', () => {
    const router = new RequestRouter();
    router.register('x', () => 1);
    expect(() => router.register('x', () => 2)).toThrow('registered twice');
  });
});

describe('RequestRouter: operations that settle in time by themselves', () => {
  it('arms no timer of its own for them: the handler settles the request, even past timeoutMs', async () => {
    const router = new RequestRouter();
    router.register('slow', () => new Promise((resolve) => setTimeout(() => resolve('late but own'), 60)), { settlesInTime: true });
    // Answers only once its request was seen to time out: no race between two timers on a loaded machine.
    let release: (value: string) => void = () => undefined;
    router.register('slowTimed', () => new Promise((resolve) => (release = resolve)));
    const host = hostWith([], []);
    await expect(router.dispatch(host, { op: 'slow', path: 'root/W', timeoutMs: 10 })).resolves.toBe('late but own');
    await expect(router.dispatch(host, { op: 'slowTimed', path: 'root/W', timeoutMs: 10 })).rejects.toBeInstanceOf(RequestTimeoutError);
    release('never seen');
  });

  it('turns a throw of such a handler into a rejection', async () => {
    const router = new RequestRouter();
    router.register('bad', () => {
      throw new Error('refused');
    }, { settlesInTime: true });
    await expect(router.dispatch(hostWith([], []), { op: 'bad', path: 'root/W', timeoutMs: 10 })).rejects.toThrow('refused');
  });
});
