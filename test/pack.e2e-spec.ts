// The published package, end to end: build libs/supertrees with its tsconfig.lib.json, `npm pack`
// it, install the tarball offline into a scratch ESM Nest 12 app, type-check that app against the
// packed .d.ts files, run it, and check that one in-process worker reaches `running`.
//
// Offline install: `npm ci` fills the npm cache with tarballs only, not with the registry's
// package documents (packuments), and npm needs those to resolve any version that is not in a
// lockfile: even an exact one, and also the peer dependencies of a newly added package (a bare
// `npm install --offline` fails with ERESOLVE "Found: @nestjs/common@undefined"). So the scratch
// app gets a complete package-lock.json: the locked closure of the four peer dependencies, cut
// out of the repo's own lockfile, plus an entry for the tarball (its integrity from `npm pack`),
// written as npm itself would write it. `npm install --offline` then fetches everything from the
// cache by integrity, and `npm ls` checks afterwards that the package's peer ranges are met.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const libDir = join(repo, 'libs', 'supertrees');
const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
const PEERS = ['@nestjs/common', '@nestjs/core', 'reflect-metadata', 'rxjs'] as const;
/** Needed only by a subpath (`nestjs-supertrees/cluster`): declared optional, so an install never pulls them in. */
const OPTIONAL_PEERS = ['ioredis'] as const;

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

const running = new Set<number>();

/**
 * Runs a command in a process group of its own, so that a timeout (or afterAll) can kill it
 * together with everything it started (npm runs scripts through a shell).
 */
function run(command: string, args: string[], cwd: string, timeoutMs: number, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, {
      cwd,
      env: { ...process.env, NESTJS_SUPERTREES_CHILD: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const pid = proc.pid;
    if (pid !== undefined) running.add(pid);
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      killGroup(pid);
      reject(new Error(`${command} ${args.join(' ')} timed out after ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    proc.once('error', (error) => {
      clearTimeout(timer);
      if (pid !== undefined) running.delete(pid);
      reject(error);
    });
    proc.once('close', (code, signal) => {
      clearTimeout(timer);
      if (pid !== undefined) running.delete(pid);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
  running.delete(pid);
}

function ok(result: RunResult, what: string): RunResult {
  if (result.code !== 0) throw new Error(`${what} failed (${result.code ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** npm itself: the one running `npm test` when there is one, else the npm on PATH. */
function npm(args: string[], cwd: string, timeoutMs: number): Promise<RunResult> {
  const cli = process.env.npm_execpath;
  return cli && /npm-cli\.[cm]?js$/.test(cli)
    ? run(process.execPath, [cli, ...args], cwd, timeoutMs)
    : run('npm', args, cwd, timeoutMs);
}

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  link?: boolean;
}

/**
 * The entries of the repo's lockfile that `roots` need, at their locked locations: Node's
 * resolution from each entry's location (its own node_modules, then its ancestors') gives the
 * entry the locked tree uses for each dependency.
 */
function lockedClosure(roots: readonly string[]): Record<string, LockEntry> {
  const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const out: Record<string, LockEntry> = {};
  const resolveFrom = (location: string, name: string): string | undefined => {
    let base = location;
    for (;;) {
      const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
      if (lock.packages[candidate]) return candidate;
      if (!base) return undefined;
      const cut = base.lastIndexOf('/node_modules/');
      base = cut < 0 ? '' : base.slice(0, cut);
    }
  };
  const visit = (location: string): void => {
    if (out[location]) return;
    const entry = lock.packages[location];
    if (!entry || entry.link) throw new Error(`package-lock.json has no usable entry ${location}`);
    const { dev: _dev, optional: _optional, devOptional: _devOptional, peer: _peer, ...rest } = entry;
    out[location] = rest;
    const required = [
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.peerDependencies ?? {}).filter((name) => !entry.peerDependenciesMeta?.[name]?.optional),
    ];
    for (const name of required) {
      const found = resolveFrom(location, name);
      if (!found) throw new Error(`package-lock.json does not resolve ${name} from ${location}`);
      visit(found);
    }
    for (const name of Object.keys(entry.optionalDependencies ?? {})) {
      const found = resolveFrom(location, name);
      if (found) visit(found);
    }
  };
  for (const name of roots) visit(`node_modules/${name}`);
  return out;
}

const APP_TS = `
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  SupervisionModule,
  SupervisionService,
  Worker,
  type NodeSnapshot,
  type SupervisedWorker,
  type WorkerContext,
} from 'nestjs-supertrees';

@Injectable()
class Greeting {
  readonly text = 'hello';
}

@Worker({ restart: 'on-failure' })
class Pinger implements SupervisedWorker {
  runs = 0;
  constructor(readonly greeting: Greeting) {}

  async run(ctx: WorkerContext): Promise<void> {
    this.runs += 1;
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }
}

@Module({
  imports: [SupervisionModule.forRoot({ defaultIsolation: 'none', logging: false })],
  providers: [Greeting, Pinger],
})
class AppModule {}

const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
const service = app.get(SupervisionService);
const running = (s: NodeSnapshot) => s.children?.every((c) => c.state === 'running') ?? false;
const deadline = Date.now() + 10_000;
while (!running(service.snapshot()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
const pinger = app.get(Pinger);
process.stdout.write(
  JSON.stringify({ snapshot: service.snapshot(), injected: pinger.greeting instanceof Greeting, runs: pinger.runs }) + '\\n',
);
await app.close();
// No process.exit(): the process must end by itself once the application is closed.
`;

interface PackReport {
  filename: string;
  integrity: string;
}

let temp = '';
let tarball = '';
let tarballIntegrity = '';
let packMs = 0;

beforeAll(async () => {
  temp = mkdtempSync(join(tmpdir(), 'supertrees-pack-'));
  // The package is staged in the temp dir (libs/supertrees minus src/ and dist/, plus a fresh
  // build) rather than built into libs/supertrees/dist, so that concurrent runs of the suite in
  // one checkout cannot delete each other's build mid-pack. What ends up in the tarball is still
  // decided by the package's own package.json ("files"), as in `npm publish`.
  const stage = join(temp, 'stage');
  cpSync(libDir, stage, { recursive: true, filter: (src) => !/^(src|dist|node_modules)$/.test(relative(libDir, src)) });
  const built = ok(
    await run(process.execPath, [tsc, '-p', join(libDir, 'tsconfig.lib.json'), '--outDir', join(stage, 'dist')], repo, 40_000),
    'tsc -p libs/supertrees/tsconfig.lib.json',
  );
  mkdirSync(join(temp, 'pack'));
  // --ignore-scripts: prepack would build again, into libs/supertrees/dist.
  const packed = ok(await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', join(temp, 'pack')], stage, 30_000), 'npm pack');
  packMs = built.ms + packed.ms;
  const [report] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as PackReport[];
  tarball = join(temp, 'pack', report!.filename);
  tarballIntegrity = report!.integrity;
}, 80_000);

afterAll(() => {
  for (const pid of [...running]) killGroup(pid);
  if (temp) rmSync(temp, { recursive: true, force: true });
});

describe('the npm package nestjs-supertrees', () => {
  it('holds the built JavaScript and declarations, a README and a LICENSE, and nothing else', async () => {
    const listing = ok(await run('tar', ['-tzf', tarball], temp, 10_000), 'tar -tzf');
    const files = listing.stdout
      .split('\n')
      .filter(Boolean)
      .map((f) => posix.relative('package', f))
      .sort();
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts']));
    const unexpected = files.filter(
      (f) => !['LICENSE', 'README.md', 'package.json'].includes(f) && !/^dist\/.+(?<!\.d)\.js$/.test(f) && !/^dist\/.+\.d\.ts$/.test(f),
    );
    expect(unexpected).toEqual([]);
    expect(files.filter((f) => /spec|\.map$|^(src|test)\//.test(f))).toEqual([]);
    // Every module of the source tree is there, compiled, with its declarations.
    expect(files.filter((f) => f.endsWith('.js')).length).toBe(files.filter((f) => f.endsWith('.d.ts')).length);

    const manifest = JSON.parse(readFileSync(join(libDir, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.dependencies).toBeUndefined();
    expect((manifest.scripts as Record<string, string>).prepack).toBeDefined();
    expect(Object.keys(manifest.peerDependencies as Record<string, string>).sort()).toEqual([...PEERS, ...OPTIONAL_PEERS].sort());
    const meta = (manifest.peerDependenciesMeta ?? {}) as Record<string, { optional?: boolean }>;
    expect(Object.keys(meta).filter((name) => meta[name]?.optional).sort()).toEqual([...OPTIONAL_PEERS].sort());
    expect(files).toEqual(expect.arrayContaining(['dist/cluster/index.js', 'dist/cluster/index.d.ts']));
  });

  it('installs offline into an ESM Nest 12 app, type-checks there, and runs an in-process worker', async () => {
    const app = join(temp, 'app');
    mkdirSync(app);
    const closure = lockedClosure(PEERS);
    const pinned = Object.fromEntries(PEERS.map((name) => [name, closure[`node_modules/${name}`]!.version!]));
    const pkg = JSON.parse(readFileSync(join(libDir, 'package.json'), 'utf8')) as {
      version: string;
      license: string;
      engines: Record<string, string>;
      peerDependencies: Record<string, string>;
    };
    const dependencies = { ...pinned, 'nestjs-supertrees': `file:../pack/${posix.basename(tarball)}` };
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'supertrees-scratch-app', version: '0.0.0', private: true, type: 'module', dependencies }),
    );
    writeFileSync(
      join(app, 'package-lock.json'),
      JSON.stringify({
        name: 'supertrees-scratch-app',
        version: '0.0.0',
        lockfileVersion: 3,
        requires: true,
        packages: {
          '': { name: 'supertrees-scratch-app', version: '0.0.0', dependencies },
          ...closure,
          'node_modules/nestjs-supertrees': {
            version: pkg.version,
            resolved: dependencies['nestjs-supertrees'],
            integrity: tarballIntegrity,
            license: pkg.license,
            engines: pkg.engines,
            peerDependencies: pkg.peerDependencies,
          },
        },
      }),
    );
    writeFileSync(join(app, 'app.ts'), APP_TS);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2022'],
          module: 'nodenext',
          moduleResolution: 'nodenext',
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          strict: true,
          // The packed .d.ts files are checked too (their imports must resolve from the package).
          skipLibCheck: false,
          typeRoots: [join(repo, 'node_modules', '@types')],
          types: ['node'],
          rootDir: '.',
          outDir: 'out',
        },
        files: ['app.ts'],
      }),
    );

    const installed = ok(await npm(['install', '--offline', '--no-audit', '--no-fund'], app, 40_000), 'npm install --offline');
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules', 'nestjs-supertrees', 'package.json'), 'utf8')) as { version: string };
    expect(manifest.version).toBe(pkg.version);
    // Exit code 0 only if every dependency, peers of nestjs-supertrees included, is met.
    ok(await npm(['ls', '--all', '--offline'], app, 15_000), 'npm ls');

    const compiled = ok(await run(process.execPath, [tsc, '-p', 'tsconfig.json'], app, 30_000), 'tsc in the scratch app');
    const ran = await run(process.execPath, ['out/app.js'], app, 20_000);
    if (ran.code !== 0) throw new Error(`the scratch app exited ${ran.code ?? ran.signal}:\n${ran.stdout}\n${ran.stderr}`);

    const report = JSON.parse(ran.stdout.trim().split('\n').at(-1)!) as {
      snapshot: { path: string; state: string; children?: { path: string; state: string }[] };
      injected: boolean;
      runs: number;
    };
    expect(report.snapshot.state).toBe('running');
    expect(report.snapshot.children?.map((c) => [c.path, c.state])).toEqual([['root/Pinger', 'running']]);
    expect(report.injected).toBe(true);
    expect(report.runs).toBe(1);
    process.stderr.write(
      `pack test: tsc + npm pack ${packMs} ms, npm install ${installed.ms} ms, tsc ${compiled.ms} ms, app ${ran.ms} ms\n`,
    );
  }, 110_000);
});
