import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { SupervisionHealthIndicator } from '#supertrees/terminus';

/** Probes for an orchestrator: `/health/live` and `/health/ready`, and both at once on `/health`. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly supervision: SupervisionHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  both() {
    return this.health.check([() => this.supervision.isAlive('liveness'), () => this.supervision.isReady('readiness')]);
  }

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.supervision.isAlive()]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.supervision.isReady()]);
  }
}
