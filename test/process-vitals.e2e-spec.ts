// SupervisionService.processes(): every supervisor process at any depth, with the memory and
// event-loop figures its heartbeats carry up the process tree.
import { afterEach, describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { SupervisionService, type NodeSnapshot } from '../libs/supertrees/src/index.js';
import { SCENARIOS } from './fixtures/scenarios.js';
import { Cleanup } from './helpers/in-process.js';
import { descendantsOf, eventually, isAlive } from './helpers/processes.js';
import { until } from './helpers/poll.js';

const cleanup = new Cleanup();
afterEach(async () => {
  await cleanup.run();
  await eventually(() => descendantsOf(process.pid).filter(isAlive).length === 0, 'no child process of the test runner left');
});

const supervisorPids = (node: NodeSnapshot): [string, number][] => [
  ...(node.kind === 'supervisor' && node.isolation === 'process' && node.pid !== undefined ? [[node.path, node.pid] as [string, number]] : []),
  ...(node.children ?? []).flatMap(supervisorPids),
];

/** `path pid` lines, sorted: the same for the same processes whatever their order. */
const named = (entries: [string, number][]): string[] => entries.map(([path, pid]) => `${path} ${pid}`).sort();
const sameEntries = (a: [string, number][], b: [string, number][]): boolean => named(a).join('\n') === named(b).join('\n');

describe('SupervisionService.processes()', () => {
  it('lists the supervisor processes of every depth with the figures of their heartbeats, and forgets one that ended', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [SCENARIOS.deep!] }).compile();
    moduleRef.useLogger(false);
    cleanup.add(() => moduleRef.close());
    await moduleRef.init();
    const service = moduleRef.get(SupervisionService);

    // Three levels: Level1 reports its own figures; Level2's and Level3's come up through it, a
    // heartbeat or so after each started. On a loaded machine a start can time out and be retried
    // (init() then resolves with that level waiting for its restart), and the list, carried by
    // heartbeats, catches up with the snapshot, carried by events, one heartbeat later: so this waits
    // until all three run with figures and the two name the same processes, and the assertions
    // below, read in the same turn as the last check, show what disagreed if that never came.
    await until(() => {
      const listed = service.processes();
      return (
        listed.filter((p) => p.rssBytes !== undefined).length === 3 &&
        sameEntries(listed.map((p) => [p.path, p.pid]), supervisorPids(service.snapshot())) &&
        listed.every((p) => isAlive(p.pid))
      );
    }, 120_000);
    const listed = service.processes();
    expect(named(listed.map((p) => [p.path, p.pid]))).toEqual(named(supervisorPids(service.snapshot())));
    expect(listed.map((p) => p.path)).toEqual(['root/Level1Supervisor', 'root/Level1Supervisor/Level2Supervisor', 'root/Level1Supervisor/Level2Supervisor/Level3Supervisor']);
    for (const p of listed) {
      expect(p.rssBytes).toBeGreaterThan(20 * 1024 * 1024);
      expect(p.heapUsedBytes).toBeLessThanOrEqual(p.heapTotalBytes!);
      expect(p.eventLoopDelayMaxMs).toBeGreaterThanOrEqual(p.eventLoopDelayMeanMs!);
      expect(p.missedHeartbeats).toBe(Math.floor(p.silentForMs / 500));
      expect(isAlive(p.pid)).toBe(true);
    }

    await service.stop();
    expect(service.processes()).toEqual([]);
  }, 180_000);
});
