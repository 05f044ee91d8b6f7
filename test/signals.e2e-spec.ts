import { afterEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { descendantsOf, eventually, isAlive, lineMatching, spawnFixtureApp, type SpawnedApp } from './helpers/processes.js';

let app: SpawnedApp | undefined;
const pids = new Set<number>();

afterEach(async () => {
  if (app && app.proc.exitCode === null && app.proc.signalCode === null) {
    app.proc.kill('SIGKILL');
    await app.exited;
  }
  await eventually(() => [...pids].every((pid) => !isAlive(pid)), 'no process left');
  app = undefined;
  pids.clear();
});

async function spawn(scenario: string): Promise<SpawnedApp> {
  app = await spawnFixtureApp(scenario, { SUPERTREES_PRINT_EVENTS: '1' });
  pids.add(app.proc.pid!);
  descendantsOf(app.proc.pid!).forEach((pid) => pids.add(pid));
  return app;
}

describe('an app with enableShutdownHooks()', () => {
  it('stops the tree depth-first in reverse start order on SIGTERM, and no descendant outlives it', async () => {
    const { proc, exited, output } = await spawn('deep');
    expect(pids.size).toBeGreaterThanOrEqual(4);
    proc.kill('SIGTERM');
    expect((await exited).signal).toBe('SIGTERM');
    // Checked at once, not eventually: the app's exit is the guarantee.
    expect([...pids].filter((pid) => pid !== proc.pid && isAlive(pid))).toEqual([]);
    expect(output.filter((l) => l.startsWith('EVENT stopped'))).toEqual([
      'EVENT stopped root/Level1Supervisor/Level2Supervisor/Level3Supervisor/Ticker',
      'EVENT stopped root/Level1Supervisor/Level2Supervisor/Level3Supervisor',
      'EVENT stopped root/Level1Supervisor/Level2Supervisor',
      'EVENT stopped root/Level1Supervisor',
      'EVENT stopped root',
    ]);
  });

  it('a second SIGTERM during a slow shutdown kills every process at once', async () => {
    const spawned = await spawn('slow');
    expect(pids.size).toBeGreaterThanOrEqual(5);
    spawned.proc.kill('SIGTERM');
    await lineMatching(spawned, /^EVENT stopping root\/SlowSupervisor$/);
    spawned.proc.kill('SIGTERM');
    const { code } = await spawned.exited;
    expect(code).toBe(143);
    await eventually(() => [...pids].every((pid) => !isAlive(pid)), 'every process gone within a second or so', 3_000);
  });

  it("prints each supervisor process's stdout and stderr lines marked with its path and pid", async () => {
    const spawned = await spawn('basic');
    const [supPid] = spawned.pids.filter((p) => p !== spawned.proc.pid);
    const logged = await lineMatching(spawned, /hello Greeter from/);
    expect(logged.startsWith(`[root/IngestSupervisor ${supPid}] `)).toBe(true);
    expect(logged).toContain(`hello Greeter from ${supPid}`);
    expect(await lineMatching(spawned, /stderr of Greeter/)).toBe(`stderr: [root/IngestSupervisor ${supPid}] stderr of Greeter in ${supPid}`);
  });

  it("keeps Nest's logger working in a supervisor restarted on a standing spare that warmed Nest up", async () => {
    const spawned = await spawn('basic');
    const [supPid] = spawned.pids.filter((p) => p !== spawned.proc.pid);
    await lineMatching(spawned, new RegExp(`hello Greeter from ${supPid}`));
    // The spare forked after the boot: it warms Nest up with its logger off, then must restore it.
    const spares = () => descendantsOf(spawned.proc.pid!).filter((pid) => pid !== supPid && isAlive(pid));
    await eventually(() => spares().length > 0, 'a standing spare');
    const [spare] = spares();
    pids.add(spare!);
    // Read once it runs node: between fork and exec, /proc/<pid>/environ is still its parent's.
    const environ = () => readFileSync(`/proc/${spare}/environ`, 'utf8').split('\0');
    await eventually(() => environ().includes('NESTJS_SUPERTREES_FORKED_FOR=spare'), "the spare's environment says it is one");
    expect(environ()).toContain('NESTJS_SUPERTREES_FORKED_FOR=spare');
    process.kill(supPid!, 'SIGKILL');
    // Greeter logs through Nest's Logger (warn) from the process that replaced the killed one.
    const logged = await lineMatching(spawned, new RegExp(`hello Greeter from ${spare}`));
    expect(logged.startsWith(`[root/IngestSupervisor ${spare}] `)).toBe(true);
    descendantsOf(spawned.proc.pid!).forEach((pid) => pids.add(pid));
  });
});
