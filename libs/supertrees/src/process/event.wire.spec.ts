import { describe, expect, it } from '@jest/globals';
import { EVENT_TYPES, type ProcessEvent } from '../events/supervision.events.js';
import { EventDecoder, EventEncoder, HEADER, MAX_PATHS, WIRE_FIELDS } from './event.wire.js';

const SUBTREE = 'root/Ingest';
const stamp = { pid: 321, processSeq: 1, timestamp: 1_700_000_000_000 };
const error = { name: 'Error', message: 'boom', stack: 'Error: boom\n    at x' };

/** One event of every type, with every field, all inside SUBTREE. */
const everyType: ProcessEvent[] = [
  { ...stamp, type: 'starting', path: SUBTREE, kind: 'supervisor', attempt: 0 },
  { ...stamp, type: 'started', path: SUBTREE, kind: 'supervisor', attempt: 0, processPid: 321 },
  { ...stamp, type: 'started', path: `${SUBTREE}/Poller`, kind: 'worker', attempt: 2 },
  { ...stamp, type: 'restarted', path: `${SUBTREE}/Poller`, kind: 'worker', attempt: 1, downtimeMs: 52.1 },
  { ...stamp, type: 'exited', path: `${SUBTREE}/Poller`, kind: 'worker', attempt: 0, ranForMs: 10 },
  { ...stamp, type: 'failed', path: `${SUBTREE}/Poller`, kind: 'worker', attempt: 0, error, phase: 'run', ranForMs: 10 },
  { ...stamp, type: 'restart-scheduled', path: `${SUBTREE}/Poller`, kind: 'worker', attempt: 1, delayMs: 50, cause: `${SUBTREE}/Mailer` },
  { ...stamp, type: 'gave-up', path: SUBTREE, kind: 'supervisor', reason: 'intensity', restarts: 4 },
  { ...stamp, type: 'stopping', path: `${SUBTREE}/Poller`, kind: 'worker', reason: 'strategy' },
  { ...stamp, type: 'stopped', path: `${SUBTREE}/Poller`, kind: 'worker', reason: 'supervisor-gave-up', timedOut: true },
  { ...stamp, type: 'escalated', path: SUBTREE, kind: 'supervisor', error },
  { ...stamp, type: 'tree-failed', path: SUBTREE, kind: 'supervisor', error: { name: 'E', message: 'm' } },
  { ...stamp, type: 'events-dropped', path: SUBTREE, kind: 'supervisor', count: 5, originPid: 999 },
  { ...stamp, type: 'protocol-error', path: `${SUBTREE}/Deep`, kind: 'supervisor', fromPid: 1_000, detail: 'bad', count: 2 },
];

/** Sends `events` through a fresh encoder to a fresh decoder, as one batch. */
function roundTrip(events: readonly ProcessEvent[]): (ProcessEvent | string)[] {
  const encoder = new EventEncoder();
  const wire = events.map((e) => encoder.encode(e));
  const { first, paths } = encoder.takePaths();
  const decoder = new EventDecoder(SUBTREE);
  expect(decoder.addPaths(first, JSON.parse(JSON.stringify(paths)))).toEqual([]);
  return JSON.parse(JSON.stringify(wire)).map((w: unknown) => decoder.decode(w));
}

/** A decoder whose table holds SUBTREE (0) and SUBTREE/Poller (1). */
function decoder(): EventDecoder {
  const d = new EventDecoder(SUBTREE);
  d.addPaths(0, [SUBTREE, `${SUBTREE}/Poller`]);
  return d;
}
const wireStarting = (...fields: unknown[]): unknown[] => [0, 1, 0, 321, 1, 1_700_000_000_000, ...fields];

describe('event wire format', () => {
  it('lists wire fields for every event type', () => {
    expect(Object.keys(WIRE_FIELDS).sort()).toEqual([...EVENT_TYPES].sort());
  });

  it('gives back every event of every type, with every field, after JSON', () => {
    // With `seq: 0`, which the main process overwrites in place.
    expect(roundTrip(everyType)).toEqual(everyType.map((e) => ({ ...e, seq: 0 })));
  });

  it('sends each path once and refers to it by index after that', () => {
    const encoder = new EventEncoder();
    const a = encoder.encode(everyType[3]!);
    const b = encoder.encode(everyType[4]!);
    expect(a[1]).toBe(0);
    expect(b[1]).toBe(0);
    expect(encoder.takePaths()).toEqual({ first: 0, paths: [`${SUBTREE}/Poller`] });
    encoder.encode(everyType[0]!);
    expect(encoder.takePaths()).toEqual({ first: 1, paths: [SUBTREE] });
    expect(encoder.takePaths()).toEqual({ first: 2, paths: [] });
  });

  it('sends pid, processSeq and timestamp as differences from the previous event of the batch', () => {
    const encoder = new EventEncoder();
    const at = (processSeq: number, timestamp: number, pid = 321): ProcessEvent => ({ ...everyType[2]!, pid, processSeq, timestamp });
    const first = encoder.encode(at(7, 1_700_000_000_000));
    const second = encoder.encode(at(8, 1_700_000_000_000));
    const forwarded = encoder.encode(at(3, 1_699_999_999_990, 400));
    expect([first, second, forwarded].map((w) => w.slice(3, 6))).toEqual([
      [321, 7, 1_700_000_000_000],
      [0, 1, 0],
      [79, -5, -10],
    ]);
    encoder.takePaths();
    // A new batch counts from 0 again.
    expect(encoder.encode(at(9, 1_700_000_000_001)).slice(3, 6)).toEqual([321, 9, 1_700_000_000_001]);
  });

  it('gives back the stamps of every event over several batches', () => {
    const events = [3, 4, 5, 6, 7].map((processSeq, i): ProcessEvent => ({ ...everyType[2]!, pid: i === 3 ? 999 : 321, processSeq, timestamp: 1_700_000_000_000 + i }));
    const encoder = new EventEncoder();
    const decoder = new EventDecoder(SUBTREE);
    const decoded: unknown[] = [];
    for (const batch of [events.slice(0, 2), events.slice(2)]) {
      const wire = JSON.parse(JSON.stringify(batch.map((e) => encoder.encode(e)))) as unknown[];
      const { first, paths } = encoder.takePaths();
      decoder.addPaths(first, paths);
      decoded.push(...wire.map((w) => decoder.decode(w)));
    }
    expect(decoded).toEqual(events.map((e) => ({ ...e, seq: 0 })));
  });

  it('is a fraction of the bytes of the events as objects', () => {
    const restart = everyType.filter((e) => ['exited', 'restart-scheduled', 'starting', 'started', 'restarted'].includes(e.type));
    const encoder = new EventEncoder();
    const batch = Array.from({ length: 20 }, () => restart).flat();
    const wire = batch.map((e) => encoder.encode(e));
    expect(JSON.stringify(wire).length).toBeLessThan(JSON.stringify(batch).length / 2);
  });
});

describe('EventDecoder', () => {
  it('rejects a path outside the subtree, and every event that names it, but keeps the indices after it', () => {
    const d = new EventDecoder(SUBTREE);
    expect(d.addPaths(0, [SUBTREE, 'root/Other', 7, `${SUBTREE}X`, `${SUBTREE}/Poller`])).toEqual([
      `event path "root/Other" is outside the subtree ${SUBTREE}`,
      `event path 7 is outside the subtree ${SUBTREE}`,
      `event path "${SUBTREE}X" is outside the subtree ${SUBTREE}`,
    ]);
    expect(d.decode([0, 1, 0, 321, 1, 1, 0])).toBe(`event path "root/Other" is outside the subtree ${SUBTREE}`);
    expect(d.decode([0, 4, 0, 321, 1, 1, 0])).toMatchObject({ type: 'starting', path: `${SUBTREE}/Poller` });
  });

  it('rejects a batch whose paths do not start where its table ends, and adds none of them', () => {
    const d = decoder();
    expect(d.addPaths(5, [`${SUBTREE}/X`])).toEqual(['events batch adds paths at 5, expected 2']);
    expect(d.decode([0, 2, 0, 321, 1, 1, 0])).toBe('event names path 2, which is not in the table');
  });

  it('counts the stamps of the events after a rejected one as the encoder did', () => {
    const d = decoder();
    d.addPaths(2, []);
    expect(d.decode([0, 9, 0, 321, 10, 1_700_000_000_000, 0])).toBe('event names path 9, which is not in the table');
    expect(d.decode([0, 1, 0, 0, 1, 5, 0])).toMatchObject({ pid: 321, processSeq: 11, timestamp: 1_700_000_000_005 });
  });

  it('takes a batch that adds no paths whatever its first index says', () => {
    expect(decoder().addPaths(99, [])).toEqual([]);
  });

  it('caps the table', () => {
    const d = new EventDecoder(SUBTREE);
    expect(d.addPaths(0, Array.from({ length: MAX_PATHS + 1 }, (_, i) => `${SUBTREE}/W${i}`))).toEqual([
      `events batch would grow the path table past ${MAX_PATHS}`,
    ]);
  });

  it.each([
    ['an object', { type: 'starting' }, 'an event is not an array'],
    ['an unknown type code', [99, 1, 0, 321, 1, 1, 0], 'unknown event type code 99'],
    ['a type code that is a string', ['starting', 1, 0, 321, 1, 1, 0], 'unknown event type code "starting"'],
    ['a path index past the table', wireStarting(0).map((v, i) => (i === 1 ? 9 : v)), 'event names path 9, which is not in the table'],
    ['a path given as a string', wireStarting(0).map((v, i) => (i === 1 ? SUBTREE : v)), `event names path "${SUBTREE}", which is not in the table`],
    ['an unknown kind', wireStarting(0).map((v, i) => (i === 2 ? 'worker' : v)), 'event kind must be worker or supervisor'],
    ['a string pid', wireStarting(0).map((v, i) => (i === 3 ? '321' : v)), 'event lacks a numeric pid, processSeq or timestamp'],
    ['a null processSeq', wireStarting(0).map((v, i) => (i === 4 ? null : v)), 'event lacks a numeric pid, processSeq or timestamp'],
    ['a missing field', wireStarting(), `starting event has ${HEADER} positions, not ${HEADER + 1}`],
    ['an extra field', wireStarting(0, 1), `starting event has ${HEADER + 2} positions, not ${HEADER + 1}`],
    ['an invalid field', wireStarting('0'), 'starting event has an invalid "attempt"'],
    ['an invalid optional field', [1, 1, 0, 321, 1, 1, 0, 'pid'], 'started event has an invalid "processPid"'],
    ['a cause that is not in the table', [5, 1, 0, 321, 1, 1, 0, 0, 40], 'restart-scheduled event has an invalid "cause"'],
    ['a failed event with a malformed error', [4, 1, 0, 321, 1, 1, 0, { name: 5 }, 'run', 1], 'failed event has an invalid "error"'],
  ])('rejects %s', (_title, wire, problem) => {
    expect(decoder().decode(wire)).toBe(problem);
  });
});
