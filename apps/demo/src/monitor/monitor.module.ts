import { Module } from '@nestjs/common';
import { SupervisionController } from './supervision.controller.js';
import { TerminalView } from './terminal-view.service.js';
import { TreeWatchdog } from './tree-watchdog.worker.js';

@Module({ controllers: [SupervisionController], providers: [TerminalView, TreeWatchdog] })
export class MonitorModule {}
