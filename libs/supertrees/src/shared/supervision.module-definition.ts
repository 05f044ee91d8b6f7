import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { SupervisionModuleOptions } from '../interfaces/options.interface.js';

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: SUPERVISION_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SupervisionModuleOptions>({ moduleName: 'Supervision' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
