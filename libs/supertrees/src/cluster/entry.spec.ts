import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Every module the given one loads through static imports and re-exports, transitively. */
function staticGraph(entry: string, seen = new Map<string, string[]>()): Map<string, string[]> {
  if (seen.has(entry)) return seen;
  const text = readFileSync(entry, 'utf8');
  // `import type` / `export type` are erased by the compiler and load nothing.
  const specifiers = [...text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]!);
  seen.set(entry, specifiers);
  for (const s of specifiers) if (s.startsWith('.')) staticGraph(join(dirname(entry), s.replace(/\.js$/, '.ts')), seen);
  return seen;
}

describe('the optional peer dependency ioredis', () => {
  it('is not loaded by the main entry, nor is the cluster node: the tree reaches those only by an import() when it opens a node (forRoot({ cluster }))', () => {
    const graph = staticGraph(join(SRC, 'index.ts'));
    const files = [...graph.keys()];
    expect(graph.size).toBeGreaterThan(10);
    // Cluster mode is wired into the tree: its options and errors are part of the main entry's graph...
    expect(files.some((file) => file.endsWith('/cluster/cluster.options.ts'))).toBe(true);
    // ...but the node, the router, the Redis link and the direct channel are not: SupervisionCluster.open() imports them.
    const lazy = ['cluster.node.ts', 'cluster.router.ts', 'redis.link.ts', 'direct.channel.ts'];
    expect(files.filter((file) => lazy.some((name) => file.endsWith(`/cluster/${name}`)))).toEqual([]);
    const opener = readFileSync(join(SRC, 'supervision.cluster.ts'), 'utf8');
    expect(opener).toContain("import('./cluster/cluster.node.js')");
    expect(opener).toContain("import('./cluster/cluster.router.js')");
    // ioredis is only loaded by RedisLink.open(), when a node is started with a URL.
    for (const [file, specifiers] of graph) expect({ file, ioredis: specifiers.includes('ioredis') }).toEqual({ file, ioredis: false });
  });

  it('is loaded by the cluster entry only lazily, when a node is given a URL', () => {
    const graph = staticGraph(join(SRC, 'cluster', 'index.ts'));
    for (const specifiers of graph.values()) expect(specifiers).not.toContain('ioredis');
    expect(readFileSync(join(SRC, 'cluster', 'redis.link.ts'), 'utf8')).toContain("await import('ioredis')");
  });
});
