// The documentation against the code: the package README is the generated one, the READMEs'
// links resolve, and every error field the README documents is there on the error.
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as api from '../libs/supertrees/src/index.js';
import { anchorsOf, expectedPackageReadme } from '../scripts/package-readme.js';

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
  const samples: Record<string, Error> = {
    InvalidOptionError: new api.InvalidOptionError('Owner', 'option', 'is wrong'),
    UnregisteredChildError: new api.UnregisteredChildError('Parent', 'Child'),
    InvalidChildError: new api.InvalidChildError('message', 'Parent'),
    DuplicateChildError: new api.DuplicateChildError('Child', 'A', 'B'),
    DuplicatePathError: new api.DuplicatePathError('root/A', 'A', 'B'),
    SupervisorCycleError: new api.SupervisorCycleError(['A', 'B', 'A']),
    InvalidWorkerError: new api.InvalidWorkerError('message', 'W'),
    InvalidScopeError: new api.InvalidScopeError('W', 'request'),
    InvalidEventHandlerError: new api.InvalidEventHandlerError('message', 'Listener'),
    SupervisorGaveUpError: new api.SupervisorGaveUpError('root/S', 1, 1_000, 'root/S/W', { cause: new Error('cause') }),
    SupervisorProcessError: new api.SupervisorProcessError('message', 'root/S', { pid: 1, code: 72, signal: null }),
    SupervisorNotBootstrappedError: new api.SupervisorNotBootstrappedError('root/S', 'main.js', { pid: 1, code: 72, signal: null }),
    UnknownNodeError: new api.UnknownNodeError('X'),
    // CallError is abstract: any of its subclasses shows its fields.
    CallError: new api.WorkerStoppedError('root/W'),
    NotCallableError: new api.NotCallableError('root/W', 'no-handle'),
    MailboxFullError: new api.MailboxFullError('root/W', 10),
    CallTimeoutError: new api.CallTimeoutError('root/W', 100, 'queued', 'message'),
    WorkerRestartingError: new api.WorkerRestartingError('root/W', 100),
    WorkerCrashedError: new api.WorkerCrashedError('root/W', 'failed', { cause: new Error('cause') }),
    WorkerStoppedError: new api.WorkerStoppedError('root/W'),
    InvalidMessageError: new api.InvalidMessageError('root/W', 'message.at', 'is a function'),
    CallRejectedError: new api.CallRejectedError('root/W', new Error('cause')),
    NotDynamicError: new api.NotDynamicError('root/S'),
    NotASupervisorError: new api.NotASupervisorError('root/W'),
    NotAWorkerError: new api.NotAWorkerError('Thing'),
    InvalidChildSpecError: new api.InvalidChildSpecError('args.at', 'is a function'),
    ChildIdTakenError: new api.ChildIdTakenError('root/S', 'acme'),
    MaxChildrenError: new api.MaxChildrenError('root/S', 2),
    ChildStartError: new api.ChildStartError('root/S/W:acme', { cause: new Error('cause') }),
    ChildStateError: new api.ChildStateError('root/S/W', 'restartChild', 'running'),
    NotAPoolError: new api.NotAPoolError('root/W'),
    NodeUnavailableError: new api.NodeUnavailableError('startChild', 'root/S', 'stopped', 'the supervision tree is not running'),
    RequestTimeoutError: new api.RequestTimeoutError('startChild', 'root/S', 100),
    UnknownOperationError: new api.UnknownOperationError('frobnicate', 'root/S'),
    SupervisorMemoryLimitError: new api.SupervisorMemoryLimitError('root/S', 1, 300 * 1_048_576, 256),
    WorkerInitTimeoutError: new api.WorkerInitTimeoutError('root/W', 100),
    InvalidPlacementError: new api.InvalidPlacementError('Shard', 'message', 'Billing'),
    ClusterConfigError: new api.ClusterConfigError('message', 'leaseTtlMs'),
    ClusterRedisError: new api.ClusterRedisError('message', { cause: new Error('ECONNREFUSED') }),
    ClusterDataError: new api.ClusterDataError('tick', 'expected an array'),
    ClusterNoOwnerError: new api.ClusterNoOwnerError('root/Shard#3', 3, 'no-holder'),
    ClusterRoutingError: new api.ClusterRoutingError('root/Reconciler', 'key-unpartitioned'),
  };
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
    expect(Object.keys(samples).sort()).toEqual(exported);
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
