import { Injectable } from '@nestjs/common';
import type { WorkerOptions } from '../interfaces/options.interface.js';
import { WORKER_METADATA } from '../shared/supervision.constants.js';

/** What `@Worker()` stores on its class; validated when the tree is built, at `app.init()`. */
export interface WorkerMetadata {
  readonly options: WorkerOptions;
}

/**
 * Marks a provider as a supervised worker: a singleton whose `run()` the tree runs and restarts.
 * Also makes the class `@Injectable()`. Add it to a module's `providers` as usual.
 */
export function Worker(options: WorkerOptions = {}): ClassDecorator {
  return (target) => {
    Injectable()(target);
    const metadata: WorkerMetadata = { options: { ...options } };
    Reflect.defineMetadata(WORKER_METADATA, metadata, target);
  };
}

export function getWorkerMetadata(target: Function): WorkerMetadata | undefined {
  return Reflect.getOwnMetadata(WORKER_METADATA, target) as WorkerMetadata | undefined;
}
