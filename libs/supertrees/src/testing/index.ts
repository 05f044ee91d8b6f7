// The public surface of nestjs-supertrees/testing: helpers for testing supervision trees with
// Jest or Vitest. Imports @nestjs/testing, so only tests load it.
export {
  createSupervisionTestingModule,
  type SupervisionTestingModule,
  type SupervisionTestingOptions,
} from './testing.module.js';
export {
  waitForEvent,
  waitForEvents,
  type EventSource,
} from './wait-for-event.js';
export { EventRecorder, type WaitOptions } from './event.recorder.js';
export type { EventMatch, MatchedEvent } from './event.matching.js';
export { findNode, walkSnapshot } from './snapshot.nodes.js';
export {
  supervisorProcessEntry,
  type SupervisorProcessEntryOptions,
} from './supervisor-process.entry.js';
export { isAlive, supervisorProcessesOf } from './proc.js';
export {
  EventTimeoutError,
  ProcessesLeftError,
  SupervisionTestingError,
} from './testing.errors.js';
export { TESTING_MESSAGES } from './testing.messages.js';
