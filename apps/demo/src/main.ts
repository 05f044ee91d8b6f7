import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { bootstrapSupervised } from '#supertrees';
import { AppModule } from './app.module.js';
import { ChaosService } from './chaos/chaos.service.js';
import { demoConfig } from './demo.config.js';
import { WorkersModule } from './workers.module.js';

// One entry for both roles: the HTTP app, and each supervisor process it forks (which boots the
// leaner WorkersModule, not the whole app).
await bootstrapSupervised(
  AppModule,
  async () => {
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
  { processModule: WorkersModule, contextOptions: { logger: ['error', 'warn'] } },
);
