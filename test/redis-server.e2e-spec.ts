// The test-owned redis-server (test/helpers/redis-server.ts) ends with its owner, however the owner ends.
import { afterEach, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { RedisServer } from './helpers/redis-server.js';
import { redisDescribe } from './helpers/redis-suite.js';
import { descendantsOf, eventually, isAlive } from './helpers/processes.js';
import { spawnNode, type Spawned } from './helpers/spawned.js';

interface Owned {
  pid: number;
  watchdogPid: number;
  dir: string;
}

let owner: Spawned | undefined;
let server: RedisServer | undefined;
/** Processes of a server the owner left behind: ended here if the watchdog did not, so a failure leaks none. */
let leftovers: number[] = [];

afterEach(async () => {
  for (const pid of leftovers.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  owner?.proc.kill('SIGKILL');
  await owner?.exited;
  owner = undefined;
  await server?.close();
  server = undefined;
});

redisDescribe()('a RedisServer of a test', () => {
  it('is SIGKILLed, and its temp dir removed, when the process that started it is SIGKILLed', async () => {
    let reported: (owned: Owned) => void = () => undefined;
    const up = new Promise<Owned>((resolve) => (reported = resolve));
    owner = spawnNode('dist/test/fixtures/redis-owner.js', {
      onLine: (line) => {
        if (line.startsWith('REDIS ')) reported(JSON.parse(line.slice(6)) as Owned);
      },
    });
    const owned = await Promise.race([
      up,
      owner.exited.then(({ code, signal }) => Promise.reject(new Error(`the owner exited (${code ?? signal}) before its server was up:\n${owner?.output.join('\n')}`))),
    ]);
    leftovers = [owned.pid, owned.watchdogPid];
    expect(isAlive(owned.pid)).toBe(true);
    expect(isAlive(owned.watchdogPid)).toBe(true);

    owner.proc.kill('SIGKILL');
    expect(await owner.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // The watchdog reacts when the kernel closes the owner's end of its pipe; 30 s is room for a loaded machine.
    await eventually(() => !isAlive(owned.pid), `redis-server ${owned.pid} gone after its owner was SIGKILLed`, 30_000);
    await eventually(() => !isAlive(owned.watchdogPid), `its watchdog ${owned.watchdogPid} gone`, 30_000);
    expect(existsSync(owned.dir)).toBe(false);
  }, 60_000);

  it('ends with its watchdog on close(): no process of it is left', async () => {
    server = await RedisServer.start();
    const [pid, watchdogPid] = [server.pid!, server.watchdogPid!];
    expect(descendantsOf(process.pid)).toEqual(expect.arrayContaining([pid, watchdogPid]));
    await server.close();
    expect(isAlive(pid)).toBe(false);
    expect(isAlive(watchdogPid)).toBe(false);
    expect(existsSync(server.dir)).toBe(false);
  }, 60_000);

  it('ends its watchdog when the server dies by itself, and gets a new one at the next launch()', async () => {
    server = await RedisServer.start();
    const [pid, watchdogPid] = [server.pid!, server.watchdogPid!];
    process.kill(pid, 'SIGKILL');
    await eventually(() => !server!.running, 'the server reported gone');
    await eventually(() => !isAlive(watchdogPid), `its watchdog ${watchdogPid} gone`, 30_000);
    await server.launch();
    expect(isAlive(server.watchdogPid!)).toBe(true);
  }, 60_000);

  it('gets a new watchdog when launched again after kill()', async () => {
    server = await RedisServer.start();
    const first = server.watchdogPid!;
    await server.kill();
    expect(isAlive(first)).toBe(false);
    await server.launch();
    expect(isAlive(server.pid!)).toBe(true);
    expect(isAlive(server.watchdogPid!)).toBe(true);
    expect(server.watchdogPid).not.toBe(first);
  }, 60_000);
});
