// nestjs-supertrees/opentelemetry: the tree's metrics through the real OpenTelemetry API, read
// back through the real SDK's MeterProvider and a reader, after real restarts in a real process.
import { afterEach, describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { metrics } from '@opentelemetry/api';
import { DataPointType, MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { InvalidOptionError, SupervisionService } from '../libs/supertrees/src/index.js';
import { SupervisionOpenTelemetryModule, type SupervisionOpenTelemetryOptions } from '../libs/supertrees/src/integrations/opentelemetry/index.js';
import { SCENARIOS } from './fixtures/scenarios.js';
import { EventRecorder } from '#supertrees/testing';
import { Cleanup, supervision } from './helpers/in-process.js';
import { descendantsOf, eventually, isAlive } from './helpers/processes.js';

const cleanup = new Cleanup();
afterEach(async () => {
  await cleanup.run();
  await eventually(() => descendantsOf(process.pid).filter(isAlive).length === 0, 'no child process of the test runner left');
});

/** A pull reader: the test collects when it wants to look. */
class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

function sdk() {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  cleanup.add(() => provider.shutdown());
  return {
    provider,
    async collect(): Promise<Map<string, MetricData>> {
      const { resourceMetrics, errors } = await reader.collect();
      expect(errors).toEqual([]);
      return new Map(resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).map((m) => [m.descriptor.name, m]));
    },
  };
}

async function boot(tree: Parameters<typeof Test.createTestingModule>[0]['imports'], options: SupervisionOpenTelemetryOptions) {
  const moduleRef = await Test.createTestingModule({ imports: [...(tree ?? []), SupervisionOpenTelemetryModule.forRoot(options)] }).compile();
  moduleRef.useLogger(false);
  cleanup.add(() => moduleRef.close());
  const service = moduleRef.get(SupervisionService);
  const recorder = new EventRecorder(service.events$);
  cleanup.add(() => recorder.stop());
  await moduleRef.init();
  return { moduleRef, service, recorder };
}

const point = (metric: MetricData | undefined, attributes: Record<string, string | number>) =>
  metric?.dataPoints.find((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v) && Object.keys(p.attributes).length === Object.keys(attributes).length);

describe('SupervisionOpenTelemetryModule', () => {
  it('records restarts, backoff delays, states and supervisor processes on the given meter', async () => {
    const { provider, collect } = sdk();
    const { service, recorder } = await boot([SCENARIOS.basic!], { meter: provider.getMeter('test') });
    await recorder.waitFor({ type: 'restarted', path: 'root/IngestSupervisor/CrashOnce' });
    await eventually(() => service.processes().some((p) => p.rssBytes !== undefined), 'a heartbeat with figures');
    const pid = service.processes()[0]!.pid;

    const got = await collect();
    expect(point(got.get('supertrees.restarts'), { path: 'root/IngestSupervisor/CrashOnce' })?.value).toBe(1);
    const backoff = got.get('supertrees.backoff.delay');
    expect(backoff?.dataPointType).toBe(DataPointType.HISTOGRAM);
    expect(backoff?.descriptor.unit).toBe('s');
    expect(point(backoff, { path: 'root/IngestSupervisor/CrashOnce' })?.value).toMatchObject({ count: 1, sum: 0.01 });
    expect(point(got.get('supertrees.node.state'), { path: 'root/IngestSupervisor', state: 'running' })?.value).toBe(1);
    expect(point(got.get('supertrees.node.state'), { path: 'root/IngestSupervisor', state: 'backoff' })?.value).toBe(0);
    const rss = point(got.get('supertrees.process.memory.rss'), { path: 'root/IngestSupervisor', pid })?.value as number;
    expect(rss).toBeGreaterThan(20 * 1024 * 1024);
    expect(got.get('supertrees.process.memory.rss')?.descriptor.unit).toBe('By');
    expect(point(got.get('supertrees.process.event_loop.delay.max'), { path: 'root/IngestSupervisor', pid })?.value).toBeGreaterThanOrEqual(0);
    expect(point(got.get('supertrees.process.missed_heartbeats'), { path: 'root/IngestSupervisor', pid })).toBeDefined();
  });

  it('counts protocol errors, under a prefix of the app’s choice', async () => {
    const { provider, collect } = sdk();
    const { recorder } = await boot([SCENARIOS.babble!], { meter: provider.getMeter('test'), prefix: 'app.tree.' });
    await recorder.waitForCount({ type: 'protocol-error', path: 'root/BabbleSupervisor' }, 5);
    const got = await collect();
    expect(point(got.get('app.tree.protocol.errors'), { path: 'root/BabbleSupervisor' })?.value).toBe(5);
    expect([...got.keys()].filter((name) => name.startsWith('supertrees.'))).toEqual([]);
  });

  it('uses the global MeterProvider by default, and stops observing when the app closes', async () => {
    const { provider, collect } = sdk();
    metrics.setGlobalMeterProvider(provider);
    cleanup.add(() => metrics.disable());
    const { moduleRef } = await boot([supervision()], {});
    expect(moduleRef.get(SupervisionService).status).toBe('running');
    const before = await collect();
    expect(point(before.get('supertrees.node.state'), { path: 'root', state: 'running' })?.value).toBe(1);
    await moduleRef.close();
    // The tree is stopped now: had the callback still been observing, the root would read stopped.
    const after = await collect();
    expect(point(after.get('supertrees.node.state'), { path: 'root', state: 'stopped' })?.value).toBe(0);
    expect(point(after.get('supertrees.node.state'), { path: 'root', state: 'running' })?.value).toBe(1);
  });

  it('refuses bad options with a typed error', async () => {
    await expect(boot([supervision()], { prefix: '9 lives' })).rejects.toThrow(InvalidOptionError);
    await expect(boot([supervision()], { backoffBuckets: [] })).rejects.toThrow('SupervisionOpenTelemetryModule.forRoot: option "backoffBuckets"');
  });
});
