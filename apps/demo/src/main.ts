import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { bootstrapSupervised } from '#supertrees';
import { ChaosService } from './chaos/chaos.service.js';
import { demoConfig } from './demo.config.js';
import { WorkersModule } from './workers.module.js';

// One entry for both roles: the HTTP app, and each supervisor process it forks. A supervisor process
// boots WorkersModule, and never even loads the app's own module (the dashboard, Terminus, Prometheus,
// the terminal view): AppModule is imported only when this process is the app.
await bootstrapSupervised(
  WorkersModule,
  async () => {
    const { AppModule } = await import('./app.module.js');
    // Quiet while Nest boots (module-by-module lines), then the workers' own log lines too.
    const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
    app.enableShutdownHooks();
    await app.listen(demoConfig.port, '127.0.0.1');
    app.useLogger(['log', 'error', 'warn']);
    const url = await app.getUrl();
    process.stdout.write(
      `\nlistening on ${url}\n  open ${url}/dashboard    (the live dashboard)\n  GET  ${url}/supervision/tree\n  GET  ${url}/supervision/events   (Server-Sent Events)\n` +
        `  POST ${url}/supervision/crash?path=root/IngestSupervisor/FeedPoller\n` +
        `  POST ${url}/supervision/kill?path=root/IngestSupervisor\n` +
        `  GET  ${url}/health   (/health/live, /health/ready)\n  GET  ${url}/metrics\nCtrl-C stops everything.\n\n`,
    );
    process.once('exit', () => app.get(ChaosService).cleanup());
  },
  { contextOptions: { logger: ['error', 'warn'] } },
);
