// The documentation against the code: the package README is the generated one, the READMEs'
// links resolve, and every error field the README documents is there on the error.
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as api from '../libs/supertrees/src/index.js';
import { anchorsOf, expectedPackageReadme } from '../scripts/package-readme.js';
import { ERROR_SAMPLES as samples } from './helpers/error-samples.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const rootReadme = readFileSync(join(repo, 'README.md'), 'utf8');

/** Every Markdown link target outside code blocks and code spans. */
function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
}

describe('the READMEs', () => {
  it('the package README is the one generated from the root README (npm run readme:package)', () => {
    const committed = readFileSync(join(repo, 'libs', 'supertrees', 'README.md'), 'utf8');
    // Compared as text so that a failure shows the lines that differ.
    expect(committed).toBe(expectedPackageReadme(repo));
  });

  it.each([
    ['README.md', rootReadme],
    ['libs/supertrees/README.md', readFileSync(join(repo, 'libs', 'supertrees', 'README.md'), 'utf8')],
    ['docs/ARCHITECTURE.md', readFileSync(join(repo, 'docs', 'ARCHITECTURE.md'), 'utf8')],
  ])('%s links only to files that exist and headings that exist', (file, text) => {
    const anchors = anchorsOf(text);
    const broken = linkTargets(text).filter((target) => {
      if (/^[a-z]+:/i.test(target)) return false;
      if (target.startsWith('#')) return !anchors.has(target.slice(1));
      return !existsSync(join(repo, dirname(file), target.replace(/#.*$/, '')));
    });
    expect(broken).toEqual([]);
  });
});

describe("the README's Errors section", () => {
  const section = rootReadme.slice(rootReadme.indexOf('\n## Errors\n'), rootReadme.indexOf('\n## ', rootReadme.indexOf('\n## Errors\n') + 1));
  const rows = [...section.matchAll(/^\| `(\w+Error)` \| ([^|]*) \|/gm)].map((m) => ({
    name: m[1]!,
    // The field names: code spans outside parentheses (those hold explanations).
    fields: [...m[2]!.replace(/\([^)]*\)/g, '').matchAll(/`(\w+)`/g)].map((f) => f[1]!),
  }));

  it('documents every error class the package exports', () => {
    const exported = Object.entries(api)
      .filter(([, value]) => typeof value === 'function' && value.prototype instanceof Error)
      .map(([name]) => name)
      // SupervisionConfigError is the base class, described above the table; WorkerStopRequest is an abort reason.
      .filter((name) => name.endsWith('Error') && name !== 'SupervisionConfigError')
      .sort();
    expect(rows.map((r) => r.name).sort()).toEqual(exported);
    expect(Object.keys(samples).filter((name) => name !== 'SupervisionConfigError').sort()).toEqual(exported);
  });

  it('names only fields the errors have', () => {
    const missing = rows.flatMap(({ name, fields }) => {
      const error = samples[name] as unknown as Record<string, unknown>;
      return fields.filter((field) => error[field] === undefined).map((field) => `${name}.${field}`);
    });
    expect(rows.every((r) => r.fields.length > 0)).toBe(true);
    expect(missing).toEqual([]);
  });
});
