// The README's Vitest setup, as shown: a project laid out as `nest new` makes it
// (test/fixtures/vitest-app: its vitest.config.ts and tsconfig.json) runs `vitest run` on a spec
// that uses nestjs-supertrees/testing, with constructor injection (decorator metadata from
// Vitest's own transform) and Vitest's fake timers over a backoff. The package is the compiled
// library of this run (dist/, built by the global setup) behind the package's own package.json,
// so `nestjs-supertrees` and `nestjs-supertrees/testing` resolve through its `exports`.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
let project: string | undefined;

beforeAll(() => {
  // Inside the repository, so that the project finds vitest and Nest in the repository's node_modules.
  mkdirSync(join(repo, '.tmp'), { recursive: true });
  project = mkdtempSync(join(repo, '.tmp', 'vitest-app-'));
  cpSync(join(repo, 'test/fixtures/vitest-app'), project, { recursive: true });
  const pkg = join(project, 'node_modules', 'nestjs-supertrees');
  mkdirSync(pkg, { recursive: true });
  cpSync(join(repo, 'libs/supertrees/package.json'), join(pkg, 'package.json'));
  symlinkSync(join(repo, 'dist/libs/supertrees/src'), join(pkg, 'dist'), 'dir');
});

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

it('runs a Vitest suite that boots a tree with the testing kit, injects, and fakes the backoff clock', async () => {
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const proc = spawn(process.execPath, [join(repo, 'node_modules/vitest/vitest.mjs'), 'run'], {
      cwd: project,
      env: { ...process.env, NESTJS_SUPERTREES_CHILD: '', CI: '1', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`vitest run did not finish within 120 s:\n${output}`));
    }, 120_000);
    proc.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
  expect({ code, output }).toMatchObject({ code: 0 });
  expect(output).toMatch(/Tests\s+2 passed \(2\)/);
}, 150_000);
