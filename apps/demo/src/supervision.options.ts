import type { SupervisionModuleOptions } from '#supertrees';
import { demoConfig } from './demo.config.js';

/**
 * The demo's `SupervisionModule.forRoot` options, one object for the app (`AppModule`) and for its
 * supervisor processes (`WorkersModule`), which must agree on them. The terminal view reports every
 * failure, so the library's own failure logs are switched off. With SUPERTREES_CLUSTER_REDIS set
 * (npm run demo:cluster), cluster mode and its placed workers.
 */
export const supervisionOptions: SupervisionModuleOptions = {
  strategy: 'one-for-one',
  logging: false,
  ...(demoConfig.cluster ? { cluster: demoConfig.cluster } : {}),
};
