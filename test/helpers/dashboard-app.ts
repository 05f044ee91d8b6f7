import { Injectable, Module, type CanActivate, type ExecutionContext, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  SupervisionModule,
  SupervisionService,
  Supervisor,
  Worker,
  type SupervisedWorker,
  type WorkerContext,
} from '../../libs/supertrees/src/index.js';
import { SupervisionDashboardModule, type SupervisionDashboardOptions } from '../../libs/supertrees/src/dashboard/index.js';
import { EventRecorder } from '#supertrees/testing';

/** The header a request needs to pass {@link KeyGuard}. */
export const KEY_HEADER = 'x-test-key';
export const KEY = 'let-me-in';

/** Lets a test make `Crashy` fail with a message of its choice, at once. */
@Injectable()
export class CrashSwitch {
  private fail?: (error: Error) => void;
  arm(fail: (error: Error) => void): void {
    this.fail = fail;
  }
  crash(message: string): void {
    this.fail?.(new Error(message));
  }
}

@Worker({ backoff: { minDelayMs: 1, maxDelayMs: 1 } })
export class Steady implements SupervisedWorker {
  run(ctx: WorkerContext): Promise<void> {
    return new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
  }
}

@Worker({ backoff: { minDelayMs: 1, maxDelayMs: 1 } })
export class Crashy implements SupervisedWorker {
  constructor(private readonly crashSwitch: CrashSwitch) {}
  run(ctx: WorkerContext): Promise<void> {
    return new Promise((resolve, reject) => {
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      this.crashSwitch.arm(reject);
    });
  }
}

@Supervisor({ children: [Steady, Crashy], isolation: 'none' })
export class Ops {}

/** Where the guard's key comes from: a provider of another module, to show that a guard class gets DI. */
@Injectable()
export class KeyStore {
  readonly key = KEY;
}

@Module({ providers: [KeyStore], exports: [KeyStore] })
export class KeyModule {}

/** Lets a request through when it carries the key from {@link KeyStore}. */
@Injectable()
export class KeyGuard implements CanActivate {
  constructor(private readonly keys: KeyStore) {}
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    return request.headers[KEY_HEADER] === this.keys.key;
  }
}

export interface DashboardApp {
  app: INestApplication;
  url: string;
  service: SupervisionService;
  recorder: EventRecorder;
  crash(message: string): void;
  close(): Promise<void>;
}

/**
 * An Express app in this process with a small in-process tree (root > Ops > Steady, Crashy) and
 * the dashboard mounted with the given options (by default at `ops/tree`, behind {@link KeyGuard}),
 * on Express (the default) or Fastify.
 */
export async function startDashboardApp(
  options: Partial<SupervisionDashboardOptions> = {},
  platform: 'express' | 'fastify' = 'express',
): Promise<DashboardApp> {
  @Module({
    imports: [
      SupervisionModule.forRoot({ onTreeFailure: 'keep-running', logging: false }),
      SupervisionDashboardModule.register({ path: 'ops/tree', guard: KeyGuard, imports: [KeyModule], ...options }),
    ],
    providers: [CrashSwitch, Steady, Crashy, Ops],
  })
  class DashboardTestModule {}

  const app =
    platform === 'express'
      ? await NestFactory.create(DashboardTestModule, { logger: false })
      : await NestFactory.create(DashboardTestModule, new (await import('@nestjs/platform-fastify')).FastifyAdapter(), { logger: false });
  const service = app.get(SupervisionService);
  const recorder = new EventRecorder(service.events$);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  let closed = false;
  return {
    app,
    url,
    service,
    recorder,
    crash: (message) => app.get(CrashSwitch).crash(message),
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
      recorder.stop();
    },
  };
}
