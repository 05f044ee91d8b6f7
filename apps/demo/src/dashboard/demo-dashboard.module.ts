import { Module } from '@nestjs/common';
import { SupervisionDashboardModule } from '#supertrees/dashboard';
import { LoopbackGuard } from './loopback.guard.js';

/**
 * The live dashboard at /dashboard. Actions (terminate, restart a node) are on here so the demo
 * can show them; they are off unless enabled, and only do something with a library version that
 * has per-node control.
 */
@Module({
  imports: [SupervisionDashboardModule.register({ path: 'dashboard', guard: LoopbackGuard, actions: true })],
})
export class DemoDashboardModule {}
