import { describe, expect, it } from '@jest/globals';
import type { WorkerNode } from '../tree/tree.types.js';
import {
  exitedEvent,
  failedEvent,
  gaveUpEvent,
  restartedEvent,
  restartScheduledEvent,
  startedEvent,
  startingEvent,
  stoppedEvent,
  stoppingEvent,
} from './event.literals.js';
import { EventStamper } from './event.stamper.js';

const node = { path: 'root/Poller', kind: 'worker' } as WorkerNode;
const error = { name: 'Error', message: 'boom' };

describe('event literals', () => {
  const literals = [
    startingEvent(node, 0),
    startedEvent(node, 0, undefined),
    startedEvent(node, 0, 99),
    restartedEvent(node, 1, 2),
    exitedEvent(node, 0, 5),
    failedEvent(node, 0, error, 'run', 5),
    restartScheduledEvent(node, 1, 0, node.path),
    gaveUpEvent(node, 'policy', 3),
    stoppingEvent(node, 'shutdown'),
    stoppedEvent(node, 'shutdown', false),
  ];

  it.each(literals.map((e) => [e.type, e] as const))('builds %s with its path, kind and every stamp already in place', (_type, event) => {
    const before = Object.keys(event);
    expect(before).toEqual(expect.arrayContaining(['path', 'kind', 'seq', 'pid', 'processSeq', 'timestamp']));
    new EventStamper(7).stamp(event);
    // Stamping writes values, it adds no property: the object keeps its shape.
    expect(Object.keys(event)).toEqual(before);
    expect(event).toMatchObject({ pid: 7, processSeq: 1 });
  });

  it('gives a started event a processPid only when there is one', () => {
    expect('processPid' in startedEvent(node, 0, undefined)).toBe(false);
    expect(startedEvent(node, 0, 99)).toMatchObject({ processPid: 99 });
  });
});
