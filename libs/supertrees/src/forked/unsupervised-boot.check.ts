import { Logger } from '@nestjs/common';
import { EXIT_NOT_BOOTSTRAPPED } from '../shared/supervision.constants.js';
import { MESSAGES } from '../shared/supervision.messages.js';
import { isSupervisorProcess } from '../process/process.role.js';

/**
 * Whether this process entered the supervisor-process boot. Process-wide on purpose: it says what
 * this process is for, which no module instance can know.
 */
let supervisorBootEntered = false;

/** Called first thing by the supervisor-process boot (`bootstrapSupervised` in a forked process). */
export function markSupervisorBoot(): void {
  supervisorBootEntered = true;
}

/**
 * In a process forked as a supervisor process whose script booted the app itself (the `main.ts`
 * that `nest new` generates: `NestFactory.create` and `listen`) instead of calling
 * `bootstrapSupervised`: logs what to change and exits with {@link EXIT_NOT_BOOTSTRAPPED}.
 * Called while `SupervisionModule` is instantiated, that is during `NestFactory.create`, so before
 * `init()` and `listen()`: no port is opened, no hook of the app runs, and the parent learns the
 * cause from the exit code in well under its `startTimeoutMs`.
 */
export function exitIfUnsupervisedBoot(): void {
  if (supervisorBootEntered || !isSupervisorProcess()) return;
  new Logger('SupervisorProcess').error(MESSAGES.unsupervisedBootHere(process.argv[1] ?? '(no script)'));
  // An app created with bufferLogs holds its lines until it is initialised, which this one never is.
  Logger.flush();
  process.exit(EXIT_NOT_BOOTSTRAPPED);
}
