import { afterEach, describe, expect, it } from '@jest/globals';
import { endDemo, spawnDemo, type DemoProcess } from './helpers/demo.js';
import { descendantsOf, eventually, isAlive } from './helpers/processes.js';

let demo: DemoProcess | undefined;

afterEach(async () => {
  await endDemo(demo);
  demo = undefined;
});

describe('the demo under signals', () => {
  it('SIGTERM during boot shuts down cleanly once the boot settled, leaving no process', async () => {
    demo = spawnDemo();
    await eventually(() => descendantsOf(demo!.proc.pid!).length > 0, 'the first supervisor processes are forked');
    demo.proc.kill('SIGTERM');
    const { signal } = await demo.exited;
    expect(signal).toBe('SIGTERM');
    // Checked at once: the app's exit is the guarantee, not the children's own orphan handling.
    expect([...demo.pids].filter((pid) => pid !== demo!.proc.pid && isAlive(pid))).toEqual([]);
    expect(demo.output.some((l) => l.includes('■ stopped           root  (shutdown)'))).toBe(true);
  });

  it('SIGTERM during a restart storm shuts down cleanly, leaving no process', async () => {
    demo = spawnDemo({ DEMO_FEED_FAILURE_RATE: '1', DEMO_WEBHOOK_FAILURE_RATE: '1' });
    await demo.listening;
    await eventually(() => demo!.output.filter((l) => l.includes('↺ restarted')).length >= 6, 'restarts keep coming');
    demo.proc.kill('SIGTERM');
    const { signal } = await demo.exited;
    expect(signal).toBe('SIGTERM');
    expect([...demo.pids].filter((pid) => pid !== demo!.proc.pid && isAlive(pid))).toEqual([]);
  });

  it('SIGTERM twice in a row kills at once, leaving no process', async () => {
    demo = spawnDemo();
    await demo.listening;
    demo.proc.kill('SIGTERM');
    demo.proc.kill('SIGTERM');
    const { code, signal } = await demo.exited;
    // Either the second signal came while the tree was stopping (our handler: exit 143), or after
    // the graceful close had already finished (Nest re-raises SIGTERM).
    expect(code === 143 || signal === 'SIGTERM').toBe(true);
    await eventually(() => [...demo!.pids].every((pid) => !isAlive(pid)), 'every process gone', 5_000);
  });
});
