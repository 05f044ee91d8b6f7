// nestjs-supertrees/prometheus: the tree's metrics in a real prom-client registry, scraped as text
// after real restarts in a real supervisor process.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { DynamicModule, Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { register, Registry } from 'prom-client';
import { InvalidOptionError, SupervisionService } from '../libs/supertrees/src/index.js';
import { PROMETHEUS_DEFAULTS, SupervisionPrometheusModule, type SupervisionPrometheusOptions } from '../libs/supertrees/src/integrations/prometheus/index.js';
import { SCENARIOS } from './fixtures/scenarios.js';
import { EventRecorder } from '#supertrees/testing';
import { aborted, Cleanup, defineWorker, supervision } from './helpers/in-process.js';
import { descendantsOf, eventually, isAlive } from './helpers/processes.js';

const cleanup = new Cleanup();
afterEach(async () => {
  await cleanup.run();
  await eventually(() => descendantsOf(process.pid).filter(isAlive).length === 0, 'no child process of the test runner left');
});

async function boot(tree: Type<unknown> | DynamicModule, options: SupervisionPrometheusOptions) {
  const moduleRef: TestingModule = await Test.createTestingModule({ imports: [tree, SupervisionPrometheusModule.forRoot(options)] }).compile();
  moduleRef.useLogger(false);
  cleanup.add(() => moduleRef.close());
  const service = moduleRef.get(SupervisionService);
  const recorder = new EventRecorder(service.events$);
  cleanup.add(() => recorder.stop());
  await moduleRef.init();
  return { moduleRef, service, recorder };
}

/** The value of one sample of the registry's text exposition, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = match[2]!.split(',');
    if (wanted.every((w) => have.includes(w)) && have.length === wanted.length) return Number(match[3]);
  }
  return undefined;
}

describe('SupervisionPrometheusModule', () => {
  it('exposes restarts, states, backoff delays and each supervisor process’s memory and event-loop delay', async () => {
    const registry = new Registry();
    const { service, recorder } = await boot(SCENARIOS.basic!, { registry });
    await recorder.waitFor({ type: 'restarted', path: 'root/IngestSupervisor/CrashOnce' });
    const [proc] = await eventuallyValue(() => service.processes().filter((p) => p.rssBytes !== undefined), 'a heartbeat with figures');
    const pid = String(proc!.pid);
    expect(proc!.path).toBe('root/IngestSupervisor');

    const text = await registry.metrics();
    expect(sample(text, 'supertrees_restarts_total', { path: 'root/IngestSupervisor/CrashOnce' })).toBe(1);
    expect(sample(text, 'supertrees_node_state', { path: 'root/IngestSupervisor', state: 'running' })).toBe(1);
    expect(sample(text, 'supertrees_node_state', { path: 'root/IngestSupervisor', state: 'failed' })).toBe(0);
    expect(sample(text, 'supertrees_node_state', { path: 'root/IngestSupervisor/Greeter', state: 'running' })).toBe(1);
    // CrashOnce's backoff: minDelayMs 10, so one observation of 0.01 s.
    expect(sample(text, 'supertrees_backoff_delay_seconds_count', { path: 'root/IngestSupervisor/CrashOnce' })).toBe(1);
    expect(sample(text, 'supertrees_backoff_delay_seconds_bucket', { path: 'root/IngestSupervisor/CrashOnce', le: '0.01' })).toBe(1);
    const rss = sample(text, 'supertrees_process_resident_memory_bytes', { path: 'root/IngestSupervisor', pid })!;
    expect(rss).toBeGreaterThan(20 * 1024 * 1024);
    expect(rss).toBeLessThan(1024 * 1024 * 1024);
    expect(sample(text, 'supertrees_process_heap_used_bytes', { path: 'root/IngestSupervisor', pid })).toBeGreaterThan(1024 * 1024);
    expect(sample(text, 'supertrees_process_event_loop_delay_max_seconds', { path: 'root/IngestSupervisor', pid })).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'supertrees_process_missed_heartbeats', { path: 'root/IngestSupervisor', pid })).toBeDefined();
    expect(text).toContain('# HELP supertrees_restarts_total ');
    expect(text).toContain('# TYPE supertrees_backoff_delay_seconds histogram');
  });

  it('counts protocol errors of a supervisor process', async () => {
    const registry = new Registry();
    const { recorder } = await boot(SCENARIOS.babble!, { registry, prefix: 'app_tree_' });
    await recorder.waitForCount({ type: 'protocol-error', path: 'root/BabbleSupervisor' }, 5);
    const text = await registry.metrics();
    expect(sample(text, 'app_tree_protocol_errors_total', { path: 'root/BabbleSupervisor' })).toBe(5);
    expect(text).not.toContain('supertrees_');
  });

  it('counts events a supervisor process dropped', async () => {
    const registry = new Registry();
    const { recorder } = await boot(SCENARIOS.flood!, { registry });
    await recorder.waitFor({ type: 'started', path: 'root/FloodSupervisor' });
    // Block this (the parent's) event loop so the child's pipe fills up and it drops events.
    const until = Date.now() + 1_500;
    while (Date.now() < until) {
      // busy
    }
    const drop = await recorder.waitFor({ type: 'events-dropped', path: 'root/FloodSupervisor' });
    const counted = drop.count;
    const value = sample(await registry.metrics(), 'supertrees_events_dropped_total', { path: 'root/FloodSupervisor' })!;
    expect(value).toBeGreaterThanOrEqual(counted);
    expect(value).toBe(recorder.of({ type: 'events-dropped' }).reduce((sum, e) => sum + e.count, 0));
  });

  it('registers in the global registry by default and leaves it clean when the app closes', async () => {
    const Steady = defineWorker('Steady', { run: (ctx) => aborted(ctx.signal) });
    const moduleRef = await Test.createTestingModule({ imports: [supervision(), SupervisionPrometheusModule.forRoot()], providers: [Steady] }).compile();
    moduleRef.useLogger(false);
    cleanup.add(() => moduleRef.close());
    await moduleRef.init();
    expect(sample(await register.metrics(), 'supertrees_node_state', { path: 'root/Steady', state: 'running' })).toBe(1);
    await moduleRef.close();
    expect(register.getSingleMetric('supertrees_node_state')).toBeUndefined();
    expect((await register.getMetricsAsJSON()).filter((m) => m.name.startsWith('supertrees_'))).toEqual([]);
    expect(PROMETHEUS_DEFAULTS.prefix).toBe('supertrees_');
  });

  it('refuses bad options with a typed error', async () => {
    await expect(boot(supervision(), { prefix: 'has space' })).rejects.toThrow(InvalidOptionError);
    await expect(boot(supervision(), { prefix: '9lives_' })).rejects.toThrow('option "prefix" must be a string matching');
    await expect(boot(supervision(), { regsitry: new Registry() } as SupervisionPrometheusOptions)).rejects.toThrow(
      'SupervisionPrometheusModule.forRoot: option "regsitry" is not an option (known: registry, prefix, backoffBuckets)',
    );
    await expect(boot(supervision(), { backoffBuckets: [1, 0.5] })).rejects.toThrow(
      'SupervisionPrometheusModule.forRoot: option "backoffBuckets" must be a non-empty array of increasing positive numbers (seconds)',
    );
  });
});

async function eventuallyValue<T extends unknown[]>(read: () => T, what: string, timeoutMs = 15_000): Promise<T> {
  let value = read();
  await eventually(() => (value = read()).length > 0, what, timeoutMs);
  return value;
}
