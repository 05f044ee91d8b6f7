// Bundles the compiled library (tsc's output, decorator metadata included) in place: each entry
// point of the package becomes one file, and what several entries share goes into shared chunks
// (chunks/), so that every class exists once however many entries a process imports. Why: Node 20's
// ESM loader pays for every module file it resolves, reads, compiles and links; the library's 86
// files cost a supervisor process, which loads them at each cold start, more than all its own work
// (docs/BENCHMARKS.md, "Cold start of a supervisor process: the profile round").
//
//   node scripts/bundle-lib.mjs <dir> [--prune]
//
// <dir> is tsc's output for libs/supertrees/src. The .d.ts files are left as they are. --prune
// (the package build) deletes the per-module .js files the bundle replaced, so the package ships
// each module once; the monorepo keeps them for the tests and benchmarks that import one directly.
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { rolldown } from 'rolldown';

/**
 * The package's entry points, read from libs/supertrees/package.json `exports` (the file each one's
 * `default` or `import` condition names, relative to dist/ and without `.js`): an entry added there is
 * bundled without a second list to update.
 */
const MANIFEST = new URL('../libs/supertrees/package.json', import.meta.url);
const ENTRIES = Object.values(JSON.parse(readFileSync(MANIFEST, 'utf8')).exports)
  .filter((target) => typeof target === 'object')
  .map((target) => (target.default ?? target.import).replace(/^\.\/dist\//, '').replace(/\.js$/, ''));
const CHUNKS = 'chunks';

const [dirArg, ...flags] = process.argv.slice(2);
if (!dirArg) {
  console.error('usage: node scripts/bundle-lib.mjs <compiled library dir> [--prune]');
  process.exit(2);
}
const dir = resolve(dirArg);

const bundle = await rolldown({
  input: Object.fromEntries(ENTRIES.map((name) => [name, join(dir, `${name}.js`)])),
  // Only the library's own files: its peers and Node's modules stay imports, resolved by the app.
  external: (id, importer) => importer !== undefined && !id.startsWith('.') && !id.startsWith('/'),
  platform: 'node',
  // Every module keeps its side effects (decorators register metadata when a class is defined).
  treeshake: false,
  logLevel: 'warn',
});
const { output } = await bundle.write({
  dir,
  format: 'esm',
  entryFileNames: '[name].js',
  chunkFileNames: `${CHUNKS}/[name]-[hash].js`,
  // Error names, logger contexts and Nest's tokens come from class and function names.
  keepNames: true,
  sourcemap: false,
});
await bundle.close();

// Chunks of an earlier build that this one did not write. Removed only now, after the write: a process
// started from this checkout meanwhile (a test run, the demo) never finds the chunks missing.
const written = new Set(output.map((file) => resolve(dir, file.fileName)));
for (const entry of existsSync(join(dir, CHUNKS)) ? readdirSync(join(dir, CHUNKS)) : []) {
  const path = join(dir, CHUNKS, entry);
  if (!written.has(path)) rmSync(path, { force: true });
}

// An entry's own source map (tsc's) no longer matches it.
for (const name of ENTRIES) rmSync(join(dir, `${name}.js.map`), { force: true });

if (flags.includes('--prune')) {
  const prune = (at) => {
    for (const entry of readdirSync(at)) {
      const path = join(at, entry);
      if (statSync(path).isDirectory()) prune(path);
      else if (/\.js(\.map)?$/.test(entry) && !written.has(path)) rmSync(path);
    }
  };
  prune(dir);
}
const files = output.map((file) => relative(dir, resolve(dir, file.fileName)).split(sep).join('/'));
console.log(`bundle-lib: ${ENTRIES.length} entries, ${files.length - ENTRIES.length} shared chunks in ${relative(process.cwd(), dir) || '.'}`);
