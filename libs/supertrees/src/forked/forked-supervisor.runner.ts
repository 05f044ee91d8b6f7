import { Logger, type INestApplicationContext, type Type } from '@nestjs/common';
import type { NestApplicationContextOptions } from '@nestjs/common/interfaces/nest-application-context-options.interface.js';
import { NestFactory } from '@nestjs/core';
import { SupervisionTree } from '../discovery/supervision.tree.js';
import { NodeUnavailableError } from '../errors/supervision-request.error.js';
import type { SupervisorGaveUpError } from '../errors/supervision-runtime.error.js';
import { EventStamper } from '../events/event.stamper.js';
import { SnapshotStore } from '../events/snapshot.js';
import { toErrorInfo, type StopReason } from '../events/supervision.events.js';
import { encodeError } from '../errors/wire-error.js';
import { parseDownMessage, PROTOCOL_VERSION, type DownMessage, type RequestMessage, type UpMessage } from '../process/ipc.protocol.js';
import { ProcessHosting } from '../process/process.hosting.js';
import { DynamicSpecs } from '../runtime/dynamic.children.js';
import { SupervisorRuntime } from '../runtime/supervisor.runtime.js';
import { EXIT_ESCALATED, EXIT_LEASE_LOST, EXIT_ORPHANED, FORKED_FOR_ENV, type ForkedFor } from '../shared/supervision.constants.js';
import { findNode, type SupervisorNode } from '../tree/tree.types.js';
import { ForkedEventSink } from './forked.event-sink.js';
import { EventOutbox } from './forked.outbox.js';
import { VitalSigns } from './forked.vital-signs.js';
import { warmUpNest } from './nest.warm-up.js';
import { markSupervisorBoot } from './unsupervised-boot.check.js';

/** How long a process whose parent died gives its workers to stop before it exits anyway. */
const ORPHAN_GRACE_MS = 500;

type StartMessage = Extract<DownMessage, { t: 'start' }>;

interface Booted {
  readonly tree: SupervisionTree;
  readonly hosting: ProcessHosting;
}

/**
 * The life of a supervisor process: say hello, learn which supervisor to become, boot the app's
 * module as a Nest application context (no HTTP server), run that supervisor's subtree, send its
 * events up, and stop when told to, or at once when the parent is gone. Uncaught errors are left
 * to crash the process: its parent sees the death and applies the restart policy.
 */
export function runSupervisorProcess(appModule: Type<unknown>, contextOptions: NestApplicationContextOptions = {}): Promise<void> {
  markSupervisorBoot();
  return new ForkedSupervisorRunner(appModule, contextOptions).run();
}

/** One supervisor process, in named steps: handshake, boot, wire, and exit. */
class ForkedSupervisorRunner {
  private readonly log = new Logger('SupervisorProcess');
  private app?: INestApplicationContext;
  /** The application context being created: the exits wait for it, so that they close it too. */
  private booting?: Promise<Booted>;
  /** Why the application context could not be created, once that is known. */
  private bootError?: unknown;
  private readonly forkedFor = process.env[FORKED_FOR_ENV] as ForkedFor | undefined;
  private runtime?: SupervisorRuntime;
  private outbox?: EventOutbox;
  private hosting?: ProcessHosting;
  private exiting?: Promise<never>;
  /**
   * From `started` on, each heartbeat also says how this process and those below it are doing
   * (memory, event-loop delay); the boot, which blocks the loop by design, is not measured.
   */
  private vitals?: { signs: VitalSigns; below: ProcessHosting };

  /**
   * Heartbeats from the start message on, through the warm-up, the boot and the subtree's start:
   * the parent watches them from then, so a start that blocks the loop is found as hung.
   */
  private beat(start: StartMessage): void {
    const heartbeat = setInterval(() => {
      const vitals = this.vitals;
      this.send(vitals ? { t: 'heartbeat', processes: [vitals.signs.measure(start.path), ...vitals.below.vitals.list()] } : { t: 'heartbeat' });
    }, start.heartbeatIntervalMs);
    heartbeat.unref();
  }

  constructor(
    private readonly appModule: Type<unknown>,
    private readonly contextOptions: NestApplicationContextOptions,
  ) {}

  async run(): Promise<void> {
    // Forked for a start under way: the context does not depend on which supervisor this becomes,
    // so it is created while `hello` and `start` travel. A failure is reported once `start` is here
    // (or by the exit, if a stop comes first).
    if (this.forkedFor === 'start') this.boot().catch(() => undefined);
    const start = await this.handshake();
    try {
      const { tree, hosting } = await this.boot();
      const node = findNode(tree.root, start.path);
      if (!node || node.kind !== 'supervisor') {
        throw new Error(`this app has no supervisor at ${start.path}; the parent and this process run different code`);
      }
      this.runtime = this.wire(node, start, hosting);
      if (!this.exiting) await this.runtime.start();
      // The subtree's own events go first, so the parent reports this supervisor started after its children.
      await this.outbox!.flush();
      if (!this.exiting) {
        this.send({ t: 'started', pid: process.pid });
        this.vitals = { signs: new VitalSigns(), below: hosting };
      }
    } catch (error) {
      // A stop under way ends the process; a context that could not be created is reported by it.
      if (this.exiting && error === this.bootError) return this.exiting;
      this.log.error(`could not start supervisor ${start.path}`, (error as Error)?.stack);
      if (this.exiting) return this.exiting;
      await this.sendAndWait({ t: 'fatal', error: toErrorInfo(error) });
      process.exit(1);
    }
  }

  /**
   * Says hello and waits to be told which supervisor to become; from then on, a stop from the
   * parent or its disappearance ends the process. A standing spare warms Nest up meanwhile.
   */
  private async handshake(): Promise<StartMessage> {
    // The parent stops this process through IPC; a Ctrl-C on the terminal reaches the parent too.
    process.on('SIGINT', () => undefined);
    process.once('disconnect', () => {
      const timer = setTimeout(() => process.exit(EXIT_ORPHANED), ORPHAN_GRACE_MS);
      timer.unref();
      void this.stop('orphaned', EXIT_ORPHANED);
    });
    const startMessage = new Promise<StartMessage>((resolve) => {
      process.on('message', (raw: unknown) => {
        const parsed = parseDownMessage(raw);
        if (!parsed.ok) {
          this.log.warn(`rejected an IPC message from the parent: ${parsed.problem}`);
          return;
        }
        const message = parsed.message;
        if (message.t === 'start') resolve(message);
        else if (message.t === 'request') this.answer(message);
        else void this.stop(message.reason, 0);
      });
      this.send({ t: 'hello', v: PROTOCOL_VERSION, pid: process.pid });
    });
    // Only a standing spare warms up, after hello: one taken while at it waits for the rest, which
    // its own context would have spent compiling the same code anyway. Processes forked for a boot
    // do not, so as not to compete for the CPU with the supervisors starting one after another.
    const warmedUp = this.forkedFor === 'spare' ? warmUpNest() : Promise.resolve();
    const start = await startMessage;
    this.beat(start);
    await warmedUp;
    return start;
  }

  /** Boots the app's module as an application context (once): the same tree as the parent's, built from the same code. */
  private boot(): Promise<Booted> {
    this.booting ??= NestFactory.createApplicationContext(this.appModule, { ...this.contextOptions, abortOnError: false }).then(
      (app) => {
        this.app = app;
        return { tree: app.get(SupervisionTree, { strict: false }), hosting: app.get(ProcessHosting, { strict: false }) };
      },
      (error: unknown) => {
        this.bootError = error;
        throw error;
      },
    );
    return this.booting;
  }

  /**
   * Closes the application context, once it is created if it is being created (its providers'
   * `onModuleDestroy` runs); reports one that could not be created, since `run()` leaves that to the exit.
   */
  private async closeApp(): Promise<void> {
    await this.booting?.catch((error: unknown) => this.log.error('could not create the application context', (error as Error)?.stack));
    await this.app?.close();
  }

  /**
   * Handles a request from the parent, here or further down, and replies once: with the value, or
   * the error as data. The router settles within the request's timeout; before the host is wired
   * it refuses, so nothing waits on a process that is still booting.
   */
  private answer(request: RequestMessage): void {
    const { id } = request;
    const handled = this.hosting && !this.exiting ? this.hosting.request(request) : this.notReady(request);
    // After the events this process emitted before it: the parent follows a child's spec from the
    // replies and its end from the events, so it must see them in the order they happened.
    const reply = (message: UpMessage, onError: (error: unknown) => void) =>
      this.outbox ? this.outbox.sendAfterQueued(message, onError) : onErrorOf(() => this.send(message), onError);
    const fail = (error: unknown) => reply({ t: 'reply', id, ok: false, error: encodeError(error) }, () => undefined);
    handled.then((value) => {
      // A value JSON cannot carry (a BigInt, a cycle): the caller learns why instead of waiting.
      reply({ t: 'reply', id, ok: true, value }, (error) =>
        fail(new TypeError(`the reply of ${request.op} on ${request.path} cannot cross a process boundary: ${(error as Error).message}`)),
      );
    }, fail);
  }

  private notReady({ op, path }: RequestMessage): Promise<never> {
    return Promise.reject(this.exiting
        ? new NodeUnavailableError(op, path, 'stopping', 'its supervisor process is exiting')
        : new NodeUnavailableError(op, path, 'starting', 'its supervisor process is starting'));
  }

  /** The pipeline to the parent and the runtime of this process's supervisor. */
  private wire(node: SupervisorNode, start: StartMessage, hosting: ProcessHosting): SupervisorRuntime {
    const stamper = new EventStamper();
    const store = new SnapshotStore(node);
    const outbox = new EventOutbox((message, done) => this.send(message, done), start.maxBufferedEvents, stamper, {
      path: node.path,
      snapshot: () => ({ t: 'snapshot', root: store.snapshot() }),
    });
    this.outbox = outbox;
    // Cluster mode: the leases this subtree runs under, counted down on this process's own clock from
    // here on; past a deadline with no renewal, what runs under it stops, even if the parent is paused.
    for (const grant of start.leases ?? []) hosting.leases?.grant(grant);
    hosting.onOwnLeaseExpired = (unit) => {
      this.log.warn(`${node.path}: the lease of ${unit} ran out before a renewal reached this process; the subtree stops (lease-lost)`);
      void this.stop('lease-lost', EXIT_LEASE_LOST);
    };
    const host = hosting.createHost(node, new ForkedEventSink(stamper, store, outbox));
    this.hosting = hosting;
    const specs = node.dynamic ? new DynamicSpecs() : undefined;
    for (const child of start.children ?? []) specs?.add(child);
    return new SupervisorRuntime(node, host, (error) => void this.escalate(error), specs);
  }

  /** The supervisor gave up: its parent learns it as this child's failure, and the process exits. */
  private escalate(error: SupervisorGaveUpError): Promise<never> {
    return this.exit(EXIT_ESCALATED, async () => {
      await this.outbox?.flush();
      await this.sendAndWait({ t: 'escalate', error: toErrorInfo(error) });
      await this.closeApp();
    });
  }

  private stop(reason: StopReason, code: number): Promise<never> {
    return this.exit(code, async () => {
      await this.runtime?.stop(reason);
      await this.outbox?.flush();
      await this.closeApp();
    });
  }

  /** Exits with `code` after `before`, once, whoever asks first. */
  private exit(code: number, before: () => Promise<unknown>): Promise<never> {
    this.exiting ??= (async () => {
      try {
        await before();
      } catch (error) {
        this.log.error('error while stopping', (error as Error)?.stack);
      }
      process.exit(code);
    })();
    return this.exiting;
  }

  /** With the parent gone there is no one to send to: reports done at once rather than never. */
  private send(message: UpMessage, done: (error: Error | null) => void = () => undefined): boolean {
    if (process.connected) return process.send!(message, undefined, {}, done);
    done(null);
    return false;
  }

  private sendAndWait(message: UpMessage): Promise<void> {
    return new Promise<void>((resolve) => this.send(message, () => resolve()));
  }
}

function onErrorOf(run: () => unknown, onError: (error: unknown) => void): void {
  try {
    run();
  } catch (error) {
    onError(error);
  }
}
