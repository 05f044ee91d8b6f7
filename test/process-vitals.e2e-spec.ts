// SupervisionService.processes(): every supervisor process at any depth, with the memory and
// event-loop figures its heartbeats carry up the process tree.
import { afterEach, describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { SupervisionService, type NodeSnapshot } from '../libs/supertrees/src/index.js';
import { SCENARIOS } from './fixtures/scenarios.js';
import { Cleanup } from './helpers/in-process.js';
import { descendantsOf, eventually, isAlive } from './helpers/processes.js';

const cleanup = new Cleanup();
afterEach(async () => {
  await cleanup.run();
  await eventually(() => descendantsOf(process.pid).filter(isAlive).length === 0, 'no child process of the test runner left');
});

const supervisorPids = (node: NodeSnapshot): [string, number][] => [
  ...(node.kind === 'supervisor' && node.isolation === 'process' && node.pid !== undefined ? [[node.path, node.pid] as [string, number]] : []),
  ...(node.children ?? []).flatMap(supervisorPids),
];

describe('SupervisionService.processes()', () => {
  it('lists the supervisor processes of every depth with the figures of their heartbeats, and forgets one that ended', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [SCENARIOS.deep!] }).compile();
    moduleRef.useLogger(false);
    cleanup.add(() => moduleRef.close());
    await moduleRef.init();
    const service = moduleRef.get(SupervisionService);

    // Three levels: Level1 reports its own figures; Level2's and Level3's come up through it.
    await eventually(() => service.processes().filter((p) => p.rssBytes !== undefined).length === 3, 'three processes with figures', 20_000);
    const listed = service.processes();
    expect(listed.map((p) => [p.path, p.pid]).sort()).toEqual(supervisorPids(service.snapshot()).sort());
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
  });
});
