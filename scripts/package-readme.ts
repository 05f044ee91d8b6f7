// The package's README (libs/supertrees/README.md, what the npm registry shows) is generated from
// the root README, so the two cannot drift: the root's opening paragraph, then every section but
// those about this repository, with links that only work inside the repository made absolute.
// `npm run readme:package` writes it; test/docs.e2e-spec.ts fails when it is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Sections of the root README about the repository, not the package. */
const REPOSITORY_ONLY = new Set(['Contents', 'The demo']);

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of every heading in a Markdown text (code blocks skipped). */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let inCode = false;
  for (const line of markdown.split('\n')) {
    if (line.trimStart().startsWith('```')) inCode = !inCode;
    else if (!inCode && /^#{1,6} /.test(line)) anchors.add(headingAnchor(line.replace(/^#+ /, '')));
  }
  return anchors;
}

/** The `## ` sections of a Markdown text, in order, each from its heading line up to the next. */
function sections(markdown: string): { title: string; text: string }[] {
  const out: { title: string; text: string }[] = [];
  let inCode = false;
  for (const line of markdown.split('\n')) {
    if (line.trimStart().startsWith('```')) inCode = !inCode;
    if (!inCode && line.startsWith('## ')) out.push({ title: line.slice(3).trim(), text: '' });
    if (out.length > 0) out[out.length - 1]!.text += `${line}\n`;
  }
  return out;
}

/**
 * The package README for the root README `root`. `repoUrl` is the repository's web address
 * (`https://github.com/owner/name`): relative links become links into it, and anchors of sections
 * left out become anchors of the root README there.
 */
export function renderPackageReadme(root: string, repoUrl: string): string {
  const [title = '# nestjs-supertrees', intro = ''] = root.split('\n\n');
  const kept = sections(root).filter((s) => !REPOSITORY_ONLY.has(s.title));
  const header = [
    title,
    '<!-- Generated from the repository\'s README.md by scripts/package-readme.ts (npm run readme:package): edit that file, not this one. -->',
    intro,
    `Source, issues, architecture, benchmarks and a demo app: [the repository](${repoUrl}#readme).`,
  ].join('\n\n');
  const body = `${header}\n\n${kept.map((s) => s.text).join('')}`.replace(/\n+$/, '\n');
  const anchors = anchorsOf(body);
  return body.replace(/\]\(([^)\s]+)\)/g, (link, target: string) => {
    if (/^[a-z]+:/i.test(target)) return link;
    if (target.startsWith('#')) return anchors.has(target.slice(1)) ? link : `](${repoUrl}${target})`;
    return `](${repoUrl}/blob/main/${target})`;
  });
}

/** The repository's web address, from the package's `homepage` (`…#readme`). */
export function repositoryUrl(packageJson: string): string {
  const { homepage } = JSON.parse(packageJson) as { homepage?: string };
  if (!homepage) throw new Error('libs/supertrees/package.json has no "homepage"');
  return homepage.replace(/#.*$/, '');
}

export function expectedPackageReadme(repoRoot: string): string {
  return renderPackageReadme(
    readFileSync(join(repoRoot, 'README.md'), 'utf8'),
    repositoryUrl(readFileSync(join(repoRoot, 'libs', 'supertrees', 'package.json'), 'utf8')),
  );
}

// Run as a script (from the repository's root): write the package README.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const target = join(process.cwd(), 'libs', 'supertrees', 'README.md');
  writeFileSync(target, expectedPackageReadme(process.cwd()));
  process.stdout.write(`wrote ${target}\n`);
}
