import { Injectable } from '@nestjs/common';
import type { SupervisorOptions } from '../interfaces/options.interface.js';
import { SUPERVISOR_METADATA } from '../shared/supervision.constants.js';

/** What `@Supervisor()` stores on its class; validated when the tree is built, at `app.init()`. */
export interface SupervisorMetadata {
  readonly options: SupervisorOptions;
}

/**
 * Marks a provider as a supervisor of `children`. The class body is not used by the runtime; it
 * names the node and can hold nothing else. Also makes the class `@Injectable()`.
 */
export function Supervisor(options: SupervisorOptions = {}): ClassDecorator {
  return (target) => {
    Injectable()(target);
    const metadata: SupervisorMetadata = {
      options: { ...options, children: options.children ? [...options.children] : undefined },
    };
    Reflect.defineMetadata(SUPERVISOR_METADATA, metadata, target);
  };
}

export function getSupervisorMetadata(target: Function): SupervisorMetadata | undefined {
  return Reflect.getOwnMetadata(SUPERVISOR_METADATA, target) as SupervisorMetadata | undefined;
}
