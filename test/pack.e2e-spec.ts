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
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { killAllRuns, libDir, npm, ok, packLibrary, repo, repoTsc as tsc, run } from './helpers/pack.js';

const PEERS = ['@nestjs/common', '@nestjs/core', 'reflect-metadata', 'rxjs'] as const;
/** Peers only the testing kit (`nestjs-supertrees/testing`) needs. */
// Each needed only by one subpath entry point: @nestjs/testing by the testing kit, the integrations'
// libraries by theirs, ioredis by the cluster layer. Declared optional, so an install never pulls them in.
const OPTIONAL_PEERS = ['@nestjs/testing', '@nestjs/terminus', 'prom-client', '@opentelemetry/api', 'ioredis'] as const;

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
import { SupervisionDashboardModule } from 'nestjs-supertrees/dashboard';

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
  imports: [
    SupervisionModule.forRoot({ defaultIsolation: 'none', logging: false }),
    // The subpath export resolves, type-checks and boots (no HTTP server here: it serves nothing).
    SupervisionDashboardModule.register({ guard: { canActivate: () => false } }),
  ],
  providers: [Greeting, Pinger],
})
class AppModule {}

const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
const service = app.get(SupervisionService);
const running = (s: NodeSnapshot) => s.children?.every((c) => c.state === 'running') ?? false;
const deadline = Date.now() + 30_000;
while (!running(service.snapshot()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
const pinger = app.get(Pinger);
process.stdout.write(
  JSON.stringify({ snapshot: service.snapshot(), injected: pinger.greeting instanceof Greeting, runs: pinger.runs }) + '\\n',
);
await app.close();
// No process.exit(): the process must end by itself once the application is closed.
`;

/** The testing kit from the package's subpath export, on the same tree. */
const KIT_TS = `
import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Worker, type SupervisedWorker, type WorkerContext } from 'nestjs-supertrees';
import { createSupervisionTestingModule } from 'nestjs-supertrees/testing';

@Injectable()
class Greeting {}

@Worker()
class Pinger implements SupervisedWorker {
  constructor(readonly greeting: Greeting) {}

  run(ctx: WorkerContext): Promise<void> {
    return new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
  }
}

const tree = await createSupervisionTestingModule({ providers: [Greeting, Pinger] });
const started = await tree.waitForEvent({ type: 'started', path: 'root/Pinger' });
const injected = tree.moduleRef.get(Pinger).greeting instanceof Greeting;
await tree.close();
process.stdout.write(JSON.stringify({ started: started.pid === process.pid, injected, state: tree.node('root/Pinger').state }) + '\\n');
`;

let temp = '';
let tarball = '';
let tarballIntegrity = '';
let packMs = 0;

beforeAll(async () => {
  temp = mkdtempSync(join(tmpdir(), 'supertrees-pack-'));
  ({ tarball, integrity: tarballIntegrity, ms: packMs } = await packLibrary(temp));
}, 180_000);

afterAll(() => {
  killAllRuns();
  if (temp) rmSync(temp, { recursive: true, force: true });
});

describe('the npm package nestjs-supertrees', () => {
  it('holds the built JavaScript and declarations, a README and a LICENSE, and nothing else', async () => {
    const listing = ok(await run('tar', ['-tzf', tarball], temp, 30_000), 'tar -tzf');
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
    const manifest = JSON.parse(readFileSync(join(libDir, 'package.json'), 'utf8')) as Record<string, unknown>;
    // The JavaScript is bundled (scripts/bundle-lib.mjs): one file per entry point of `exports`, plus
    // the chunks they share; every module of the source tree keeps its declarations.
    const entries = Object.values(manifest.exports as Record<string, string | Record<string, string>>)
      .filter((target): target is Record<string, string> => typeof target === 'object')
      .map((target) => posix.normalize(target.default ?? target.import!))
      .sort();
    expect(files.filter((f) => f.endsWith('.js') && !f.startsWith('dist/chunks/'))).toEqual(entries);
    expect(files.filter((f) => f.startsWith('dist/chunks/')).length).toBeGreaterThan(0);
    expect(files.filter((f) => f.endsWith('.d.ts')).length).toBeGreaterThan(entries.length);

    expect(manifest.dependencies).toBeUndefined();
    expect((manifest.scripts as Record<string, string>).prepack).toBeDefined();
    expect(Object.keys(manifest.peerDependencies as Record<string, string>).sort()).toEqual([...PEERS, ...OPTIONAL_PEERS].sort());
    expect(Object.keys(manifest.peerDependenciesMeta as Record<string, { optional: boolean }>)).toEqual([...OPTIONAL_PEERS]);
    expect(files).toEqual(expect.arrayContaining(['dist/cluster/index.js', 'dist/cluster/index.d.ts']));
  });

  it('installs offline into an ESM Nest 12 app, type-checks there, and runs an in-process worker', async () => {
    const app = join(temp, 'app');
    mkdirSync(app);
    // The scratch app uses the testing kit, so it installs that one optional peer, not the others.
    const wanted = [...PEERS, '@nestjs/testing'];
    const closure = lockedClosure(wanted);
    const pinned = Object.fromEntries(wanted.map((name) => [name, closure[`node_modules/${name}`]!.version!]));
    const pkg = JSON.parse(readFileSync(join(libDir, 'package.json'), 'utf8')) as {
      version: string;
      license: string;
      engines: Record<string, string>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional: boolean }>;
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
            peerDependenciesMeta: pkg.peerDependenciesMeta,
          },
        },
      }),
    );
    writeFileSync(join(app, 'app.ts'), APP_TS);
    writeFileSync(join(app, 'kit.ts'), KIT_TS);
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
        files: ['app.ts', 'kit.ts'],
      }),
    );

    const installed = ok(await npm(['install', '--offline', '--no-audit', '--no-fund'], app, 120_000), 'npm install --offline');
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules', 'nestjs-supertrees', 'package.json'), 'utf8')) as { version: string };
    expect(manifest.version).toBe(pkg.version);
    // Exit code 0 only if every dependency, peers of nestjs-supertrees included, is met.
    ok(await npm(['ls', '--all', '--offline'], app, 60_000), 'npm ls');

    const compiled = ok(await run(process.execPath, [tsc, '-p', 'tsconfig.json'], app, 90_000), 'tsc in the scratch app');
    const ran = await run(process.execPath, ['out/app.js'], app, 60_000);
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

    const kit = await run(process.execPath, ['out/kit.js'], app, 20_000);
    if (kit.code !== 0) throw new Error(`the kit script exited ${kit.code ?? kit.signal}:\n${kit.stdout}\n${kit.stderr}`);
    expect(JSON.parse(kit.stdout.trim().split('\n').at(-1)!)).toEqual({ started: true, injected: true, state: 'stopped' });
    process.stderr.write(
      `pack test: tsc + npm pack ${packMs} ms, npm install ${installed.ms} ms, tsc ${compiled.ms} ms, app ${ran.ms} ms\n`,
    );
  }, 360_000);
});
