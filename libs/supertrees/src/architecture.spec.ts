// The folder import rules of docs/ARCHITECTURE.md, read from the sources, so they stay true.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = dirname(fileURLToPath(import.meta.url));
/** `.` is the root folder: the Nest module, its lifecycle, the public service and entry points. */
type Folder =
  | '.'
  | 'shared'
  | 'interfaces'
  | 'decorators'
  | 'errors'
  | 'tree'
  | 'events'
  | 'runtime'
  | 'discovery'
  | 'process'
  | 'forked'
  | 'testing'
  | 'integrations'
  | 'dashboard'
  | 'cluster';

/** Which folders each folder may import (besides itself). Anything not listed is forbidden. */
const MAY_IMPORT: Record<Folder, readonly Folder[]> = {
  shared: ['interfaces'],
  // The cluster option and the lease handle in ctx are cluster types; cluster/ imports nothing back.
  interfaces: [],
  decorators: ['shared', 'interfaces'],
  errors: ['shared'],
  tree: ['shared', 'interfaces', 'decorators', 'errors', 'cluster'],
  events: ['shared', 'interfaces', 'tree'],
  runtime: ['shared', 'interfaces', 'errors', 'tree', 'events', 'cluster'],
  discovery: ['shared', 'interfaces', 'decorators', 'tree'],
  process: ['shared', 'interfaces', 'errors', 'tree', 'events', 'runtime', 'discovery', 'cluster'],
  forked: ['shared', 'errors', 'tree', 'events', 'runtime', 'discovery', 'process', 'cluster'],
  '.': ['shared', 'interfaces', 'decorators', 'errors', 'tree', 'events', 'runtime', 'discovery', 'process', 'forked', 'cluster'],
  // The testing kit (nestjs-supertrees/testing): the public API, and the environment name that marks a supervisor process.
  testing: ['.', 'shared'],
  // The optional integrations sit above the library and read it through its public service.
  integrations: ['.', 'errors', 'events', 'process'],
  // An optional entry point (nestjs-supertrees/dashboard) built on the public surface only, and
  // imported by nothing in the library, so an app that does not use it loads none of it.
  dashboard: ['.'],
  // The cluster layer (nestjs-supertrees/cluster): routed calls reuse the call errors, the wire
  // encoding of errors, the message-data check and the pools' key rule (shared/partition.key.ts).
  cluster: ['shared', 'interfaces', 'errors'],
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

const folderOf = (file: string): string => {
  const parts = relative(SRC, file).split(/[\\/]/);
  return parts.length === 1 ? '.' : parts[0]!;
};

/** Every relative import of the library's sources, as [from folder, to folder, file, specifier]. */
function imports(): { from: string; to: string; file: string; specifier: string }[] {
  return sources(SRC).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map(([, specifier]) => ({
      from: folderOf(file),
      to: folderOf(normalize(join(dirname(file), specifier!))),
      file: relative(SRC, file),
      specifier: specifier!,
    }));
  });
}

describe('folder import rules', () => {
  const all = imports();

  it('finds the sources and their imports', () => {
    expect(all.length).toBeGreaterThan(50);
    expect(Object.keys(MAY_IMPORT).sort()).toEqual([...new Set(sources(SRC).map(folderOf))].sort());
  });

  it('has each folder import only the folders it may', () => {
    const forbidden = all
      .filter(({ from, to }) => from !== to && !(MAY_IMPORT[from as Folder] ?? []).includes(to as Folder))
      .map(({ file, specifier }) => `${file} imports ${specifier}`);
    expect(forbidden).toEqual([]);
  });

  it('has no cycle between folders', () => {
    const edges = new Map<string, Set<string>>();
    for (const { from, to } of all) if (from !== to) (edges.get(from) ?? edges.set(from, new Set()).get(from)!).add(to);
    const cycles: string[] = [];
    const visit = (folder: string, trail: string[]): void => {
      if (trail.includes(folder)) {
        cycles.push([...trail.slice(trail.indexOf(folder)), folder].join(' -> '));
        return;
      }
      for (const next of edges.get(folder) ?? []) visit(next, [...trail, folder]);
    };
    for (const folder of edges.keys()) visit(folder, []);
    expect(cycles).toEqual([]);
  });

  it('lets integrations/ reach the root only through SupervisionService, and nothing reach integrations/', () => {
    const offending = all.filter(
      ({ from, to, specifier }) => (from === 'integrations' && to === '.' && !specifier.endsWith('/supervision.service.js')) || (from !== 'integrations' && to === 'integrations'),
    );
    expect(offending).toEqual([]);
  });

  it('builds the dashboard on the public surface (index.ts) only, and nothing imports it', () => {
    const offending = all.filter(
      ({ from, to, specifier }) => (from === 'dashboard' && to !== 'dashboard' && specifier !== '../index.js') || (from !== 'dashboard' && to === 'dashboard'),
    );
    expect(offending).toEqual([]);
  });

  it('keeps runtime/ free of process code and the forked side free of the lifecycle', () => {
    const offending = all.filter(
      ({ from, to, specifier }) =>
        (from === 'runtime' && (to === 'process' || to === 'forked')) ||
        ((from === 'forked' || from === 'process') && (to === '.' || specifier.includes('orchestrator'))),
    );
    expect(offending).toEqual([]);
  });
});
