import type { ChildProcess } from 'node:child_process';
import { SupervisorProcessError } from '../errors/supervision-runtime.error.js';
import type { ErrorInfo, StopReason } from '../events/supervision.events.js';
import { schedule, settlesWithin, type ChildExit, type StartInfo, type SupervisedChild } from '../runtime/child.js';
import type { RuntimeHost } from '../runtime/supervisor.runtime.js';
import type { ProcessChildFactory } from '../runtime/tree.host.js';
import type { ResolvedProcessOptions } from '../supervision.defaults.js';
import { MESSAGES } from '../supervision.messages.js';
import type { SupervisorNode } from '../tree/tree.types.js';
import { checkEvent, parseChildMessage, PROTOCOL_VERSION, type ChildMessage, type ParentMessage } from './ipc.protocol.js';
import type { ProcessPool, SpareProcess } from './process.pool.js';

/** The factory a {@link TreeHost} uses for supervisors with process isolation. */
export function forkSupervisorFactory(options: ResolvedProcessOptions, pool: ProcessPool): ProcessChildFactory {
  return (node, host) => new ProcessSupervisorChild(node, host, options, pool);
}

/**
 * A supervisor running in a forked child process, seen from its parent: forks it, hands it its
 * subtree, relays its events, watches its heartbeat, and stops it (stop message, then SIGTERM,
 * then SIGKILL). Its death, whatever the cause, is this child's failure.
 */
export class ProcessSupervisorChild implements SupervisedChild {
  private proc?: ChildProcess;
  private exited?: Promise<void>;
  private stopRequested = false;
  private rejected = 0;

  constructor(
    private readonly node: SupervisorNode,
    private readonly host: RuntimeHost,
    private readonly options: ResolvedProcessOptions,
    private readonly pool: ProcessPool,
  ) {}

  start(attempt: number, onExit: (exit: ChildExit) => void): Promise<StartInfo> {
    this.stopRequested = false;
    let spare: SpareProcess;
    try {
      spare = this.pool.acquire();
    } catch (error) {
      return Promise.reject(new SupervisorProcessError((error as Error).message, this.node.path));
    }
    spare.label = this.node.path;
    const proc = spare.proc;
    this.proc = proc;
    this.exited = spare.closed;
    let startSent = false;
    const sendStart = () => {
      if (startSent) return;
      startSent = true;
      this.send(proc, {
        t: 'start',
        v: PROTOCOL_VERSION,
        path: this.node.path,
        attempt,
        heartbeatIntervalMs: this.options.heartbeatIntervalMs,
        maxBufferedEvents: this.options.maxBufferedEvents,
      });
    };
    if (spare.ready) sendStart();

    const starting = new Promise<StartInfo>((resolve, reject) => {
      let started = false;
      /** Why the process is about to end, when it said so (escalation) or we decided (hung). */
      let cause: Error | undefined;
      let lastHeard = performance.now();
      let stopWatchdog: () => void = () => undefined;
      const cancelStartTimer = schedule(this.options.startTimeoutMs, () => {
        proc.kill('SIGKILL');
        reject(new SupervisorProcessError(MESSAGES.startTimeout(this.node.path, this.options.startTimeoutMs), this.node.path, { pid: proc.pid }));
      });

      proc.on('message', (raw: unknown) => {
        lastHeard = performance.now();
        const parsed = parseChildMessage(raw);
        if (!parsed.ok) return this.reject(proc, parsed.problem);
        const message: ChildMessage = parsed.message;
        switch (message.t) {
          case 'hello':
            sendStart();
            break;
          case 'started':
            started = true;
            cancelStartTimer();
            stopWatchdog = this.watchHeartbeat(proc, () => lastHeard, (error) => (cause = error));
            resolve({ processPid: proc.pid });
            break;
          case 'events':
            for (const event of message.events) {
              const problem = checkEvent(event, this.node.path);
              if (problem) this.reject(proc, problem);
              else this.host.relay.event(event);
            }
            break;
          case 'snapshot':
            this.host.relay.snapshot(message.root);
            break;
          case 'escalate':
          case 'fatal':
            cause = errorFromInfo(message.error);
            break;
          case 'heartbeat':
            break;
        }
      });

      proc.once('close', (code, signal) => {
        cancelStartTimer();
        stopWatchdog();
        const error =
          cause ?? new SupervisorProcessError(MESSAGES.processExited(this.node.path, code, signal), this.node.path, { pid: proc.pid, code, signal });
        if (!started) reject(error);
        else if (!this.stopRequested) onExit({ kind: 'failed', error, phase: 'process' });
      });
      proc.once('error', (error) => {
        // fork failed (for example EAGAIN); 'exit' may not follow
        if (!started) reject(error);
      });
    });
    // A new spare is forked once this start settled, so that it does not compete with it for CPU.
    starting.then(
      () => this.pool.refill(),
      () => this.pool.refill(),
    );
    return starting;
  }

  async stop(reason: StopReason): Promise<boolean> {
    const proc = this.proc;
    const exited = this.exited;
    if (!proc || !exited || proc.exitCode !== null || proc.signalCode !== null) return false;
    this.stopRequested = true;
    this.send(proc, { t: 'stop', reason });
    if (!(await settlesWithin(exited, this.node.shutdownTimeoutMs))) return false;
    this.host.logger?.warn(`${this.node.path} (pid ${proc.pid}) did not stop within ${this.node.shutdownTimeoutMs} ms; SIGTERM`);
    proc.kill('SIGTERM');
    if (await settlesWithin(exited, this.options.killTimeoutMs)) {
      this.host.logger?.warn(`${this.node.path} (pid ${proc.pid}) ignored SIGTERM for ${this.options.killTimeoutMs} ms; SIGKILL`);
      proc.kill('SIGKILL');
      await exited;
    }
    return true;
  }

  private watchHeartbeat(proc: ChildProcess, lastHeard: () => number, onHung: (error: Error) => void): () => void {
    const timeout = this.options.heartbeatTimeoutMs;
    const timer = setInterval(() => {
      if (performance.now() - lastHeard() <= timeout) return;
      clearInterval(timer);
      const error = new SupervisorProcessError(MESSAGES.heartbeatTimeout(this.node.path, proc.pid ?? -1, timeout), this.node.path, { pid: proc.pid });
      this.host.logger?.error(error.message);
      onHung(error);
      proc.kill('SIGKILL');
    }, Math.max(10, Math.min(this.options.heartbeatIntervalMs, timeout / 4)));
    return () => clearInterval(timer);
  }

  /** Counts, logs and reports a message that breaks the protocol; the child goes on. */
  private reject(proc: ChildProcess, detail: string): void {
    this.rejected += 1;
    this.host.logger?.warn(`${this.node.path} (pid ${proc.pid}): rejected an IPC message: ${detail}`);
    this.host.emit({
      type: 'protocol-error',
      path: this.node.path,
      kind: 'supervisor',
      fromPid: proc.pid ?? -1,
      detail,
      count: this.rejected,
    });
  }

  private send(proc: ChildProcess, message: ParentMessage): void {
    if (proc.connected) proc.send(message, () => undefined);
  }

}

/** An error rebuilt from what a child process reported, keeping its name and stack. */
function errorFromInfo(info: ErrorInfo): Error {
  const error = new Error(info.message);
  error.name = info.name;
  if (info.stack) error.stack = info.stack;
  return error;
}
