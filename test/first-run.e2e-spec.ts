// What a new user meets first with supervisor processes: the main.ts that `nest new` generates,
// and the output of supervisor processes.
import { afterEach, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_NOT_BOOTSTRAPPED, MESSAGES, type FailedEvent, type GaveUpEvent, type StartingEvent } from '../libs/supertrees/src/index.js';
import { printedEvents, startApp, type AppProcess } from './helpers/app-process.js';
import { descendantsOf, eventually, isAlive } from './helpers/processes.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const fixtures = join(repo, 'dist', 'test', 'fixtures');
const script = join(fixtures, 'unsupervised-main.js');
const SUPERVISOR = 'root/JobsSupervisor';

let app: AppProcess | undefined;

afterEach(async () => {
  await app?.kill();
  app = undefined;
  await eventually(() => descendantsOf(process.pid).filter(isAlive).length === 0, 'no child process of the test runner left');
});

// nest new's main.ts calls NestFactory.create and listen, not bootstrapSupervised. Its supervisor
// processes run that same file: each must stop during NestFactory.create (before init(), so
// before listen()), and the app must learn why at once.
describe('a supervisor process whose script does not call bootstrapSupervised', () => {
  it('exits during NestFactory.create without listening, and the app reports what to change in main.ts', async () => {
    app = startApp(script, { cwd: repo });
    const failedLine = await app.line(new RegExp(`^EVENT .*"type":"failed".*"path":"${SUPERVISOR}"`), 60_000);
    const failed = JSON.parse(failedLine.slice(6)) as FailedEvent;
    expect(failed.phase).toBe('process');
    expect(failed.error.name).toBe('SupervisorNotBootstrappedError');
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
  }, 120_000);

  // Its restart policy is the default ('always'), yet a restart would only fail the same way.
  it('is given up on at once: exactly one attempt, no restart scheduled, the root stays up', async () => {
    app = startApp(script, { cwd: repo });
    const gaveUpLine = await app.line(new RegExp(`^EVENT .*"type":"gave-up".*"path":"${SUPERVISOR}"`), 60_000);
    expect(JSON.parse(gaveUpLine.slice(6)) as GaveUpEvent).toMatchObject({ reason: 'config', restarts: 0 });
    await app.line(/^LISTENING /);
    // After its gave-up nothing can start it again: everything up to the app's end is the whole story.
    app.proc.kill('SIGTERM');
    await app.exited;
    const own = printedEvents(app.output).filter((e) => e.path === SUPERVISOR);
    expect(own.map((e) => e.type)).toEqual(['starting', 'failed', 'gave-up']);
    const root = printedEvents(app.output).filter((e) => e.path === 'root');
    expect(root.map((e) => e.type)).toEqual(['starting', 'started', 'stopping', 'stopped']);
  }, 120_000);
});

describe("a supervisor process's output", () => {
  /** Runs the app once; the lines its supervisor process printed (prefixed with its path and pid). */
  async function supervisorLines(env: Record<string, string>): Promise<{ own: string[]; fromSupervisor: string[] }> {
    app = startApp(join(fixtures, 'boot-log-main.js'), { cwd: repo, env });
    await app.line(/^READY$/);
    const exit = await app.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    const prefixed = /^(stderr: )?\[root\/ChattySupervisor \d+\] /;
    return { own: app.output.filter((l) => !prefixed.test(l)), fromSupervisor: app.output.filter((l) => prefixed.test(l)) };
  }

  it("leaves out Nest's boot log by default, and keeps the app's own log lines and warnings", async () => {
    const { own, fromSupervisor } = await supervisorLines({});
    expect(own.some((l) => l.includes('InstanceLoader'))).toBe(true);
    expect(fromSupervisor.filter((l) => /NestFactory|InstanceLoader/.test(l))).toEqual([]);
    expect(fromSupervisor.some((l) => /chatty log line/.test(l))).toBe(true);
    expect(fromSupervisor.some((l) => /chatty warn line/.test(l))).toBe(true);
  }, 90_000);

  it("prints Nest's boot log with bootstrapSupervised's bootLog: true", async () => {
    const { fromSupervisor } = await supervisorLines({ BOOT_LOG: '1' });
    expect(fromSupervisor.some((l) => /NestFactory.*Starting Nest application/.test(l))).toBe(true);
    expect(fromSupervisor.some((l) => /InstanceLoader.*dependencies initialized/.test(l))).toBe(true);
    expect(fromSupervisor.some((l) => /chatty log line/.test(l))).toBe(true);
  }, 90_000);
});
