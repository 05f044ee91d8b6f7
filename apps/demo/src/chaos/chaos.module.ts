import { Global, Module } from '@nestjs/common';
import { ChaosService } from './chaos.service.js';

@Global()
@Module({ providers: [ChaosService], exports: [ChaosService] })
export class ChaosModule {}
