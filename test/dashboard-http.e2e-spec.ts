// The dashboard over plain HTTP (no browser): mounting, the guard on every route, refusals, and
// the options' checks. The browser tests are in dashboard.e2e-spec.ts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { InvalidOptionError, SupervisionModule, SupervisionService } from '../libs/supertrees/src/index.js';
import {
  DASHBOARD_ACTION_HEADER,
  DASHBOARD_MESSAGES,
  SupervisionDashboardModule,
  type SupervisionDashboardOptions,
} from '../libs/supertrees/src/dashboard/index.js';
import { DASHBOARD_JS } from '../libs/supertrees/src/dashboard/dashboard.assets.js';
import { KEY, KEY_HEADER, Steady, startDashboardApp, type DashboardApp } from './helpers/dashboard-app.js';

const withKey = { [KEY_HEADER]: KEY };
const ROUTES = ['ops/tree', 'ops/tree/assets/dashboard.js', 'ops/tree/assets/dashboard.css', 'ops/tree/stream'];
/** Whether this version of the library has per-node control (issue 11); the dashboard asks the same. */
const actionsSupported =
  typeof (SupervisionService.prototype as unknown as Record<string, unknown>)['restartChild'] === 'function' &&
  typeof (SupervisionService.prototype as unknown as Record<string, unknown>)['terminateChild'] === 'function';

/** Reads an SSE response until `count` messages have arrived, then cancels it. */
async function readMessages(response: Response, count: number): Promise<{ event: string; data: unknown }[]> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const messages: { event: string; data: unknown }[] = [];
  let buffer = '';
  try {
    while (messages.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n');
        if (data) messages.push({ event, data: JSON.parse(data) });
      }
    }
  } finally {
    await reader.cancel();
  }
  return messages;
}

describe('SupervisionDashboardModule.register() checks its options', () => {
  const register = (options: unknown) => () => SupervisionDashboardModule.register(options as SupervisionDashboardOptions);

  it('requires a guard: the dashboard is never open by default', () => {
    expect(register({})).toThrow(InvalidOptionError);
    expect(register({})).toThrow(`option "guard" ${DASHBOARD_MESSAGES.guardRequired()}`);
  });

  it('rejects a guard without canActivate(), an unknown option and a bad value, naming each', () => {
    expect(register({ guard: class NotAGuard {} })).toThrow(/option "guard" must be a CanActivate class .*class NotAGuard/);
    const guard = { canActivate: () => true };
    expect(register({ guard, action: true })).toThrow(/option "action" is not an option/);
    expect(register({ guard, actions: 'yes' })).toThrow(/option "actions" must be true or false \(got "yes"\)/);
    expect(register({ guard, path: 'a?b' })).toThrow(/option "path" must be a route path/);
    expect(register({ guard, eventLogSize: -1 })).toThrow(/option "eventLogSize" must be a whole number/);
  });

  it('never builds page content from data: the client script has no HTML parsing sink', () => {
    expect(DASHBOARD_JS).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
  });
});

describe.each(['express', 'fastify'] as const)('the dashboard over HTTP on %s, mounted at ops/tree behind a guard class with injected dependencies', (platform) => {
  let demo: DashboardApp;
  beforeAll(async () => {
    demo = await startDashboardApp({}, platform);
  });
  afterAll(async () => {
    await demo?.close();
  });

  it('refuses every route, the files and the live stream included, to a request the guard rejects', async () => {
    for (const route of [...ROUTES, 'ops/tree/assets/nope.js']) {
      const response = await fetch(`${demo.url}/${route}`, { redirect: 'manual' });
      await response.body?.cancel();
      expect({ route, status: response.status }).toEqual({ route, status: route.endsWith('nope.js') ? 404 : 403 });
    }
    const action = await fetch(`${demo.url}/ops/tree/actions/restart?path=root/Ops`, { method: 'POST' });
    expect(action.status).toBe(403);
  });

  it('answers the path with a trailing slash by a redirect to the page (Express) or 404 (Fastify, which tells them apart)', async () => {
    const response = await fetch(`${demo.url}/ops/tree/`, { headers: withKey, redirect: 'manual' });
    await response.body?.cancel();
    if (platform === 'fastify') {
      expect(response.status).toBe(404);
      return;
    }
    // Relative, so it holds below a global prefix or a proxy that mounts the app elsewhere.
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('../tree');
  });

  it('serves the page, its script and its style itself, with a policy that allows nothing from elsewhere', async () => {
    const page = await fetch(`${demo.url}/ops/tree`, { headers: withKey });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('src="tree/assets/dashboard.js"');
    expect(html).not.toMatch(/https?:\/\//);
    const js = await fetch(`${demo.url}/ops/tree/assets/dashboard.js`, { headers: withKey });
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await js.text()).toBe(DASHBOARD_JS);
    const css = await fetch(`${demo.url}/ops/tree/assets/dashboard.css`, { headers: withKey });
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(await css.text()).not.toMatch(/url\(|@import/);
  });

  it('streams hello, the recent events and the tree', async () => {
    const response = await fetch(`${demo.url}/ops/tree/stream`, { headers: withKey });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const [hello, history, snapshot] = await readMessages(response, 3);
    expect(hello).toMatchObject({ event: 'hello', data: { actions: 'disabled' } });
    expect(history!.event).toBe('history');
    expect((history!.data as { type: string; path: string }[]).some((e) => e.type === 'started' && e.path === 'root/Ops/Crashy')).toBe(true);
    expect(snapshot).toMatchObject({ event: 'snapshot', data: { tree: { path: 'root', state: 'running' } } });
  });

  it('ends an open stream with "closed" when the app closes, and app.close() does not wait for the client', async () => {
    const app = await startDashboardApp({}, platform);
    try {
      const response = await fetch(`${app.url}/ops/tree/stream`, { headers: withKey, keepalive: true });
      const reading = readMessages(response, 100);
      await app.close();
      const messages = await reading;
      expect(messages.at(-1)).toEqual({ event: 'closed', data: {} });
    } finally {
      await app.close();
    }
  });

  it('refuses actions with 403 when they are not enabled', async () => {
    const response = await fetch(`${demo.url}/ops/tree/actions/restart?path=root/Ops/Steady`, {
      method: 'POST',
      headers: { ...withKey, [DASHBOARD_ACTION_HEADER]: '1' },
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { message: string }).message).toBe(DASHBOARD_MESSAGES.actionsDisabled());
  });
});

describe('the dashboard with actions enabled, at the root path, behind a guard instance', () => {
  let demo: DashboardApp;
  beforeAll(async () => {
    demo = await startDashboardApp({ path: '/', actions: true, guard: { canActivate: () => true } });
  });
  afterAll(async () => {
    await demo?.close();
  });

  const post = (action: string, path: string, headers: Record<string, string> = { [DASHBOARD_ACTION_HEADER]: '1' }) =>
    fetch(`${demo.url}/actions/${action}?path=${encodeURIComponent(path)}`, { method: 'POST', headers });

  it('serves the page at the root', async () => {
    const page = await fetch(`${demo.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Supervision tree</title>');
  });

  it('refuses an action without its header, which a cross-site form cannot send', async () => {
    const response = await post('restart', 'root/Ops/Steady', {});
    expect(response.status).toBe(403);
    expect(((await response.json()) as { message: string }).message).toBe(DASHBOARD_MESSAGES.actionHeaderMissing(DASHBOARD_ACTION_HEADER));
  });

  it(
    actionsSupported
      ? 'acts through SupervisionService: 404 for an unknown node; terminate, then restart, a known one'
      : 'answers 501 "not supported by this version" while SupervisionService has no per-node control',
    async () => {
      const hello = (await readMessages(await fetch(`${demo.url}/stream`), 1))[0]!;
      if (!actionsSupported) {
        expect(hello.data).toMatchObject({ actions: 'unsupported' });
        const response = await post('restart', 'root/Ops/Steady');
        expect(response.status).toBe(501);
        expect(((await response.json()) as { message: string }).message).toBe(DASHBOARD_MESSAGES.actionsUnsupported());
        return;
      }
      expect(hello.data).toMatchObject({ actions: 'enabled' });
      expect((await post('restart', 'root/Nope')).status).toBe(404);
      const startedBefore = demo.recorder.of({ type: 'started', path: 'root/Ops/Steady' }).length;
      const stopped = demo.recorder.waitFor({ type: 'stopped', path: 'root/Ops/Steady' });
      expect((await post('terminate', 'root/Ops/Steady')).status).toBe(200);
      await stopped;
      const startedAgain = demo.recorder.waitForCount({ type: 'started', path: 'root/Ops/Steady' }, startedBefore + 1);
      expect((await post('restart', 'root/Ops/Steady')).status).toBe(200);
      await startedAgain;
    },
  );
});

describe('the dashboard with SupervisionModule.forRoot({ isGlobal: false })', () => {
  it('works when the same forRoot() module is in its imports', async () => {
    const supervision = SupervisionModule.forRoot({ isGlobal: false, onTreeFailure: 'keep-running', logging: false });
    @Module({
      imports: [supervision, SupervisionDashboardModule.register({ path: 'tree', guard: { canActivate: () => true }, imports: [supervision] })],
      providers: [Steady],
    })
    class LocalModule {}
    const app = await NestFactory.create(LocalModule, { logger: false });
    try {
      await app.listen(0, '127.0.0.1');
      const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      const [, , snapshot] = await readMessages(await fetch(`${url}/tree/stream`), 3);
      expect(snapshot).toMatchObject({ event: 'snapshot', data: { tree: { children: [{ path: 'root/Steady', state: 'running' }] } } });
    } finally {
      await app.close();
    }
  });
});
