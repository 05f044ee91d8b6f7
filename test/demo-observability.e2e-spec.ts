// The demo's /health (Terminus) and /metrics (Prometheus), from the compiled demo in its own process.
import { afterEach, describe, expect, it } from '@jest/globals';
import { endDemo, spawnDemo, type DemoProcess } from './helpers/demo.js';

let demo: DemoProcess | undefined;

afterEach(async () => {
  await endDemo(demo);
  demo = undefined;
});

describe('the demo app’s health and metrics', () => {
  it('serves liveness and readiness on /health and the tree’s metrics on /metrics, which count a restart', async () => {
    demo = spawnDemo();
    const base = await demo.listening;

    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as { status: string; details: Record<string, { status: string; tree: string }> };
    expect(body.status).toBe('ok');
    expect(body.details.liveness).toMatchObject({ status: 'up', tree: 'running' });
    expect(body.details.readiness).toMatchObject({ status: 'up', tree: 'running' });
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);

    const crash = await fetch(`${base}/supervision/crash?path=root/IngestSupervisor/Indexer`, { method: 'POST' });
    expect(crash.status).toBe(202);
    const restart = /^supertrees_restarts_total\{path="root\/IngestSupervisor\/Indexer"\} 1$/m;
    const memory = /^supertrees_process_resident_memory_bytes\{path="root\/IngestSupervisor",pid="\d+"\} \d+/m;
    // Scraped until the restart is counted and a heartbeat has reported the process's memory.
    let text = '';
    const deadline = Date.now() + 20_000;
    while (!(restart.test(text) && memory.test(text)) && Date.now() < deadline) {
      const response = await fetch(`${base}/metrics`);
      expect(response.headers.get('content-type')).toContain('text/plain');
      text = await response.text();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(text).toMatch(/^supertrees_restarts_total\{path="root\/IngestSupervisor\/Indexer"\} 1$/m);
    expect(text).toMatch(/^supertrees_node_state\{path="root\/NotifySupervisor",state="running"\} 1$/m);
    expect(text).toMatch(/^supertrees_process_resident_memory_bytes\{path="root\/IngestSupervisor",pid="\d+"\} \d+/m);
    // Node's own metrics of the app's process, from the same registry.
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
  });
});
