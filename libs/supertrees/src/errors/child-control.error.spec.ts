import { describe, expect, it } from '@jest/globals';
import { MESSAGES } from '../shared/supervision.messages.js';
import {
  ChildIdTakenError,
  ChildStartError,
  ChildStateError,
  InvalidChildSpecError,
  MaxChildrenError,
  NotAPoolError,
  NotASupervisorError,
  NotAWorkerError,
  NotDynamicError,
} from './child-control.error.js';

const cause = new Error('init failed');

// Each class: an instance, its name, the message its factory makes, and its public fields.
const cases: [Error, string, string, Record<string, unknown>][] = [
  [new NotDynamicError('root/S'), 'NotDynamicError', MESSAGES.notDynamic('root/S'), { path: 'root/S' }],
  [new ChildIdTakenError('root/S', 'acme'), 'ChildIdTakenError', MESSAGES.childIdTaken('root/S', 'acme'), { path: 'root/S', id: 'acme' }],
  [new MaxChildrenError('root/S', 2), 'MaxChildrenError', MESSAGES.maxChildren('root/S', 2), { path: 'root/S', maxChildren: 2 }],
  [new NotAWorkerError('Thing'), 'NotAWorkerError', MESSAGES.notAWorker('Thing'), { className: 'Thing' }],
  [new InvalidChildSpecError('args.at', 'is a function'), 'InvalidChildSpecError', MESSAGES.invalidChildSpec('args.at', 'is a function'), { field: 'args.at', problem: 'is a function' }],
  [new ChildStartError('root/S/W:acme', { cause }), 'ChildStartError', MESSAGES.childStartFailed('root/S/W:acme', cause), { path: 'root/S/W:acme' }],
  [new ChildStateError('root/S/W', 'restartChild', 'running'), 'ChildStateError', MESSAGES.childState('root/S/W', 'restartChild', 'running'), { path: 'root/S/W', operation: 'restartChild', state: 'running' }],
  [new NotAPoolError('root/W'), 'NotAPoolError', MESSAGES.notAPool('root/W'), { path: 'root/W' }],
  [new NotASupervisorError('root/W'), 'NotASupervisorError', MESSAGES.notASupervisor('root/W'), { path: 'root/W' }],
];

describe('child-control errors', () => {
  it.each(cases)('%s: its class name, its factory message, its fields', (error, name, message, fields) => {
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.constructor.name).toBe(name);
    expect(error.message).toBe(message);
    expect(error).toMatchObject(fields);
    expect(String(error.stack)).toMatch(new RegExp(`^${name}: `));
  });

  it('ChildStartError keeps the failed init() error as its cause', () => {
    expect(new ChildStartError('root/S/W:acme', { cause }).cause).toBe(cause);
  });
});
