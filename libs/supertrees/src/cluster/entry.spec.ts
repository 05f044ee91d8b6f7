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
  it('is not loaded by the main entry: the tree reaches the cluster layer (forRoot({ cluster })), but nothing it imports loads ioredis', () => {
    const graph = staticGraph(join(SRC, 'index.ts'));
    expect(graph.size).toBeGreaterThan(10);
    // Cluster mode is wired into the tree: the node, its options and errors are part of the main entry's graph...
    expect([...graph.keys()].some((file) => file.endsWith('/cluster/cluster.node.ts'))).toBe(true);
    // ...and ioredis is still only loaded by RedisLink.open(), when a node is started with a URL.
    for (const [file, specifiers] of graph) expect({ file, ioredis: specifiers.includes('ioredis') }).toEqual({ file, ioredis: false });
  });

  it('is loaded by the cluster entry only lazily, when a node is given a URL', () => {
    const graph = staticGraph(join(SRC, 'cluster', 'index.ts'));
    for (const specifiers of graph.values()) expect(specifiers).not.toContain('ioredis');
    expect(readFileSync(join(SRC, 'cluster', 'redis.link.ts'), 'utf8')).toContain("await import('ioredis')");
  });
});
