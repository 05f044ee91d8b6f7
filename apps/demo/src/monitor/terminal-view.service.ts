import { Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { isSupervisorProcess, ofType, SupervisionService } from '#supertrees';
import { auditTime, filter, type Subscription } from 'rxjs';
import { demoConfig } from '../demo.config.js';
import { formatEvent, formatTree } from './tree-format.js';

/** Prints every event as a line, and the whole tree whenever a supervisor (re)starts. Main process only. */
@Injectable()
export class TerminalView implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly subscriptions: Subscription[] = [];
  private readonly lastPid = new Map<string, number>();

  constructor(private readonly supervision: SupervisionService) {}

  onApplicationBootstrap(): void {
    if (isSupervisorProcess() || !demoConfig.terminalView) return;
    this.subscriptions.push(
      this.supervision.events$.subscribe((event) => {
        const previous = this.lastPid.get(event.path);
        if (event.type === 'started' && event.processPid) this.lastPid.set(event.path, event.processPid);
        process.stdout.write(`${formatEvent(event, previous)}\n`);
      }),
      // The whole tree again whenever a supervisor (re)started or something gave up.
      this.supervision.events$
        .pipe(
          ofType('started', 'gave-up', 'tree-failed'),
          filter((event) => event.kind === 'supervisor'),
          auditTime(300),
        )
        .subscribe(() => this.printTree()),
    );
  }

  onModuleDestroy(): void {
    this.subscriptions.forEach((s) => s.unsubscribe());
  }

  printTree(): void {
    const lines = formatTree(this.supervision.snapshot());
    process.stdout.write(`\n${lines.map((l) => `    ${l}`).join('\n')}\n\n`);
  }
}
