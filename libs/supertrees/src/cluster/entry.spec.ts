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
  it('is not loaded by the main entry: nothing it imports reaches ioredis or the cluster layer', () => {
    const graph = staticGraph(join(SRC, 'index.ts'));
    expect(graph.size).toBeGreaterThan(10);
    for (const [file, specifiers] of graph) {
      expect({ file, cluster: file.slice(SRC.length).startsWith('/cluster/'), ioredis: specifiers.includes('ioredis') }).toEqual({ file, cluster: false, ioredis: false });
    }
  });

  it('is loaded by the cluster entry only lazily, when a node is given a URL', () => {
    const graph = staticGraph(join(SRC, 'cluster', 'index.ts'));
    for (const specifiers of graph.values()) expect(specifiers).not.toContain('ioredis');
    expect(readFileSync(join(SRC, 'cluster', 'redis.link.ts'), 'utf8')).toContain("await import('ioredis')");
  });
});
