import { describe, expect, it } from '@jest/globals';
import type { ProcessEvent } from '../events/supervision.events.js';
import { checkEvent, checkProcessReports, parseUpMessage, parseDownMessage, PROTOCOL_VERSION, type Parsed } from './ipc.protocol.js';

const SUBTREE = 'root/Ingest';

const stamp = { pid: 321, processSeq: 1, timestamp: 1_700_000_000_000 };
const error = { name: 'Error', message: 'boom', stack: 'Error: boom\n    at x' };

/** One well-formed event of every type, all inside SUBTREE. */
const goodEvents: ProcessEvent[] = [
  { ...stamp, type: 'starting', path: SUBTREE, kind: 'supervisor', attempt: 0 },
  { ...stamp, type: 'started', path: SUBTREE, kind: 'supervisor', attempt: 0, processPid: 321 },
  { ...stamp, type: 'restarted', path: `${SUBTREE}/Poller`, kind: 'worker', attempt: 1, downtimeMs: 52.1 },
  { ...stamp, type: 'exited', path: `${SUBTREE}/Poller`, kind: 'worker', attempt: 0, ranForMs: 10 },
  { ...stamp, type: 'failed', path: `${SUBTREE}/Poller`, kind: 'worker', attempt: 0, error, phase: 'run', ranForMs: 10 },
  { ...stamp, type: 'restart-scheduled', path: `${SUBTREE}/Poller`, kind: 'worker', attempt: 1, delayMs: 50, cause: `${SUBTREE}/Poller` },
  { ...stamp, type: 'gave-up', path: SUBTREE, kind: 'supervisor', reason: 'intensity', restarts: 4 },
  { ...stamp, type: 'stopping', path: `${SUBTREE}/Poller`, kind: 'worker', reason: 'strategy' },
  { ...stamp, type: 'stopped', path: `${SUBTREE}/Poller`, kind: 'worker', reason: 'supervisor-gave-up', timedOut: true },
  { ...stamp, type: 'escalated', path: SUBTREE, kind: 'supervisor', error },
  { ...stamp, type: 'tree-failed', path: SUBTREE, kind: 'supervisor', error: { name: 'E', message: 'm' } },
  { ...stamp, type: 'events-dropped', path: SUBTREE, kind: 'supervisor', count: 5, originPid: 999 },
  { ...stamp, type: 'protocol-error', path: `${SUBTREE}/Deep`, kind: 'supervisor', fromPid: 1_000, detail: 'bad', count: 2 },
  { ...stamp, type: 'child-added', path: `${SUBTREE}/Tenant:acme`, kind: 'worker', id: 'acme' },
  { ...stamp, type: 'child-removed', path: `${SUBTREE}/Pool#2`, kind: 'worker', reason: 'scaled-down' },
];

const good = (type: ProcessEvent['type']): Record<string, unknown> => ({ ...goodEvents.find((e) => e.type === type)! });

function problemOf<T>(parsed: Parsed<T>): string {
  if (parsed.ok) throw new Error(`expected a rejection, got ${JSON.stringify(parsed.message)}`);
  return parsed.problem;
}

describe('checkEvent', () => {
  it.each(goodEvents.map((e) => [e.type, e] as const))('accepts a well-formed %s event', (_type, event) => {
    expect(checkEvent(event, SUBTREE)).toBeUndefined();
  });

  // A nested supervisor process that cannot start as configured is given up on in its parent process.
  it.each(['policy', 'intensity', 'config'])('accepts gave-up with reason %s', (reason) => {
    expect(checkEvent({ ...good('gave-up'), reason }, SUBTREE)).toBeUndefined();
  });

  it('accepts an event about the subtree’s root itself', () => {
    expect(checkEvent({ ...good('starting'), path: SUBTREE }, SUBTREE)).toBeUndefined();
  });

  it('accepts an error without a stack', () => {
    expect(checkEvent({ ...good('escalated'), error: { name: 'E', message: 'm' } }, SUBTREE)).toBeUndefined();
  });

  it.each([
    ['null', null],
    ['a string', 'starting'],
    ['an array', [good('starting')]],
  ])('rejects %s as not an object', (_title, value) => {
    expect(checkEvent(value, SUBTREE)).toBe('an event is not an object');
  });

  it('rejects an unknown event type', () => {
    expect(checkEvent({ ...good('starting'), type: 'exploded' }, SUBTREE)).toBe('unknown event type "exploded"');
  });

  it('rejects an event without a type', () => {
    const { type: _dropped, ...rest } = good('starting');
    expect(checkEvent(rest, SUBTREE)).toBe('unknown event type undefined');
  });

  it('rejects an event about the parent of the sender’s subtree', () => {
    expect(checkEvent({ ...good('failed'), path: 'root' }, SUBTREE)).toBe(`event path "root" is outside the subtree ${SUBTREE}`);
  });

  it('rejects an event about a sibling subtree', () => {
    expect(checkEvent({ ...good('failed'), path: 'root/Notify/Mailer' }, SUBTREE)).toBe(
      `event path "root/Notify/Mailer" is outside the subtree ${SUBTREE}`,
    );
  });

  it('rejects a path that only shares the subtree’s prefix', () => {
    expect(checkEvent({ ...good('failed'), path: `${SUBTREE}X/Poller` }, SUBTREE)).toBe(
      `event path "${SUBTREE}X/Poller" is outside the subtree ${SUBTREE}`,
    );
  });

  it('rejects an event without a path', () => {
    expect(checkEvent({ ...good('failed'), path: 7 }, SUBTREE)).toBe(`event path 7 is outside the subtree ${SUBTREE}`);
  });

  it('rejects an unknown kind', () => {
    expect(checkEvent({ ...good('starting'), kind: 'thread' }, SUBTREE)).toBe('event kind must be worker or supervisor');
  });

  it.each(['pid', 'processSeq', 'timestamp'])('rejects an event whose %s is not a finite number', (field) => {
    expect(checkEvent({ ...good('starting'), [field]: '1' }, SUBTREE)).toBe('event lacks a numeric pid, processSeq or timestamp');
    expect(checkEvent({ ...good('starting'), [field]: Number.NaN }, SUBTREE)).toBe('event lacks a numeric pid, processSeq or timestamp');
  });

  it.each([
    ['starting', 'attempt', undefined],
    ['started', 'attempt', '0'],
    ['restarted', 'downtimeMs', undefined],
    ['exited', 'ranForMs', Number.POSITIVE_INFINITY],
    ['failed', 'error', 'boom'],
    ['failed', 'error', { name: 'Error' }],
    ['failed', 'error', { name: 'Error', message: 'm', stack: 5 }],
    ['failed', 'phase', 'shutdown'],
    ['restart-scheduled', 'cause', 3],
    ['restart-scheduled', 'delayMs', null],
    ['gave-up', 'reason', 'tired'],
    ['gave-up', 'restarts', undefined],
    ['stopping', 'reason', 'bored'],
    ['stopped', 'timedOut', 'no'],
    ['stopped', 'reason', undefined],
    ['escalated', 'error', null],
    ['tree-failed', 'error', undefined],
    ['events-dropped', 'count', '5'],
    ['events-dropped', 'originPid', undefined],
    ['protocol-error', 'detail', 1],
    ['protocol-error', 'fromPid', undefined],
    ['child-added', 'id', 5],
    ['child-added', 'instance', '1'],
    ['child-removed', 'reason', 'vanished'],
  ] as const)('rejects a %s event with an invalid %s (%p)', (type, field, value) => {
    expect(checkEvent({ ...good(type), [field]: value }, SUBTREE)).toBe(`${type} event has an invalid "${field}"`);
  });
});

const vitals = {
  path: SUBTREE,
  pid: 11,
  silentForMs: 0,
  rssBytes: 80e6,
  heapUsedBytes: 20e6,
  heapTotalBytes: 30e6,
  eventLoopDelayMeanMs: 0.5,
  eventLoopDelayMaxMs: 3,
};

describe('checkProcessReports', () => {
  it('accepts reports of the subtree and names the first one outside it', () => {
    expect(checkProcessReports([vitals, { ...vitals, path: `${SUBTREE}/Inner` }], SUBTREE)).toBeUndefined();
    expect(checkProcessReports([vitals, { ...vitals, path: 'root/Other' }], SUBTREE)).toBe(
      `heartbeat reports a process at "root/Other", outside the subtree ${SUBTREE}`,
    );
    expect(checkProcessReports([{ ...vitals, path: `${SUBTREE}x` }], SUBTREE)).toContain('outside the subtree');
  });
});

describe('parseUpMessage', () => {
  const snapshot = {
    name: 'Ingest',
    path: SUBTREE,
    kind: 'supervisor',
    state: 'running',
    restarts: 0,
    children: [{ name: 'Poller', path: `${SUBTREE}/Poller`, kind: 'worker', state: 'failed', restarts: 2 }],
  };

  it.each([
    ['hello', { t: 'hello', v: PROTOCOL_VERSION, pid: 10 }],
    ['started', { t: 'started', pid: 10 }],
    ['events', { t: 'events', first: 0, paths: [SUBTREE], events: [[0, 0, 1, 321, 1, 1_700_000_000_000, 0]] }],
    ['events (empty)', { t: 'events', first: 3, paths: [], events: [] }],
    ['heartbeat', { t: 'heartbeat' }],
    ['heartbeat with process reports', { t: 'heartbeat', processes: [vitals, { path: `${SUBTREE}/Inner`, pid: 12, silentForMs: 40 }] }],
    ['snapshot', { t: 'snapshot', root: snapshot }],
    ['escalate', { t: 'escalate', error }],
    ['fatal', { t: 'fatal', error: { name: 'Error', message: 'no boot' } }],
  ])('accepts %s and returns the message itself', (_title, message) => {
    expect(parseUpMessage(message)).toEqual({ ok: true, message });
  });

  it.each([
    ['null', null, 'not a protocol message'],
    ['a string', 'hello', 'not a protocol message'],
    ['an array', [{ t: 'hello' }], 'not a protocol message'],
    ['a message without t', { v: 1, pid: 10 }, 'not a protocol message'],
    ['a message whose t is not a string', { t: 1 }, 'not a protocol message'],
    ['an unknown type', { t: 'goodbye' }, 'unknown message type "goodbye"'],
    ['a parent message', { t: 'stop', reason: 'shutdown' }, 'unknown message type "stop"'],
    ['hello of another protocol version', { t: 'hello', v: PROTOCOL_VERSION + 1, pid: 10 }, `protocol version ${PROTOCOL_VERSION + 1} is not ${PROTOCOL_VERSION}`],
    ['hello without a version', { t: 'hello', pid: 10 }, `protocol version undefined is not ${PROTOCOL_VERSION}`],
    ['hello without pid', { t: 'hello', v: PROTOCOL_VERSION }, 'hello without pid'],
    ['started without pid', { t: 'started' }, 'started without pid'],
    ['started with a string pid', { t: 'started', pid: '10' }, 'started without pid'],
    ['events that are not an array', { t: 'events', first: 0, paths: [], events: { 0: goodEvents[0] } }, 'events without an array'],
    ['events without paths', { t: 'events', first: 0, events: [] }, 'events without a path table update (first, paths)'],
    ['events without first', { t: 'events', paths: [], events: [] }, 'events without a path table update (first, paths)'],
    ['events with a negative first', { t: 'events', first: -1, paths: [], events: [] }, 'events without a path table update (first, paths)'],
    ['events with a fractional first', { t: 'events', first: 0.5, paths: [], events: [] }, 'events without a path table update (first, paths)'],
    ['a snapshot without a tree', { t: 'snapshot' }, 'snapshot without a valid tree'],
    ['a snapshot whose root lacks restarts', { t: 'snapshot', root: { path: SUBTREE, state: 'running' } }, 'snapshot without a valid tree'],
    [
      'a snapshot with a malformed child',
      { t: 'snapshot', root: { ...snapshot, children: [{ path: `${SUBTREE}/Poller`, state: 'running', restarts: 'two' }] } },
      'snapshot without a valid tree',
    ],
    ['a snapshot whose children are not an array', { t: 'snapshot', root: { ...snapshot, children: {} } }, 'snapshot without a valid tree'],
    ['heartbeat whose processes are not an array', { t: 'heartbeat', processes: vitals }, 'heartbeat with invalid process reports'],
    ['heartbeat with a report without pid', { t: 'heartbeat', processes: [{ ...vitals, pid: undefined }] }, 'heartbeat with invalid process reports'],
    ['heartbeat with a negative silence', { t: 'heartbeat', processes: [{ ...vitals, silentForMs: -1 }] }, 'heartbeat with invalid process reports'],
    ['heartbeat with a string for rssBytes', { t: 'heartbeat', processes: [{ ...vitals, rssBytes: '1' }] }, 'heartbeat with invalid process reports'],
    ['heartbeat with an infinite delay', { t: 'heartbeat', processes: [{ ...vitals, eventLoopDelayMaxMs: Infinity }] }, 'heartbeat with invalid process reports'],
    ['escalate without an error', { t: 'escalate' }, 'escalate without an error'],
    ['fatal with a string for an error', { t: 'fatal', error: 'no boot' }, 'fatal without an error'],
  ])('rejects %s', (_title, value, problem) => {
    expect(problemOf(parseUpMessage(value))).toBe(problem);
  });
});

describe('parseDownMessage', () => {
  const start = { t: 'start', v: PROTOCOL_VERSION, path: SUBTREE, attempt: 0, heartbeatIntervalMs: 500, maxBufferedEvents: 10_000 };

  it('accepts start and returns the message itself', () => {
    expect(parseDownMessage(start)).toEqual({ ok: true, message: start });
  });

  it('accepts start with the children of a dynamic supervisor', () => {
    const message = { ...start, children: [{ worker: 'TenantWorker', id: 'acme', args: { plan: 'gold' } }] };
    expect(parseDownMessage(message)).toEqual({ ok: true, message });
  });

  it('accepts start with the cluster leases the subtree runs under', () => {
    const leases = [{ unit: 'root/S/Reconciler', fencingToken: 1_733_000_000_000, remainingMs: 1_800 }, { unit: 'root/S/Shard#3', fencingToken: 9, partition: 3, remainingMs: 0 }];
    expect(parseDownMessage({ ...start, leases })).toEqual({ ok: true, message: { ...start, leases } });
  });

  it.each(['shutdown', 'strategy', 'supervisor-gave-up', 'orphaned', 'terminated', 'lease-lost', 'handoff'])('accepts stop for reason %s', (reason) => {
    expect(parseDownMessage({ t: 'stop', reason })).toEqual({ ok: true, message: { t: 'stop', reason } });
  });

  it.each([
    ['null', null, 'not a protocol message'],
    ['a number', 3, 'not a protocol message'],
    ['a message without t', { reason: 'shutdown' }, 'not a protocol message'],
    ['an unknown type', { t: 'restart' }, 'unknown message type "restart"'],
    ['a child message', { t: 'heartbeat' }, 'unknown message type "heartbeat"'],
    ['start of another protocol version', { ...start, v: 0 }, `protocol version 0 is not ${PROTOCOL_VERSION}`],
    ['start without a path', { ...start, path: undefined }, 'start with missing fields'],
    ['start with a string attempt', { ...start, attempt: '0' }, 'start with missing fields'],
    ['start without heartbeatIntervalMs', { ...start, heartbeatIntervalMs: undefined }, 'start with missing fields'],
    ['start with a NaN maxBufferedEvents', { ...start, maxBufferedEvents: Number.NaN }, 'start with missing fields'],
    ['start with children that are not an array', { ...start, children: {} }, 'start with invalid children'],
    ['start with a child without an id', { ...start, children: [{ worker: 'W' }] }, 'start with invalid children'],
    ['stop with an unknown reason', { t: 'stop', reason: 'because' }, 'stop without a valid reason'],
    ['stop without a reason', { t: 'stop' }, 'stop without a valid reason'],
    ['start with leases that are not grants', { ...start, leases: [{ unit: 'root/S/R', fencingToken: 'x', remainingMs: 100 }] }, 'start with invalid leases'],
    ['start with a lease without remainingMs', { ...start, leases: [{ unit: 'root/S/R', fencingToken: 4 }] }, 'start with invalid leases'],
  ])('rejects %s', (_title, value, problem) => {
    expect(problemOf(parseDownMessage(value))).toBe(problem);
  });
});

describe('request and reply (protocol 2)', () => {
  const request = { t: 'request', id: 7, op: 'whichChildren', path: SUBTREE, payload: { child: 'Poller' }, timeoutMs: 5_000 };

  it('is protocol version 3 (cluster mode: leases in start, lease stop reasons)', () => {
    expect(PROTOCOL_VERSION).toBe(3);
  });

  it.each([
    ['a request', request],
    ['a request without a payload', { ...request, payload: undefined }],
  ])('parseDownMessage accepts %s', (_title, message) => {
    expect(parseDownMessage(message)).toEqual({ ok: true, message });
  });

  it.each([
    ['a request without an id', { ...request, id: undefined }, 'request without a positive integer id'],
    ['a request with id 0', { ...request, id: 0 }, 'request without a positive integer id'],
    ['a request with a fractional id', { ...request, id: 1.5 }, 'request without a positive integer id'],
    ['a request with a string id', { ...request, id: '7' }, 'request without a positive integer id'],
    ['a request without an op', { ...request, op: undefined }, 'request without an op of 1 to 64 characters'],
    ['a request with an empty op', { ...request, op: '' }, 'request without an op of 1 to 64 characters'],
    ['a request with a too long op', { ...request, op: 'x'.repeat(65) }, 'request without an op of 1 to 64 characters'],
    ['a request without a path', { ...request, path: undefined }, 'request without a path'],
    ['a request with an empty path', { ...request, path: '' }, 'request without a path'],
    ['a request without a timeout', { ...request, timeoutMs: undefined }, 'request without a positive timeoutMs'],
    ['a request with a zero timeout', { ...request, timeoutMs: 0 }, 'request without a positive timeoutMs'],
    ['a request with an infinite timeout', { ...request, timeoutMs: Number.POSITIVE_INFINITY }, 'request without a positive timeoutMs'],
    ['a reply sent down', { t: 'reply', id: 1, ok: true }, 'unknown message type "reply"'],
  ])('parseDownMessage rejects %s', (_title, value, problem) => {
    expect(problemOf(parseDownMessage(value))).toBe(problem);
  });

  it.each([
    ['a reply with a value', { t: 'reply', id: 7, ok: true, value: { children: [] } }],
    ['a reply without a value (undefined)', { t: 'reply', id: 7, ok: true }],
    ['a failed reply', { t: 'reply', id: 7, ok: false, error: { name: 'UnknownNodeError', message: 'm', data: { node: 'x' } } }],
    ['a failed reply without data', { t: 'reply', id: 7, ok: false, error: { name: 'Error', message: 'm' } }],
  ])('parseUpMessage accepts %s', (_title, message) => {
    expect(parseUpMessage(message)).toEqual({ ok: true, message });
  });

  it.each([
    ['a reply without an id', { t: 'reply', ok: true }, 'reply without a positive integer id'],
    ['a reply with a negative id', { t: 'reply', id: -3, ok: true }, 'reply without a positive integer id'],
    ['a reply whose ok is a string', { t: 'reply', id: 7, ok: 'yes' }, 'reply whose ok is not a boolean'],
    ['a reply without ok', { t: 'reply', id: 7, value: 1 }, 'reply whose ok is not a boolean'],
    ['a failed reply without an error', { t: 'reply', id: 7, ok: false }, 'failed reply without a valid error'],
    ['a failed reply whose error lacks a message', { t: 'reply', id: 7, ok: false, error: { name: 'E' } }, 'failed reply without a valid error'],
    ['a failed reply whose data is an array', { t: 'reply', id: 7, ok: false, error: { name: 'E', message: 'm', data: [1] } }, 'failed reply without a valid error'],
    ['a request sent up', request, 'unknown message type "request"'],
  ])('parseUpMessage rejects %s', (_title, value, problem) => {
    expect(problemOf(parseUpMessage(value))).toBe(problem);
  });
});
