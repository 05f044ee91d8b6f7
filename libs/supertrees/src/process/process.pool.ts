import { fork, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { LoggerService } from '@nestjs/common';
import { FORKED_FOR_ENV, SUPERVISOR_PROCESS_ENV, type ForkedFor } from '../shared/supervision.constants.js';
import type { ResolvedProcessOptions } from '../shared/supervision.defaults.js';
import { MESSAGES } from '../shared/supervision.messages.js';
import { parseUpMessage } from './ipc.protocol.js';
import type { ProcessRegistry } from './process.registry.js';

/** A forked process that has not yet been told which supervisor to become. */
export interface SpareProcess {
  readonly proc: ChildProcess;
  /** True once it said hello: its code is loaded and it waits for `start`. */
  ready: boolean;
  /** How its output lines are marked: `standby` until it is assigned a path. */
  label: string;
  /** Settles when the process is gone and its last message and output line were delivered. */
  readonly closed: Promise<void>;
}

/**
 * Forks supervisor processes ahead of need. Loading a Nest app's code is most of what a new
 * process costs (about 300 ms), and a process can load it before it knows which supervisor it
 * will run: so the pool forks the processes a tree will need at boot all at once, in parallel,
 * and keeps `standby` loaded spares afterwards, so that a restart only creates the Nest context.
 */
export class ProcessPool {
  private readonly spares: SpareProcess[] = [];
  private closed = false;

  constructor(
    private readonly options: ResolvedProcessOptions,
    private readonly registry: ProcessRegistry,
    private readonly logger: LoggerService | undefined,
  ) {}

  /**
   * Forks `count` processes for what is about to start (`0`: tops the spares up to `standby`).
   * The standing spares come after the boot, by `refill()`, so they do not slow it down.
   */
  prewarm(count: number): void {
    const want = Math.max(count, this.options.standby);
    try {
      // Those beyond what is about to start are standing spares, which warm Nest up while they
      // wait; those the boot takes at once do not, so they do not compete with it for the CPU.
      while (!this.closed && this.spares.length < want) this.spares.push(this.fork(this.spares.length >= count ? 'spare' : 'boot'));
    } catch (error) {
      // No entry script: each start will fail with this reason, as a failed child.
      this.logger?.error((error as Error).message);
    }
  }

  /**
   * A process to become a supervisor: a loaded spare if there is one, a loading one, or a new fork,
   * which boots the app's module as soon as its code is loaded, without waiting for `start`.
   */
  acquire(): SpareProcess {
    const alive = (s: SpareProcess) => s.proc.exitCode === null && s.proc.signalCode === null && s.proc.connected;
    for (const s of this.spares.filter((x) => !alive(x))) this.drop(s);
    const spare = this.spares.find((s) => s.ready) ?? this.spares[0] ?? this.fork('start');
    this.drop(spare);
    return spare;
  }

  /**
   * Tops the spares up to `standby`, a turn after a start settled: the fork must not delay the
   * `started` report of the start that used the last spare.
   */
  refill(): void {
    setImmediate(() => this.prewarm(0));
  }

  /** Ends every spare; no more are forked. */
  async close(): Promise<void> {
    this.closed = true;
    const spares = this.spares.splice(0);
    for (const spare of spares) spare.proc.kill('SIGKILL');
    await Promise.all(spares.map((s) => s.closed));
  }

  private drop(spare: SpareProcess): void {
    const at = this.spares.indexOf(spare);
    if (at >= 0) this.spares.splice(at, 1);
  }

  private fork(forkedFor: ForkedFor): SpareProcess {
    const entry = this.options.entry ?? process.argv[1];
    if (!entry) throw new Error(MESSAGES.noEntry());
    const env: NodeJS.ProcessEnv = { ...compileCacheEnv(), ...process.env, ...this.options.env, [SUPERVISOR_PROCESS_ENV]: '1', [FORKED_FOR_ENV]: forkedFor };
    const proc = fork(entry, [], {
      env,
      execArgv: childExecArgv(this.options.execArgv ?? process.execArgv, this.options.maxSemiSpaceMiB, env.NODE_OPTIONS),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.registry.add(proc);
    const spare: SpareProcess = {
      proc,
      ready: false,
      label: 'standby',
      // 'close', not 'exit': it comes after the last IPC message and output line were delivered.
      closed: new Promise((resolve) => proc.once('close', () => resolve())),
    };
    const onHello = (raw: unknown) => {
      const parsed = parseUpMessage(raw);
      if (parsed.ok && parsed.message.t === 'hello') {
        spare.ready = true;
        proc.off('message', onHello);
      }
    };
    proc.on('message', onHello);
    proc.once('exit', (code, signal) => {
      proc.off('message', onHello);
      if (this.spares.includes(spare)) {
        this.drop(spare);
        if (!this.closed) this.logger?.warn(`a standby supervisor process (pid ${proc.pid}) exited (${signal ?? `code ${code}`}) before it was used`);
      }
    });
    proc.once('error', (error) => this.logger?.error(`could not fork ${entry}: ${error.message}`, error.stack));
    pipeOutput(proc, spare);
    return spare;
  }
}

/** Each line a child prints reaches this process's stdout/stderr, prefixed with its label and pid. */
function pipeOutput(proc: ChildProcess, spare: SpareProcess): void {
  for (const [stream, target] of [
    [proc.stdout, process.stdout],
    [proc.stderr, process.stderr],
  ] as const) {
    if (!stream) continue;
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => target.write(`[${spare.label} ${proc.pid}] ${line}\n`));
  }
}

/** Node 22.1+ can cache compiled modules on disk: later forks of the same code load faster. */
function compileCacheEnv(): Record<string, string> {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 1) ? { NODE_COMPILE_CACHE: join(tmpdir(), 'nestjs-supertrees-compile-cache') } : {};
}

const SEMI_SPACE_FLAG = /^--max[-_]semi[-_]space[-_]size(=|$)/;

/**
 * Run first in a process given the semi-space cap: sets V8's flag back to its default once the heap
 * is sized (V8 reads it only then, so the cap stays). V8 accepts a code cache only if the flags that
 * differ from their defaults are the same as when it was made; while this one differs, each of
 * Node's own modules loaded after start-up (the ESM loader, child_process, net, crypto...) is
 * compiled from source instead of from the cache built into node (measured in docs/BENCHMARKS.md,
 * "Cold start of a supervisor process: the profile round").
 */
export const SEMI_SPACE_FLAG_RESET = "--import=data:text/javascript,import{setFlagsFromString}from'node:v8';setFlagsFromString('--max-semi-space-size=0')";

/**
 * The flags of a supervisor process: `execArgv`, plus the semi-space cap (and its
 * {@link SEMI_SPACE_FLAG_RESET}) unless `execArgv` or the process's `NODE_OPTIONS` set their own.
 */
export function childExecArgv(execArgv: readonly string[], maxSemiSpaceMiB: number, nodeOptions = ''): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  if (maxSemiSpaceMiB === 0 || given.some((flag) => SEMI_SPACE_FLAG.test(flag))) return [...execArgv];
  return [...execArgv, `--max-semi-space-size=${maxSemiSpaceMiB}`, SEMI_SPACE_FLAG_RESET];
}
