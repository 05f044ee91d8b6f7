import { Logger, Module, type INestApplicationContext, type Type } from '@nestjs/common';
import type { NestApplicationContextOptions } from '@nestjs/common/interfaces/nest-application-context-options.interface.js';
import { NestFactory } from '@nestjs/core';
import { EventStamper } from '../events/event.stamper.js';
import { SnapshotStore } from '../events/snapshot.js';
import { toErrorInfo, type StopReason } from '../events/supervision.events.js';
import { SupervisorRuntime } from '../runtime/supervisor.runtime.js';
import { EXIT_ESCALATED, EXIT_ORPHANED, WARM_UP_ENV } from '../supervision.constants.js';
import { SupervisionOrchestrator } from '../supervision.orchestrator.js';
import { findNode, type SupervisorNode } from '../tree/tree.types.js';
import { EventOutbox } from './event.outbox.js';
import { parseParentMessage, PROTOCOL_VERSION, type ChildMessage, type ParentMessage } from './ipc.protocol.js';

/** How long a process whose parent died gives its workers to stop before it exits anyway. */
const ORPHAN_GRACE_MS = 500;

/** A module with nothing in it: what a process boots once to warm up Nest's code. */
@Module({})
class WarmUpModule {}

/**
 * Nest's process-wide logger: `logger: false` replaces it for good (a later context given log
 * levels does not bring it back), so the warm-up puts it back as it found it.
 */
class GlobalLogger extends Logger {
  static keep(): () => void {
    const instance = Logger.staticInstanceRef;
    const levels = Logger.logLevels;
    return () => {
      Logger.staticInstanceRef = instance;
      Logger.logLevels = levels;
    };
  }
}

/**
 * Creates and closes an application context of an empty module, while the process waits to be
 * told which supervisor to become. V8 compiles a function on its first call, so the first context
 * a process creates pays for compiling Nest's scanner, injector and lifecycle code: about half of
 * that context's time. A standing spare does it while it waits, so a restarted supervisor creates
 * its context warm. No code of the app runs, nothing is logged, and Nest's logger is left as it
 * was. A failure here is no failure: the real boot reports its own.
 */
async function warmUpNest(): Promise<void> {
  const restoreLogger = GlobalLogger.keep();
  let context: INestApplicationContext | undefined;
  try {
    context = await NestFactory.createApplicationContext(WarmUpModule, { logger: false, abortOnError: false });
  } catch {
    // the real boot reports what is wrong
  } finally {
    // At once: while Nest's logger is off, this process's own warnings would be lost.
    restoreLogger();
  }
  await context?.close().catch(() => undefined);
}

/**
 * The life of a supervisor process: say hello, learn which supervisor to become, boot the app's
 * module as a Nest application context (no HTTP server), run that supervisor's subtree, relay
 * its events, and stop when told to, or at once when the parent is gone. Uncaught errors are left
 * to crash the process: its parent sees the death and applies the restart policy.
 */
export async function runSupervisorProcess(
  appModule: Type<unknown>,
  contextOptions: NestApplicationContextOptions = {},
): Promise<void> {
  const log = new Logger('SupervisorProcess');
  // With the parent gone there is no one to send to: report done at once rather than never.
  const send = (message: ChildMessage, done: (error: Error | null) => void = () => undefined): boolean => {
    if (process.connected) return process.send!(message, undefined, {}, done);
    done(null);
    return false;
  };

  let app: INestApplicationContext | undefined;
  let runtime: SupervisorRuntime | undefined;
  let outbox: EventOutbox | undefined;
  let stopping: Promise<never> | undefined;

  const exitAfter = (code: number, before: () => Promise<unknown>): Promise<never> => {
    stopping ??= (async () => {
      try {
        await before();
      } catch (error) {
        log.error('error while stopping', (error as Error)?.stack);
      }
      process.exit(code);
    })();
    return stopping;
  };
  const stop = (reason: StopReason, code: number) =>
    exitAfter(code, async () => {
      await runtime?.stop(reason);
      await outbox?.flush();
      await app?.close();
    });

  // The parent stops this process through IPC; a Ctrl-C on the terminal reaches the parent too.
  process.on('SIGINT', () => undefined);
  process.once('disconnect', () => {
    const timer = setTimeout(() => process.exit(EXIT_ORPHANED), ORPHAN_GRACE_MS);
    timer.unref();
    void stop('orphaned', EXIT_ORPHANED);
  });

  const startMessage = new Promise<Extract<ParentMessage, { t: 'start' }>>((resolve) => {
    process.on('message', (raw: unknown) => {
      const parsed = parseParentMessage(raw);
      if (!parsed.ok) {
        log.warn(`rejected an IPC message from the parent: ${parsed.problem}`);
        return;
      }
      if (parsed.message.t === 'start') resolve(parsed.message);
      else void stop(parsed.message.reason, 0);
    });
    send({ t: 'hello', v: PROTOCOL_VERSION, pid: process.pid });
  });
  // Only a standing spare warms up, after hello: one taken while at it waits for the rest, which
  // its own context would have spent compiling the same code anyway. Processes forked for a boot
  // do not, so as not to compete for the CPU with the supervisors starting one after another.
  const warmedUp = process.env[WARM_UP_ENV] === '1' ? warmUpNest() : Promise.resolve();
  const start = await startMessage;
  await warmedUp;
  const heartbeat = setInterval(() => send({ t: 'heartbeat' }), start.heartbeatIntervalMs);
  heartbeat.unref();

  try {
    app = await NestFactory.createApplicationContext(appModule, { ...contextOptions, abortOnError: false });
    const orchestrator = app.get(SupervisionOrchestrator, { strict: false });
    const node = findNode(orchestrator.tree, start.path);
    if (!node || node.kind !== 'supervisor') {
      throw new Error(`this app has no supervisor at ${start.path}; the parent and this process run different code`);
    }
    const stamper = new EventStamper();
    const store = new SnapshotStore(node as SupervisorNode);
    outbox = new EventOutbox(send, start.maxBufferedEvents, stamper, {
      path: node.path,
      snapshot: () => ({ t: 'snapshot', root: store.snapshot() }),
    });
    const box = outbox;
    const host = orchestrator.createHost(
      node as SupervisorNode,
      (event) => {
        const stamped = stamper.stamp(event);
        store.apply(stamped);
        box.push(stamped);
      },
      {
        event: (event) => {
          store.apply(event);
          box.push(event);
        },
        snapshot: (root) => {
          store.merge(root);
          box.requestSnapshot();
        },
      },
    );
    runtime = new SupervisorRuntime(node as SupervisorNode, host);
    runtime.onGiveUp = (error) => {
      host.emit({ type: 'escalated', path: node.path, kind: 'supervisor', error: toErrorInfo(error) });
      void exitAfter(EXIT_ESCALATED, async () => {
        await box.flush();
        await new Promise<void>((resolve) => send({ t: 'escalate', error: toErrorInfo(error) }, () => resolve()));
        await app?.close();
      });
    };
    if (!stopping) await runtime.start();
    // The subtree's own events go first, so the parent reports this supervisor started after its children.
    await box.flush();
    if (!stopping) send({ t: 'started', pid: process.pid });
  } catch (error) {
    log.error(`could not start supervisor ${start.path}`, (error as Error)?.stack);
    await new Promise<void>((resolve) => send({ t: 'fatal', error: toErrorInfo(error) }, () => resolve()));
    process.exit(1);
  }
}
