import { BadRequestException, Controller, Get, HttpCode, NotFoundException, Post, Query, Sse, type MessageEvent } from '@nestjs/common';
import { SupervisionService, type NodeSnapshot } from '#supertrees';
import { concat, map, of, type Observable } from 'rxjs';
import { ChaosService } from '../chaos/chaos.service.js';

/** The tree over HTTP: its state, its live events, and two ways to break it on purpose. */
@Controller('supervision')
export class SupervisionController {
  constructor(
    private readonly supervision: SupervisionService,
    private readonly chaos: ChaosService,
  ) {}

  /** The whole tree now, across processes. */
  @Get('tree')
  tree(): NodeSnapshot {
    return this.supervision.snapshot();
  }

  /** Server-Sent Events: the tree now (`snapshot`), then every lifecycle event as it happens. */
  @Sse('events')
  events(): Observable<MessageEvent> {
    return concat(
      of({ type: 'snapshot', data: this.supervision.snapshot() }),
      this.supervision.events$.pipe(map((event) => ({ type: event.type, id: String(event.seq), data: event }))),
    );
  }

  /** Makes the worker at `path` throw at its next step, in whatever process it runs. */
  @Post('crash')
  @HttpCode(202)
  crash(@Query('path') path: string): { requested: string } {
    const node = this.find(path);
    if (node.kind !== 'worker') throw new BadRequestException(`${path} is a supervisor; crash a worker, or kill a supervisor process`);
    this.chaos.requestCrash(path);
    return { requested: path };
  }

  /** SIGKILLs the process of the supervisor at `path`. */
  @Post('kill')
  kill(@Query('path') path: string): { killed: number } {
    const node = this.find(path);
    if (node.kind !== 'supervisor' || node.isolation !== 'process' || node.pid === undefined || node.state !== 'running') {
      throw new BadRequestException(`${path} is not a running supervisor process`);
    }
    process.kill(node.pid, 'SIGKILL');
    return { killed: node.pid };
  }

  private find(path: string | undefined): NodeSnapshot {
    if (!path) throw new BadRequestException('give the node as ?path=root/...');
    const search = (node: NodeSnapshot): NodeSnapshot | undefined =>
      node.path === path ? node : (node.children ?? []).map(search).find(Boolean);
    const node = search(this.supervision.snapshot());
    if (!node) throw new NotFoundException(`no node at ${path}`);
    return node;
  }
}
