import type { Type } from '@nestjs/common';
import { InvalidChildSpecError } from '../errors/child-control.error.js';
import type { BackoffOptions, RestartPolicy, WorkerOptions } from '../interfaces/options.interface.js';
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
 * and args that JSON can carry unchanged (no functions, class instances, `undefined` in arrays,
 * BigInt, non-finite numbers, cycles). Pure.
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
    checkData(s.args, 'args', new Set());
    const size = Buffer.byteLength(JSON.stringify(s.args));
    if (size > MAX_ARGS_BYTES) throw new InvalidChildSpecError('args', `must serialize to at most ${MAX_ARGS_BYTES} bytes of JSON (got ${size})`);
  }
}

function checkData(value: unknown, field: string, seen: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidChildSpecError(field, `is ${value}, which JSON turns into null`);
      return;
    case 'object': {
      if (value === null) return;
      if (seen.has(value)) throw new InvalidChildSpecError(field, 'is a cycle; JSON cannot carry it');
      const proto = Object.getPrototypeOf(value) as unknown;
      if (Array.isArray(value)) {
        seen.add(value);
        value.forEach((item, i) => checkData(item, `${field}[${i}]`, seen));
        seen.delete(value);
        return;
      }
      if (proto !== Object.prototype && proto !== null) {
        const name = (value as object).constructor?.name ?? 'an object with a prototype';
        throw new InvalidChildSpecError(field, `is a ${name}, which cannot cross a process boundary; use plain objects, arrays, strings, numbers, booleans or null`);
      }
      seen.add(value);
      for (const [key, item] of Object.entries(value)) checkData(item, `${field}.${key}`, seen);
      seen.delete(value);
      return;
    }
    default:
      throw new InvalidChildSpecError(field, `is a ${typeof value}, which cannot cross a process boundary`);
  }
}

/** The node of a dynamic child of `supervisor`: the spec's options over the class's `@Worker()` options. */
export function dynamicChildNode(supervisor: SupervisorNode, type: Type<unknown>, options: WorkerOptions, data: DynamicChildData): WorkerNode {
  const name = `${options.name ?? type.name}:${data.id}`;
  return {
    kind: 'worker',
    type,
    name,
    path: `${supervisor.path}/${name}`,
    restart: data.restart ?? options.restart ?? DEFAULTS.restart,
    backoff: resolveBackoff({ ...options.backoff, ...data.backoff }),
    shutdownTimeoutMs: data.shutdownTimeoutMs ?? options.shutdownTimeoutMs ?? DEFAULTS.workerShutdownTimeoutMs,
    initTimeoutMs: options.initTimeoutMs ?? DEFAULTS.workerInitTimeoutMs,
    id: data.id,
    ...(data.args !== undefined ? { args: data.args } : {}),
    ownInstance: true,
    callable: typeof (type.prototype as { handle?: unknown }).handle === 'function',
    mailbox: resolveMailbox(options.mailbox),
  };
}
