// nestjs-supertrees/terminus: liveness and readiness through the real @nestjs/terminus, in a real
// Express application, over loopback HTTP; and the background start mode.
import { afterEach, describe, expect, it } from '@jest/globals';
import { Controller, Get, type Type } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  InvalidOptionError,
  SupervisionService,
  type SupervisionModuleOptions,
} from '../libs/supertrees/src/index.js';
import { HEALTH_DEFAULTS, SupervisionHealthIndicator, SupervisionHealthModule, type SupervisionHealthOptions } from '../libs/supertrees/src/integrations/terminus/index.js';
import { SCENARIOS } from './fixtures/scenarios.js';
import { createHttpApp, type HttpApp } from './helpers/http-app.js';
import { aborted, Cleanup, Deferred, defineSupervisor, defineWorker, supervision } from './helpers/in-process.js';
import { descendantsOf, eventually, isAlive } from './helpers/processes.js';

const cleanup = new Cleanup();
afterEach(async () => {
  await cleanup.run();
  await eventually(() => descendantsOf(process.pid).filter(isAlive).length === 0, 'no child process of the test runner left');
});

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly supervision: SupervisionHealthIndicator,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.supervision.isAlive()]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.supervision.isReady()]);
  }
}

interface Probe {
  status: number;
  body: { status: string; details: { supervision: { status: string; tree: string; givenUp: string[]; stuckInBackoff: { path: string }[]; unresponsive: { path: string; missedHeartbeats: number }[] } } };
}

/** A real HTTP app with Terminus, the health module and `tree` (a module or the tree's providers). */
async function serve(
  tree: { providers: Type<unknown>[]; options?: SupervisionModuleOptions } | { module: Type<unknown> },
  health: SupervisionHealthOptions = {},
  listen = true,
): Promise<HttpApp & { probe(path: 'live' | 'ready'): Promise<Probe> }> {
  const imports = 'module' in tree ? [tree.module] : [supervision(tree.options)];
  const http = await createHttpApp({
    imports: [...imports, TerminusModule.forRoot({ logger: false }), SupervisionHealthModule.forRoot(health)],
    providers: 'module' in tree ? [] : tree.providers,
    controllers: [HealthController],
  });
  cleanup.add(() => http.close());
  if (listen) await http.app.listen(0, '127.0.0.1');
  return { ...http, probe: async (path) => (await http.get(`/health/${path}`)) as unknown as Probe };
}

/** Polls a probe until `check` holds; generous, so a loaded machine only makes it slower. */
async function until(probe: () => Promise<Probe>, check: (p: Probe) => boolean, what: string, timeoutMs = 20_000): Promise<Probe> {
  const deadline = Date.now() + timeoutMs;
  let last: Probe | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (check(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}`);
}

const Steady = defineWorker('Steady', { run: (ctx) => aborted(ctx.signal) });

describe('SupervisionHealthIndicator', () => {
  it('is alive and ready once the tree runs', async () => {
    const app = await serve({ providers: [Steady] });
    const live = await app.probe('live');
    const ready = await app.probe('ready');
    expect(live.status).toBe(200);
    expect(ready.status).toBe(200);
    expect(ready.body.details.supervision).toEqual({ status: 'up', tree: 'running', givenUp: [], stuckInBackoff: [], unresponsive: [] });
  });

  it("with start: 'background', listens before the tree has started and is not ready until it has", async () => {
    const latch = new Deferred();
    const SlowInit = defineWorker('SlowInit', { init: () => latch.promise, run: (ctx) => aborted(ctx.signal) });
    const app = await serve({ providers: [SlowInit], options: { start: 'background' } });
    const service = app.app.get(SupervisionService);
    expect(service.status).toBe('starting');
    const ready = await app.probe('ready');
    expect(ready.status).toBe(503);
    expect(ready.body.details.supervision).toMatchObject({ status: 'down', tree: 'starting' });
    expect((await app.probe('live')).status).toBe(200);
    latch.resolve();
    await until(() => app.probe('ready'), (p) => p.status === 200, 'ready after the start');
    expect(service.status).toBe('running');
  });

  it("with the default start: 'blocking', listen() waits for the tree", async () => {
    const latch = new Deferred();
    const SlowInit = defineWorker('SlowInit', { init: () => latch.promise, run: (ctx) => aborted(ctx.signal) });
    const app = await serve({ providers: [SlowInit] }, {}, false);
    let listening = false;
    const listened = app.app.listen(0, '127.0.0.1').then(() => (listening = true));
    await eventually(() => app.app.get(SupervisionService).status === 'starting', 'the tree starting');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(listening).toBe(false);
    latch.resolve();
    await listened;
    expect((await app.probe('ready')).status).toBe(200);
  });

  it('takes readiness down as the first step of the shutdown, while liveness stays up', async () => {
    const latch = new Deferred();
    // Ignores its stop until the latch opens, so the shutdown is held where the test can look.
    const Lingering = defineWorker('Lingering', { run: async (ctx) => { await aborted(ctx.signal); await latch.promise; } }, { shutdownTimeoutMs: 60_000 });
    const app = await serve({ providers: [Lingering] });
    expect((await app.probe('ready')).status).toBe(200);
    const closed = app.close();
    const ready = await until(() => app.probe('ready'), (p) => p.status === 503, 'readiness down during the shutdown');
    expect(ready.body.details.supervision.tree).toBe('stopping');
    expect((await app.probe('live')).status).toBe(200);
    latch.resolve();
    await closed;
  });

  it('is down, alive and ready, when a supervisor gave up for good', async () => {
    const AlwaysFails = defineWorker('AlwaysFails', { run: () => { throw new Error('always fails'); } }, { backoff: { minDelayMs: 1 } });
    const Fragile = defineSupervisor('Fragile', { children: [AlwaysFails], maxRestarts: 2, withinMs: 60_000, restart: 'never' });
    const app = await serve({ providers: [Steady, AlwaysFails, Fragile] });
    const live = await until(() => app.probe('live'), (p) => p.status === 503, 'liveness down');
    expect(live.body.details.supervision).toMatchObject({ status: 'down', tree: 'running', givenUp: ['root/Fragile'] });
    expect((await app.probe('ready')).status).toBe(503);
  });

  it('is down when the whole tree failed', async () => {
    const AlwaysFails = defineWorker('AlwaysFails', { run: () => { throw new Error('always fails'); } }, { backoff: { minDelayMs: 1 } });
    const app = await serve({ providers: [AlwaysFails], options: { maxRestarts: 1, withinMs: 60_000 } });
    const live = await until(() => app.probe('live'), (p) => p.status === 503, 'liveness down');
    expect(live.body.details.supervision).toMatchObject({ status: 'down', tree: 'failed' });
  });

  it('is down while a node waits in backoff longer than stuckInBackoffMs', async () => {
    let runs = 0;
    const FailsOnce = defineWorker('FailsOnce', { run: async (ctx) => { runs += 1; if (runs === 1) throw new Error('once'); await aborted(ctx.signal); } }, { backoff: { minDelayMs: 600_000, maxDelayMs: 600_000 } });
    const app = await serve({ providers: [Steady, FailsOnce] }, { stuckInBackoffMs: 100 });
    const live = await until(() => app.probe('live'), (p) => p.status === 503, 'liveness down');
    expect(live.body.details.supervision.stuckInBackoff.map((s) => s.path)).toEqual(['root/FailsOnce']);
  });

  it('is down while a supervisor process misses heartbeats, and up again once it was replaced', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'supertrees-health-'));
    cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
    process.env.HANG_MARKER = join(dir, 'hang-marker');
    cleanup.add(() => void delete process.env.HANG_MARKER);
    // hang: heartbeats every 100 ms, killed after 1 500 ms of silence; the first process hangs.
    const app = await serve({ module: SCENARIOS.hang! }, { maxMissedHeartbeats: 3 });
    const live = await until(() => app.probe('live'), (p) => p.status === 503, 'liveness down while the process hangs');
    const [unresponsive] = live.body.details.supervision.unresponsive;
    expect(unresponsive).toMatchObject({ path: 'root/HangSupervisor' });
    expect(unresponsive!.missedHeartbeats).toBeGreaterThanOrEqual(3);
    await until(() => app.probe('live'), (p) => p.status === 200, 'alive again after the restart');
  });

  it('refuses bad options with a typed error', async () => {
    await expect(serve({ providers: [Steady] }, { stuckInBackoffMs: -1 })).rejects.toThrow(InvalidOptionError);
    await expect(serve({ providers: [Steady] }, { maxMissedHeartbeats: 'x' as unknown as number })).rejects.toThrow(
      'SupervisionHealthModule.forRoot: option "maxMissedHeartbeats" must be a finite number of at least 1 (got x)',
    );
    expect(HEALTH_DEFAULTS).toEqual({ key: 'supervision', stuckInBackoffMs: 30_000, maxMissedHeartbeats: 3 });
  });
});
