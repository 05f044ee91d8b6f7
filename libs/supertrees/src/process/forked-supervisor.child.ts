import type { ChildProcess } from 'node:child_process';
import { NodeUnavailableError } from '../errors/supervision-request.error.js';
import { SupervisorMemoryLimitError, SupervisorNotBootstrappedError, SupervisorProcessError } from '../errors/supervision-runtime.error.js';
import type { ErrorInfo, StopReason } from '../events/supervision.events.js';
import { DynamicSpecs } from '../runtime/dynamic.children.js';
import type { RemoteEndpoint } from '../runtime/request.router.js';
import type { DynamicChildData } from '../tree/dynamic-child.js';
import type { ChildExit, StartInfo, SupervisedChild } from '../runtime/supervised-child.js';
import type { RuntimeHost } from '../runtime/supervisor.runtime.js';
import type { UnitGrant } from '../runtime/unit.leases.js';
import { schedule, settlesWithin } from '../runtime/timers.js';
import type { ForkedChildFactory } from '../runtime/tree.host.js';
import type { ResolvedProcessOptions } from '../shared/supervision.defaults.js';
import { EXIT_LEASE_LOST, EXIT_NOT_BOOTSTRAPPED } from '../shared/supervision.constants.js';
import { MESSAGES } from '../shared/supervision.messages.js';
import type { SupervisorNode } from '../tree/tree.types.js';
import { EventDecoder } from './event.wire.js';
import { checkProcessReports, parseUpMessage, PROTOCOL_VERSION, type DownMessage } from './ipc.protocol.js';
import { PendingRequests } from './pending-requests.js';
import type { ProcessPool, SpareProcess } from './process.pool.js';
import type { ProcessVitalsBoard, SupervisorProcessReport } from './process.vitals.js';

/** The factory a {@link TreeHost} uses for supervisors with process isolation. */
export function forkedSupervisorFactory(options: ResolvedProcessOptions, pool: ProcessPool, vitals: ProcessVitalsBoard): ForkedChildFactory {
  return (node, host) => new ForkedSupervisorChild(node, host, options, pool, vitals);
}

/**
 * A supervisor running in a forked process, seen from its parent (the parent's handle on that
 * process): takes a process from the pool, hands it its subtree, forwards its events, watches its
 * heartbeat, and stops it (stop message, then SIGTERM, then SIGKILL). Its death, whatever the
 * cause, is this child's failure. Requests for its subtree go down to it and wait for its reply.
 */
export class ForkedSupervisorChild implements SupervisedChild, RemoteEndpoint {
  private run?: ProcessRun;
  private rejected = 0;
  /** A dynamic supervisor's children, kept here across its process's restarts (see `restoreChildren`). */
  readonly specs?: DynamicSpecs;

  constructor(
    readonly node: SupervisorNode,
    readonly host: RuntimeHost,
    readonly options: ResolvedProcessOptions,
    private readonly pool: ProcessPool,
    readonly vitals: ProcessVitalsBoard,
  ) {
    if (node.dynamic) this.specs = new DynamicSpecs();
  }

  start(attempt: number, onExit: (exit: ChildExit) => void): Promise<StartInfo> {
    let spare: SpareProcess;
    try {
      spare = this.pool.acquire();
    } catch (error) {
      return Promise.reject(new SupervisorProcessError((error as Error).message, this.node.path));
    }
    const run = new ProcessRun(this, spare, attempt, onExit);
    this.run = run;
    const starting = run.started;
    // A new spare is forked once this start settled, so that it does not compete with it for CPU.
    starting.then(
      () => this.pool.refill(),
      () => this.pool.refill(),
    );
    return starting;
  }

  /** Sends a request to the process; rejects with NodeUnavailableError while it is not running. */
  request(op: string, path: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    const run = this.run;
    if (!run?.accepting) {
      return Promise.reject(new NodeUnavailableError(op, path, 'restarting', MESSAGES.processNotRunning(this.node.path)));
    }
    const reply = run.requests.request(op, path, payload, timeoutMs);
    // The process's children come and go through the commands it answered: the specs follow them.
    if (this.specs && path === this.node.path) void reply.then((value) => this.followSpecs(op, payload, value), () => undefined);
    return reply;
  }

  private followSpecs(op: string, payload: unknown, value: unknown): void {
    if (op === 'startChild') this.specs!.add(payload as DynamicChildData);
    else if (op === 'deleteChild') {
      const child = (payload as { child: string }).child;
      const id = (value as { id?: string } | undefined)?.id ?? child.slice(child.lastIndexOf(':') + 1);
      this.specs!.remove(id);
    }
  }

  /** A dynamic child that ended for good is gone from the specs too. */
  childRemoved(path: string): void {
    if (!this.specs || path.lastIndexOf('/') !== this.node.path.length || !path.startsWith(`${this.node.path}/`)) return;
    this.specs.remove(path.slice(path.lastIndexOf(':') + 1));
  }

  async stop(reason: StopReason): Promise<boolean> {
    const run = this.run;
    if (!run) return false;
    // From here on new requests are refused (`accepting`): as `restarting` (a call tries again in the
    // next process), since nothing of them reached this one. A request already sent may be under way
    // in the process (a call in handle()): after a stop for good it is refused now, but before a
    // restart (the strategy's stop) it is left to its reply, or to the process's end (`exited`), so
    // that a call is never handled again by the next process.
    if (reason !== 'strategy') run.requests.close('stopped', MESSAGES.processStopped(this.node.path, reason));
    const { proc, closed } = run.spare;
    if (proc.exitCode !== null || proc.signalCode !== null) {
      // Exited, its pipes not yet closed: its end is still to be handled (and it is still listed by
      // processes()) until 'close'. Wait for that, bounded, so that a stop resolves once it is gone.
      await settlesWithin(closed, this.options.killTimeoutMs);
      return false;
    }
    run.stopRequested = true;
    send(proc, { t: 'stop', reason });
    if (!(await settlesWithin(closed, this.node.shutdownTimeoutMs))) return false;
    this.host.logger?.warn(`${this.node.path} (pid ${proc.pid}) did not stop within ${this.node.shutdownTimeoutMs} ms; SIGTERM`);
    proc.kill('SIGTERM');
    if (await settlesWithin(closed, this.options.killTimeoutMs)) {
      this.host.logger?.warn(`${this.node.path} (pid ${proc.pid}) ignored SIGTERM for ${this.options.killTimeoutMs} ms; SIGKILL`);
      proc.kill('SIGKILL');
      await closed;
    }
    return true;
  }

  /** Counts, logs and reports a message that breaks the protocol; the process goes on. */
  reject(proc: ChildProcess, detail: string): void {
    this.rejected += 1;
    this.host.logger?.warn(`${this.node.path} (pid ${proc.pid}): rejected an IPC message: ${detail}`);
    this.host.sink.emit({
      type: 'protocol-error',
      path: this.node.path,
      kind: 'supervisor',
      fromPid: proc.pid ?? -1,
      detail,
      count: this.rejected,
    });
  }
}

/**
 * One start of a forked supervisor, from taking the process to its end: sends `start` once the
 * process said hello, handles what comes up from it, and turns its close into the start's
 * rejection or, once it ran, into the child's failure.
 */
class ProcessRun {
  readonly started: Promise<StartInfo>;
  /** Set by `stop()`: the coming close is the stop's doing, not a failure. */
  stopRequested = false;
  /** Requests sent down to this process that wait for their reply. */
  readonly requests: PendingRequests;
  private resolve!: (info: StartInfo) => void;
  private reject!: (error: unknown) => void;
  private running = false;
  private startSent = false;
  /** Why the process is about to end, when it said so (escalation) or we decided (hung). */
  private cause?: Error;
  private lastHeard: number;
  /**
   * A message came since `lastHeard` was last set: the time is read when the silence is
   * next asked for (the watchdog's tick, a vitals report), not for every reply or event batch: a clock
   * read costs about as much as the rest of a reply's handling on some machines. The silence
   * reported is then short by at most one watchdog tick.
   */
  private heardSince = false;
  private readonly cancelStartTimer: () => void;
  private stopWatchdog: () => void = () => undefined;
  /** The path table of this process's channel: a new process starts a new one. */
  private readonly decoder: EventDecoder;
  private unwatch: () => void = () => undefined;

  constructor(
    private readonly child: ForkedSupervisorChild,
    readonly spare: SpareProcess,
    private readonly attempt: number,
    private readonly onExit: (exit: ChildExit) => void,
  ) {
    const { node, options, host } = child;
    const proc = spare.proc;
    spare.label = node.path;
    this.decoder = new EventDecoder(node.path);
    this.lastHeard = host.clock.now();
    this.requests = new PendingRequests((message) => {
      if (!proc.connected) throw new NodeUnavailableError(message.op, message.path, 'restarting', MESSAGES.processNotRunning(node.path));
      proc.send(message, () => undefined);
    });
    this.started = new Promise<StartInfo>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    if (spare.ready) this.sendStart();
    this.cancelStartTimer = schedule(options.startTimeoutMs, () => {
      proc.kill('SIGKILL');
      this.reject(new SupervisorProcessError(MESSAGES.startTimeout(node.path, options.startTimeoutMs), node.path, { pid: proc.pid }));
    });
    proc.on('message', (raw: unknown) => this.onMessage(raw));
    proc.once('close', (code: number | null, signal: NodeJS.Signals | null) => this.onClose(code, signal));
    proc.once('error', (error) => {
      // fork failed (for example EAGAIN); 'exit' may not follow
      if (!this.running) this.reject(error);
    });
  }

  private onMessage(raw: unknown): void {
    const { child, spare } = this;
    this.heardSince = true;
    const parsed = parseUpMessage(raw);
    if (!parsed.ok) return child.reject(spare.proc, parsed.problem);
    const message = parsed.message;
    switch (message.t) {
      case 'hello':
        this.sendStart();
        break;
      case 'started':
        this.running = true;
        this.cancelStartTimer();
        this.unwatch = child.vitals.watch(child.node.path, spare.proc.pid ?? -1, () => this.silentForMs());
        this.resolve({ processPid: spare.proc.pid });
        break;
      case 'events': {
        const sink = child.host.sink;
        for (const problem of this.decoder.addPaths(message.first, message.paths)) child.reject(spare.proc, problem);
        for (const wire of message.events) {
          const event = this.decoder.decode(wire);
          if (typeof event === 'string') child.reject(spare.proc, event);
          else {
            if (event.type === 'child-removed') child.childRemoved(event.path);
            sink.forward(event);
          }
        }
        break;
      }
      case 'snapshot':
        child.host.sink.forwardSnapshot(message.root);
        break;
      case 'escalate':
      case 'fatal':
        this.cause = errorFromInfo(message.error);
        break;
      case 'reply':
        // No entry: it timed out (or the process replied twice); the caller was answered once already.
        this.requests.settle(message);
        break;
      case 'heartbeat': {
        if (!message.processes) break;
        const problem = checkProcessReports(message.processes, child.node.path);
        if (problem) child.reject(spare.proc, problem);
        else {
          child.vitals.heartbeat(child.node.path, message.processes);
          this.checkMemory(message.processes[0]);
        }
        break;
      }
    }
  }

  private onClose(code: number | null, signal: NodeJS.Signals | null): void {
    const { node, options } = this.child;
    const pid = this.spare.proc.pid;
    this.cancelStartTimer();
    this.stopWatchdog();
    this.unwatch();
    this.requests.close('exited', MESSAGES.processExitedBeforeReply(node.path));
    const error =
      this.cause ??
      (code === EXIT_NOT_BOOTSTRAPPED
        ? new SupervisorNotBootstrappedError(node.path, options.entry ?? process.argv[1] ?? '(no script)', { pid, code, signal })
        : new SupervisorProcessError(MESSAGES.processExited(node.path, code, signal), node.path, { pid, code, signal }));
    if (!this.running) this.reject(error);
    else if (this.stopRequested) return;
    // It stopped its subtree at its cluster lease's deadline, on its own clock: not a failure.
    else if (code === EXIT_LEASE_LOST && !this.cause) this.onExit({ kind: 'lease-lost' });
    else this.onExit({ kind: 'failed', error, phase: 'process' });
  }

  /** Running, and not being stopped: a request sent now can be answered. */
  get accepting(): boolean {
    return this.running && !this.stopRequested && this.spare.proc.connected;
  }

  private sendStart(): void {
    if (this.startSent) return;
    this.startSent = true;
    const { node, options, host } = this.child;
    // The process heartbeats from the start message on, through its boot and its children's
    // init(): a start that blocks the event loop is found in heartbeatTimeoutMs, not startTimeoutMs.
    // Before it (module loading, up to hello) its loop may not run yet: startTimeoutMs covers that.
    this.lastHeard = host.clock.now();
    this.heardSince = false;
    this.stopWatchdog = this.watchHeartbeat();
    send(this.spare.proc, {
      t: 'start',
      v: PROTOCOL_VERSION,
      path: node.path,
      attempt: this.attempt,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      maxBufferedEvents: options.maxBufferedEvents,
      ...(this.child.specs && this.child.specs.size > 0 ? { children: this.child.specs.list() } : {}),
      ...leasesFor(host, node.path),
    });
  }

  /**
   * PM2's `max_memory_restart`: past the limit, the process is stopped as in a shutdown (its
   * workers get their signal and their shutdownTimeoutMs) rather than killed, and its close is
   * this child's failure with the memory as the reason. Checked on the process's own report only.
   */
  private checkMemory(own: SupervisorProcessReport | undefined): void {
    const { node, options, host } = this.child;
    const limit = options.maxMemoryMiB;
    const proc = this.spare.proc;
    if (limit === undefined || this.cause || this.stopRequested || own?.rssBytes === undefined || own.pid !== proc.pid) return;
    if (own.rssBytes <= limit * 1_048_576) return;
    const error = new SupervisorMemoryLimitError(node.path, proc.pid ?? -1, own.rssBytes, limit);
    host.logger?.error(error.message);
    this.cause = error;
    send(proc, { t: 'stop', reason: 'shutdown' });
    const cancel = schedule(node.shutdownTimeoutMs + options.killTimeoutMs, () => proc.kill('SIGKILL'));
    proc.once('close', cancel);
  }

  /** How long since the process's last message (short by at most one watchdog tick: see {@link heardSince}). */
  private silentForMs(): number {
    const now = this.child.host.clock.now();
    if (this.heardSince) {
      this.heardSince = false;
      this.lastHeard = now;
    }
    return now - this.lastHeard;
  }

  private watchHeartbeat(): () => void {
    const { node, options, host } = this.child;
    const proc = this.spare.proc;
    const timeout = options.heartbeatTimeoutMs;
    const timer = setInterval(() => {
      if (this.silentForMs() <= timeout) return;
      clearInterval(timer);
      const error = new SupervisorProcessError(MESSAGES.heartbeatTimeout(node.path, proc.pid ?? -1, timeout), node.path, { pid: proc.pid });
      host.logger?.error(error.message);
      this.cause = error;
      proc.kill('SIGKILL');
    }, Math.max(10, Math.min(options.heartbeatIntervalMs, timeout / 4)));
    return () => clearInterval(timer);
  }
}

/** The cluster leases a process running the subtree at `path` needs, with their time left now. */
function leasesFor(host: RuntimeHost, path: string): { leases?: UnitGrant[] } {
  const leases = host.leases?.relevantTo(path);
  return leases && leases.length > 0 ? { leases } : {};
}

function send(proc: ChildProcess, message: DownMessage): void {
  if (proc.connected) proc.send(message, () => undefined);
}

/** An error rebuilt from what a supervisor process reported, keeping its name and stack. */
function errorFromInfo(info: ErrorInfo): Error {
  const error = new Error(info.message);
  error.name = info.name;
  if (info.stack) error.stack = info.stack;
  return error;
}
