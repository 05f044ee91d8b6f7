// @OnSupervisionEvent(): handlers on any provider, discovered at app.init() like @OnEvent().
import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, Scope, type LoggerService } from '@nestjs/common';
import {
  InvalidEventHandlerError,
  MESSAGES,
  OnSupervisionEvent,
  type FailedEvent,
  type SupervisionEvent,
} from '../libs/supertrees/src/index.js';
import { Cleanup, compileTree, defineSupervisor, defineWorker, RunControl, supervision } from './helpers/in-process.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** Keeps what Nest's Logger was given, so a test can see what the library logged. */
class CapturingLogger implements LoggerService {
  readonly errors: { message: string; stack?: string; context?: string }[] = [];
  log(): void {}
  warn(): void {}
  debug(): void {}
  verbose(): void {}
  error(message: unknown, stack?: string, context?: string): void {
    this.errors.push({ message: String(message), stack, context });
  }
}

const control = new RunControl();
const W = defineWorker('W', { run: (ctx) => control.hold(ctx) }, { backoff: { minDelayMs: 1 } });
const V = defineWorker('V', { run: (ctx) => control.hold(ctx) }, { backoff: { minDelayMs: 1 } });
const Sup = defineSupervisor('Sup', { children: [W] });

@Injectable()
class Listener {
  readonly failures: FailedEvent[] = [];
  readonly all: SupervisionEvent[] = [];
  readonly underSup: string[] = [];
  readonly ofW: string[] = [];

  @OnSupervisionEvent('failed')
  onFailed(event: FailedEvent): void {
    this.failures.push(event);
  }

  @OnSupervisionEvent('*')
  onAny(event: SupervisionEvent): void {
    this.all.push(event);
  }

  @OnSupervisionEvent(['started', 'restarted'], { path: 'root/Sup', subtree: true })
  onSup(event: SupervisionEvent): void {
    this.underSup.push(`${event.type} ${event.path}`);
  }

  @OnSupervisionEvent('restarted', { path: W })
  @OnSupervisionEvent('failed', { path: W })
  onW(event: SupervisionEvent): void {
    this.ofW.push(event.type);
  }
}

@Injectable()
class Faulty {
  calls = 0;

  @OnSupervisionEvent('failed')
  throws(): void {
    this.calls += 1;
    throw new Error('handler throws');
  }

  @OnSupervisionEvent('failed')
  async rejects(): Promise<void> {
    this.calls += 1;
    throw new Error('handler rejects');
  }
}

async function boot(providers: Function[]) {
  const tree = cleanup.track(await compileTree({ imports: [supervision()], providers: [W, V, Sup, ...providers] as never[] }));
  const logger = new CapturingLogger();
  tree.moduleRef.useLogger(logger);
  await tree.moduleRef.init();
  return { ...tree, logger };
}

describe('@OnSupervisionEvent', () => {
  it('calls each decorated method with the events of its types and paths', async () => {
    const { moduleRef, recorder } = await boot([Listener]);
    const listener = moduleRef.get(Listener);
    control.fail('root/Sup/W', 'W broke');
    await recorder.waitFor({ type: 'restarted', path: 'root/Sup/W' });
    control.fail('root/V', 'V broke');
    await recorder.waitFor({ type: 'restarted', path: 'root/V' });

    expect(listener.failures.map((e) => [e.path, e.error.message, e.phase])).toEqual([
      ['root/Sup/W', 'W broke', 'run'],
      ['root/V', 'V broke', 'run'],
    ]);
    expect(listener.all.map((e) => e.seq)).toEqual(recorder.events.map((e) => e.seq));
    expect(listener.underSup).toEqual(['started root/Sup/W', 'started root/Sup', 'started root/Sup/W', 'restarted root/Sup/W']);
    expect(listener.ofW).toEqual(['failed', 'restarted']);
  });

  it('lets handlers see the shutdown, up to the root stopped', async () => {
    const { moduleRef, close } = await boot([Listener]);
    const listener = moduleRef.get(Listener);
    await close();
    expect(listener.all.at(-1)).toMatchObject({ type: 'stopped', path: 'root' });
  });

  it('logs a handler that throws or rejects, with its stack, and the stream and other handlers go on', async () => {
    const { moduleRef, recorder, logger } = await boot([Faulty, Listener]);
    const listener = moduleRef.get(Listener);
    control.fail('root/V', 'first');
    await recorder.waitFor({ type: 'restarted', path: 'root/V' });
    control.fail('root/V', 'second');
    await recorder.waitForCount({ type: 'restarted', path: 'root/V' }, 2);
    await new Promise((resolve) => setImmediate(resolve));

    expect(moduleRef.get(Faulty).calls).toBe(4);
    expect(listener.failures.map((e) => e.error.message)).toEqual(['first', 'second']);
    const logged = logger.errors.filter((e) => e.context === 'SupervisionEventHandlers');
    expect(logged.map((e) => e.message).sort()).toEqual(
      [
        MESSAGES.handlerFailed('Faulty.throws', 'failed', 'root/V', 'handler throws'),
        MESSAGES.handlerFailed('Faulty.rejects', 'failed', 'root/V', 'handler rejects'),
        MESSAGES.handlerFailed('Faulty.throws', 'failed', 'root/V', 'handler throws'),
        MESSAGES.handlerFailed('Faulty.rejects', 'failed', 'root/V', 'handler rejects'),
      ].sort(),
    );
    expect(logged.every((e) => e.stack?.includes('event-handlers.e2e-spec'))).toBe(true);
    expect(moduleRef.get(Listener).all.at(-1)).toMatchObject({ type: 'restarted', path: 'root/V' });
  });

  it('fails app.init() on an unknown event type', async () => {
    @Injectable()
    class Typo {
      @OnSupervisionEvent('crashed' as 'failed')
      handle(): void {}
    }
    const tree = cleanup.track(await compileTree({ imports: [supervision()], providers: [W, Typo] }));
    const init = tree.moduleRef.init();
    await expect(init).rejects.toThrow(InvalidEventHandlerError);
    await expect(init).rejects.toThrow(MESSAGES.handlerUnknownType('Typo.handle', 'crashed'));
  });

  it('fails app.init() on a path or class that is not in the tree', async () => {
    const Stray = defineWorker('Stray', { run: () => undefined });
    @Injectable()
    class WrongPath {
      @OnSupervisionEvent('failed', { path: 'root/Nope' })
      handle(): void {}
    }
    @Injectable()
    class WrongClass {
      @OnSupervisionEvent('failed', { path: Stray })
      handle(): void {}
    }
    const a = cleanup.track(await compileTree({ imports: [supervision()], providers: [W, WrongPath] }));
    await expect(a.moduleRef.init()).rejects.toThrow(MESSAGES.handlerBadPath('WrongPath.handle', 'root/Nope'));
    const b = cleanup.track(await compileTree({ imports: [supervision()], providers: [W, WrongClass] }));
    await expect(b.moduleRef.init()).rejects.toThrow(MESSAGES.handlerBadPath('WrongClass.handle', 'Stray'));
  });

  it('refuses a handler on a request-scoped provider', async () => {
    @Injectable({ scope: Scope.REQUEST })
    class PerRequest {
      @OnSupervisionEvent('failed')
      handle(): void {}
    }
    const tree = cleanup.track(await compileTree({ imports: [supervision()], providers: [W, PerRequest] }));
    await expect(tree.moduleRef.init()).rejects.toThrow(MESSAGES.handlerScoped('PerRequest.handle', 'request'));
  });
});
