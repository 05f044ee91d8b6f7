import {
  BadGatewayException,
  BadRequestException,
  Body,
  GatewayTimeoutException,
  HttpException,
  HttpStatus,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  ServiceUnavailableException,
  UnprocessableEntityException,
} from '@nestjs/common';
import {
  CallRejectedError,
  CallTimeoutError,
  ChildIdTakenError,
  ChildStartError,
  ChildStateError,
  InvalidChildSpecError,
  InvalidMessageError,
  MailboxFullError,
  MaxChildrenError,
  NodeUnavailableError,
  RequestTimeoutError,
  SupervisionService,
  UnknownNodeError,
  WorkerCrashedError,
  WorkerRestartingError,
  WorkerStoppedError,
  type ChildInfo,
  type ChildRef,
} from '#supertrees';
import { TenantWorker, type TenantArgs, type TenantJobReply } from './tenant.worker.js';
import { TenantsSupervisor } from './tenants.supervisor.js';

/**
 * Tenants over HTTP, one worker each:
 *   curl -X POST localhost:3000/tenants/acme -H 'content-type: application/json' -d '{"rate": 5}'
 *   curl localhost:3000/tenants
 *   curl -X POST localhost:3000/tenants/acme/terminate     (stays stopped)
 *   curl -X POST localhost:3000/tenants/acme/restart
 *   curl -X POST localhost:3000/tenants/acme/jobs -H 'content-type: application/json' -d '{"job": "resize", "workMs": 200}'
 *   curl -X DELETE localhost:3000/tenants/acme
 */
@Controller('tenants')
export class TenantsController {
  constructor(private readonly supervision: SupervisionService) {}

  @Get()
  list(): Promise<ChildInfo[]> {
    return this.http(this.supervision.whichChildren(TenantsSupervisor));
  }

  @Post(':id')
  create(@Param('id') id: string, @Body() body: TenantArgs | undefined): Promise<ChildRef> {
    const args: TenantArgs = {};
    if (body?.rate !== undefined) args.rate = body.rate;
    return this.http(this.supervision.startChild(TenantsSupervisor, TenantWorker, { id, args }));
  }

  /** Sends a job to the tenant's worker with `call`, in its process, and answers its reply. */
  @Post(':id/jobs')
  @HttpCode(200)
  job(@Param('id') id: string, @Body() body: unknown): Promise<TenantJobReply> {
    return this.http(this.supervision.call<TenantJobReply>(this.pathOf(id), body ?? {}, { timeoutMs: 15_000 }));
  }

  @Post(':id/terminate')
  @HttpCode(200)
  async terminate(@Param('id') id: string): Promise<{ terminated: string }> {
    await this.http(this.supervision.terminateChild(this.pathOf(id)));
    return { terminated: this.pathOf(id) };
  }

  @Post(':id/restart')
  @HttpCode(200)
  async restart(@Param('id') id: string): Promise<{ restarted: string }> {
    await this.http(this.supervision.restartChild(this.pathOf(id)));
    return { restarted: this.pathOf(id) };
  }

  @Delete(':id')
  async remove(@Param('id') id: string): Promise<{ deleted: string }> {
    await this.http(this.supervision.deleteChild(this.pathOf(id)));
    return { deleted: this.pathOf(id) };
  }

  private pathOf(id: string): string {
    return `${this.supervision.pathOf(TenantsSupervisor)}/${TenantWorker.name}:${id}`;
  }

  /** The library's typed errors, as HTTP statuses. */
  private async http<T>(command: Promise<T>): Promise<T> {
    try {
      return await command;
    } catch (error) {
      if (error instanceof UnknownNodeError) throw new NotFoundException(error.message);
      if (error instanceof InvalidChildSpecError) throw new BadRequestException(error.message);
      if (error instanceof ChildIdTakenError || error instanceof ChildStateError || error instanceof MaxChildrenError) {
        throw new ConflictException(error.message);
      }
      if (error instanceof ChildStartError) throw new UnprocessableEntityException(error.message);
      // A call's answers: a bad job, a busy or stopped worker, one that is restarting or crashed.
      if (error instanceof InvalidMessageError) throw new BadRequestException(error.message);
      if (error instanceof CallRejectedError) throw new UnprocessableEntityException(error.message);
      if (error instanceof MailboxFullError) throw new HttpException(error.message, HttpStatus.TOO_MANY_REQUESTS);
      if (error instanceof WorkerStoppedError) throw new ConflictException(error.message);
      if (error instanceof WorkerRestartingError) throw new ServiceUnavailableException(error.message);
      if (error instanceof CallTimeoutError) throw new GatewayTimeoutException(error.message);
      if (error instanceof WorkerCrashedError) throw new BadGatewayException(error.message);
      if (error instanceof NodeUnavailableError || error instanceof RequestTimeoutError) throw new ServiceUnavailableException(error.message);
      throw error;
    }
  }
}
