// The main.ts that `nest new` generates calls NestFactory.create and listen, not
// bootstrapSupervised. Its supervisor processes run that same file: each must stop during
// NestFactory.create (before init(), so before listen()), and the app must learn why at once.
import { afterEach, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_NOT_BOOTSTRAPPED, MESSAGES, type FailedEvent, type StartingEvent } from '../libs/supertrees/src/index.js';
import { printedEvents, startApp, type AppProcess } from './helpers/app-process.js';
import { descendantsOf, eventually, isAlive } from './helpers/processes.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const script = join(repo, 'dist', 'test', 'fixtures', 'unsupervised-main.js');
const SUPERVISOR = 'root/JobsSupervisor';

let app: AppProcess | undefined;

afterEach(async () => {
  await app?.kill();
  app = undefined;
  await eventually(() => descendantsOf(process.pid).filter(isAlive).length === 0, 'no child process of the test runner left');
});

describe('a supervisor process whose script does not call bootstrapSupervised', () => {
  it('exits during NestFactory.create without listening, and the app reports what to change in main.ts', async () => {
    app = startApp(script, { cwd: repo });
    const failedLine = await app.line(new RegExp(`^EVENT .*"type":"failed".*"path":"${SUPERVISOR}"`), 30_000);
    const failed = JSON.parse(failedLine.slice(6)) as FailedEvent;
    expect(failed.phase).toBe('process');
    expect(failed.error.message).toBe(MESSAGES.unsupervisedBoot(SUPERVISOR, script));
    expect(failed.error.message).toContain('bootstrapSupervised(AppModule');

    // The forked process said so itself, on its own output, which the app passes on with its pid.
    const childLine = await app.line(/^stderr: \[(root\/JobsSupervisor|standby) \d+\].*booted the app itself/);
    const childPid = Number(/ (\d+)\]/.exec(childLine)![1]);
    expect(childLine).toContain(MESSAGES.unsupervisedBootHere(script));
    expect(isAlive(childPid)).toBe(false);

    // The app itself still starts and listens; the forked process never called listen().
    await app.line(/^LISTENING /);
    const listens = app.output.filter((l) => /LISTEN \d+$/.test(l) && !l.startsWith('LISTENING'));
    expect(listens).toEqual([`LISTEN ${app.proc.pid}`]);

    const starting = printedEvents<StartingEvent>(app.output).find((e) => e.type === 'starting' && e.path === SUPERVISOR)!;
    process.stderr.write(
      `unsupervised boot: forked process ${childPid} ended with code ${EXIT_NOT_BOOTSTRAPPED}, ` +
        `${failed.timestamp - starting.timestamp} ms from 'starting' to 'failed'\n`,
    );

    app.proc.kill('SIGTERM');
    const exit = await app.exited;
    expect(exit.signal ?? exit.code).toBe('SIGTERM');
    expect(printedEvents(app.output).some((e) => e.type === 'stopped' && e.path === 'root')).toBe(true);
  }, 60_000);
});
