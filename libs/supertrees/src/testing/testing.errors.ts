import type { SupervisionEvent } from '../index.js';
import { TESTING_MESSAGES } from './testing.messages.js';

/** A misuse of the testing kit (a missing option, a wrong combination). */
export class SupervisionTestingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SupervisionTestingError';
  }
}

/** `waitForEvent` saw no matching event in time; `seen` holds the events it saw meanwhile. */
export class EventTimeoutError extends Error {
  constructor(
    readonly wanted: string,
    readonly timeoutMs: number,
    readonly seen: readonly SupervisionEvent[],
  ) {
    super(
      TESTING_MESSAGES.eventTimeout(wanted, timeoutMs, seen.map(describeEvent)),
    );
    this.name = 'EventTimeoutError';
  }
}

/** Supervisor processes outlived the testing module's close(). */
export class ProcessesLeftError extends Error {
  constructor(
    readonly pids: readonly number[],
    readonly timeoutMs: number,
  ) {
    super(TESTING_MESSAGES.processesLeft(pids, timeoutMs));
    this.name = 'ProcessesLeftError';
  }
}

/** `type path`, and the error message of a failure: one line per event in an error message. */
export function describeEvent(event: SupervisionEvent): string {
  const error =
    'error' in event && event.error ? `: ${event.error.message}` : '';
  return `${event.type} ${event.path}${error}`;
}
