// The packed package in the two kinds of Nest app it supports, each a fixture with its own
// package.json and lockfile (test/fixtures/nest11-cjs, test/fixtures/nest12-esm): a temp copy of
// the fixture installs the tarball with a plain `npm install` (from the registry, through npm's
// cache), builds with its own tsc, and runs as a user runs it (`node dist/main.js`): a supervisor
// process, a worker in it that fails once and is restarted, HTTP, then SIGTERM and nothing left.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { NodeSnapshot, SupervisionEvent } from '../libs/supertrees/src/index.js';
import { printedEvents, startApp, type AppProcess } from './helpers/app-process.js';
import { killAllRuns, npm, ok, packLibrary, repo, run, type PackedLibrary } from './helpers/pack.js';
import { descendantsOf, eventually, isAlive } from './helpers/processes.js';

const SUPERVISOR = 'root/JobsSupervisor';
const WORKER = `${SUPERVISOR}/FlakyWorker`;

let temp = '';
let packed: PackedLibrary;
const apps: AppProcess[] = [];

beforeAll(async () => {
  temp = mkdtempSync(join(tmpdir(), 'supertrees-compat-'));
  packed = await packLibrary(temp);
}, 180_000);

afterAll(async () => {
  for (const app of apps) await app.kill();
  killAllRuns();
  if (temp) rmSync(temp, { recursive: true, force: true });
});

const find = (node: NodeSnapshot, path: string): NodeSnapshot | undefined =>
  node.path === path ? node : (node.children ?? []).map((c) => find(c, path)).find(Boolean);

describe.each([
  { fixture: 'nest11-cjs', nest: '11', format: 'CommonJS' },
  { fixture: 'nest12-esm', nest: '12', format: 'ESM' },
])('a $format Nest $nest app ($fixture)', ({ fixture, nest }) => {
  it('installs the tarball, builds with its own tsc, runs a supervisor process with a restart, and shuts down clean', async () => {
    const source = join(repo, 'test', 'fixtures', fixture);
    const dir = join(temp, fixture);
    cpSync(source, dir, { recursive: true, filter: (src) => !/^(node_modules|dist)$/.test(relative(source, src)) });

    const installed = ok(
      await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', packed.tarball], dir, 150_000),
      `npm install in ${fixture}`,
    );
    const core = JSON.parse(readFileSync(join(dir, 'node_modules', '@nestjs', 'core', 'package.json'), 'utf8')) as { version: string };
    expect(core.version.split('.')[0]).toBe(nest);
    // Exit code 0 only if every dependency, the peers of nestjs-supertrees included, is met.
    ok(await npm(['ls', '--all'], dir, 60_000), `npm ls in ${fixture}`);
    const built = ok(
      await run(process.execPath, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], dir, 120_000),
      `tsc in ${fixture}`,
    );

    const app = startApp(join(dir, 'dist', 'main.js'), { cwd: dir, env: { PORT: '0' } });
    apps.push(app);
    const url = (await app.line(/^LISTENING /, 90_000)).slice('LISTENING '.length);
    await app.line(new RegExp(`^EVENT .*"type":"restarted".*"path":"${WORKER}"`), 90_000);

    expect(await (await fetch(url)).text()).toBe('Hello World!');
    const tree = (await (await fetch(`${url}/tree`)).json()) as NodeSnapshot;
    const supervisor = find(tree, SUPERVISOR)!;
    const worker = find(tree, WORKER)!;
    expect([tree.state, supervisor.state, worker.state]).toEqual(['running', 'running', 'running']);
    expect(supervisor.pid).toEqual(expect.any(Number));
    expect(supervisor.pid).not.toBe(app.proc.pid);
    expect(worker.restarts).toBe(1);
    expect(worker.lastError?.message).toMatch(/^first run fails on purpose/);

    // The supervisor process logs the failure (the library's error line, with its pid) but not
    // Nest's boot log, which the app itself prints with its default logger.
    const fromSupervisor = app.output.filter((l) => l.includes(`[${SUPERVISOR} ${supervisor.pid}]`));
    expect(fromSupervisor.some((l) => l.includes('first run fails on purpose'))).toBe(true);
    expect(app.output.filter((l) => /\[(root\/|standby )\S* ?\d+\].*(InstanceLoader|NestFactory)/.test(l))).toEqual([]);
    expect(app.output.some((l) => /InstanceLoader/.test(l) && !/\[(root\/|standby )/.test(l))).toBe(true);

    const treeProcesses = descendantsOf(app.proc.pid!);
    expect(treeProcesses).toContain(supervisor.pid);
    app.proc.kill('SIGTERM');
    const exit = await app.exited;
    expect(exit.signal ?? exit.code).toBe('SIGTERM');
    const events = printedEvents<SupervisionEvent>(app.output);
    expect(events.filter((e) => e.type === 'stopped').map((e) => e.path)).toEqual(expect.arrayContaining([WORKER, SUPERVISOR, 'root']));
    await eventually(() => treeProcesses.every((pid) => !isAlive(pid)), `processes ${treeProcesses.join(', ')} gone`);

    process.stderr.write(
      `compat ${fixture}: pack ${packed.ms} ms, npm install ${installed.ms} ms, tsc ${built.ms} ms, run to SIGTERM and exit\n`,
    );
  }, 360_000);
});
