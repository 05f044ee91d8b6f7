// The integrations' libraries are optional peers: an app without them must be able to load and
// run the library's main entry, which must import none of them; each integration loads its own.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runNode } from './helpers/node-run.js';

const dist = (path: string) => join(process.cwd(), 'dist/libs/supertrees/src', path);

describe('optional peer dependencies', () => {
  it('the main entry runs a tree without @nestjs/terminus, prom-client or @opentelemetry/api; each integration entry needs its own', async () => {
    const run = await runNode<{ main: string; subpaths: Record<string, string> }>(join(process.cwd(), 'dist/test/fixtures/optional-peers-run.js'), {
      tag: 'RESULT',
      timeoutMs: 30_000,
      env: {
        MAIN_ENTRY: dist('index.js'),
        SUBPATHS: JSON.stringify({
          terminus: dist('integrations/terminus/index.js'),
          prometheus: dist('integrations/prometheus/index.js'),
          opentelemetry: dist('integrations/opentelemetry/index.js'),
        }),
      },
    });
    expect(run.result.main).toBe('ran: running');
    // The same hook that let the main entry through stops each integration at its own library.
    expect(run.result.subpaths).toEqual({
      terminus: 'failed: optional peer not installed: @nestjs/terminus',
      prometheus: 'failed: optional peer not installed: prom-client',
      opentelemetry: 'failed: optional peer not installed: @opentelemetry/api',
    });
  });

  it("the built main entry loads the cluster node and router only by an import(): a supervisor process never compiles them", () => {
    // The files the main entry's bundle loads through static imports, transitively (rolldown's output: `from "./x.js"`, `import "./x.js"`).
    const loaded = new Set<string>();
    const visit = (file: string) => {
      if (loaded.has(file)) return;
      loaded.add(file);
      const text = readFileSync(file, 'utf8');
      for (const [, spec] of text.matchAll(/(?:^|[;\n])\s*(?:import|export)\b[^;'"]*?(?:from\s*)?["'](\.[^"']+)["']/g)) visit(join(dirname(file), spec!));
    };
    visit(dist('index.js'));
    const texts = [...loaded].map((file) => readFileSync(file, 'utf8'));
    expect(loaded.size).toBeGreaterThan(2);
    expect(texts.some((text) => text.includes('class SupervisionModule extends'))).toBe(true);
    for (const name of ['ClusterNode', 'ClusterRouter', 'RedisLink']) expect(texts.filter((text) => text.includes(`class ${name} {`))).toEqual([]);
    expect(texts.some((text) => /import\("\.\/cluster\.node-[^"]+\.js"\)/.test(text))).toBe(true);
  });
});
