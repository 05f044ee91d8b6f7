import type { Type } from '@nestjs/common';
import { InvalidChildSpecError } from '../errors/child-control.error.js';
import type { BackoffOptions, RestartPolicy, WorkerOptions } from '../interfaces/options.interface.js';
import { checkData } from '../shared/message.data.js';
import { DEFAULTS, resolveBackoff, resolveMailbox } from '../shared/supervision.defaults.js';
import { validateBackoff, validateChildOptions } from './options.validator.js';
import type { SupervisorNode, WorkerNode } from './tree.types.js';

/**
 * A dynamic child's spec as data: what its supervisor's parent keeps to start it again, and what
 * crosses a process boundary (the worker class goes by name; each process finds its own class).
 */
export interface DynamicChildData {
  readonly worker: string;
  readonly id: string;
  readonly args?: unknown;
  readonly restart?: RestartPolicy;
  readonly backoff?: BackoffOptions;
  readonly shutdownTimeoutMs?: number;
}

const SPEC_KEYS = ['id', 'args', 'restart', 'backoff', 'shutdownTimeoutMs'];
/** Beyond this, args are a payload to send with a call, not a child's configuration. */
export const MAX_ARGS_BYTES = 64 * 1024;

/**
 * Checks a `startChild()` spec, naming the field at fault: the id, the options (as a `@Worker`'s),
 * and args that JSON can carry unchanged, by the same check as a call's message (no functions,
 * class instances, `undefined` in arrays, BigInt, non-finite numbers, cycles). Pure.
 */
export function validateDynamicSpec(spec: unknown): asserts spec is Omit<DynamicChildData, 'worker'> {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new InvalidChildSpecError('spec', 'must be an object');
  const s = spec as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    if (!SPEC_KEYS.includes(key)) throw new InvalidChildSpecError(key, `is not a spec field (known: ${SPEC_KEYS.join(', ')})`);
  }
  if (typeof s.id !== 'string' || s.id === '' || /[/:#]/.test(s.id) || s.id.length > 200) {
    throw new InvalidChildSpecError('id', "must be a non-empty string of at most 200 characters without '/', ':' or '#'");
  }
  try {
    validateChildOptions('startChild', { restart: s.restart as RestartPolicy, shutdownTimeoutMs: s.shutdownTimeoutMs as number });
    validateBackoff('startChild', s.backoff as BackoffOptions);
  } catch (error) {
    const option = (error as { message: string }).message.match(/option "([^"]+)"/)?.[1] ?? 'options';
    throw new InvalidChildSpecError(option, (error as Error).message.replace(/^[^"]*option "[^"]+" /, ''));
  }
  if (s.args !== undefined) {
    const problem = checkData(s.args, MAX_ARGS_BYTES, 'args');
    if (problem) throw new InvalidChildSpecError(problem.field, problem.problem);
  }
}

/** What the children of one `@Worker()` class share when their spec does not override it, resolved once per class. */
interface ClassDefaults {
  readonly backoff: WorkerNode['backoff'];
  readonly mailbox: WorkerNode['mailbox'];
  readonly callable: boolean;
}
const classDefaults = new WeakMap<WorkerOptions, ClassDefaults>();

function defaultsOf(type: Type<unknown>, options: WorkerOptions): ClassDefaults {
  let defaults = classDefaults.get(options);
  if (!defaults) {
    defaults = {
      backoff: resolveBackoff({ ...options.backoff }),
      mailbox: resolveMailbox(options.mailbox),
      callable: typeof (type.prototype as { handle?: unknown }).handle === 'function',
    };
    classDefaults.set(options, defaults);
  }
  return defaults;
}

/** The node of a dynamic child of `supervisor`: the spec's options over the class's `@Worker()` options. */
export function dynamicChildNode(supervisor: SupervisorNode, type: Type<unknown>, options: WorkerOptions, data: DynamicChildData): WorkerNode {
  const name = `${options.name ?? type.name}:${data.id}`;
  const defaults = defaultsOf(type, options);
  return {
    kind: 'worker',
    type,
    name,
    path: `${supervisor.path}/${name}`,
    restart: data.restart ?? options.restart ?? DEFAULTS.restart,
    backoff: data.backoff === undefined ? defaults.backoff : resolveBackoff({ ...options.backoff, ...data.backoff }),
    shutdownTimeoutMs: data.shutdownTimeoutMs ?? options.shutdownTimeoutMs ?? DEFAULTS.workerShutdownTimeoutMs,
    initTimeoutMs: options.initTimeoutMs ?? DEFAULTS.workerInitTimeoutMs,
    id: data.id,
    ...(data.args !== undefined ? { args: data.args } : {}),
    ownInstance: true,
    callable: defaults.callable,
    mailbox: defaults.mailbox,
  };
}
