import { Module } from '@nestjs/common';
import { TenantWorker } from './tenant.worker.js';
import { TenantsController } from './tenants.controller.js';
import { TenantsSupervisor } from './tenants.supervisor.js';

@Module({ controllers: [TenantsController], providers: [TenantWorker, TenantsSupervisor] })
export class TenantsModule {}
