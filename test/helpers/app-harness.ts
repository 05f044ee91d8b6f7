import type { INestApplicationContext, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SupervisionModule, SupervisionService, type SupervisionModuleOptions } from '../../libs/supertrees/src/index.js';
import { EventRecorder } from './event-recorder.js';

export interface Harness {
  app: INestApplicationContext;
  service: SupervisionService;
  recorder: EventRecorder;
  close(): Promise<void>;
}

/**
 * Boots a Nest application context with the given providers (and modules) under
 * `SupervisionModule.forRoot(options)`, recording every event from the very first.
 */
export async function bootTree(
  providers: Type<unknown>[],
  options: SupervisionModuleOptions = {},
  imports: Type<unknown>[] = [],
): Promise<Harness> {
  const moduleRef = await Test.createTestingModule({
    imports: [SupervisionModule.forRoot({ onTreeFailure: 'keep-running', logging: false, ...options }), ...imports],
    providers,
  }).compile();
  moduleRef.useLogger(false);
  const service = moduleRef.get(SupervisionService);
  const recorder = new EventRecorder(service.events$);
  await moduleRef.init();
  let closed = false;
  return {
    app: moduleRef,
    service,
    recorder,
    close: async () => {
      if (closed) return;
      closed = true;
      await moduleRef.close();
      recorder.stop();
    },
  };
}
