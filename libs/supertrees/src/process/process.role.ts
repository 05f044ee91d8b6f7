import { CHILD_ENV } from '../supervision.constants.js';

/** True in a process forked to run a supervisor subtree (not the app itself). */
export function isSupervisorProcess(): boolean {
  return process.env[CHILD_ENV] === '1' && typeof process.send === 'function';
}
