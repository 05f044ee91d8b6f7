import { SUPERVISOR_PROCESS_ENV } from '../shared/supervision.constants.js';

/** True in a process forked to run a supervisor subtree (not the app itself). */
export function isSupervisorProcess(): boolean {
  return process.env[SUPERVISOR_PROCESS_ENV] === '1' && typeof process.send === 'function';
}
