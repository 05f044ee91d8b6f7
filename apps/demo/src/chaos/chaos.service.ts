import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';

/**
 * Lets the HTTP API crash a chosen worker wherever it runs. A request is a file named after the
 * worker's path in a folder every process of the app shares (its name travels in the
 * environment, which forked supervisor processes inherit); the worker checks for it on each loop.
 */
@Injectable()
export class ChaosService {
  private readonly dir: string;

  constructor() {
    process.env.DEMO_CHAOS_DIR ??= join(tmpdir(), `nestjs-supertrees-demo-${process.pid}`);
    this.dir = process.env.DEMO_CHAOS_DIR;
  }

  /** Asks the worker at `path` to crash at its next step. */
  requestCrash(path: string): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(this.file(path), new Date().toISOString());
  }

  /** Throws if a crash was requested for `path` (and consumes the request). */
  crashIfRequested(path: string): void {
    const file = this.file(path);
    if (!existsSync(file)) return;
    rmSync(file, { force: true });
    throw new Error(`crash requested through the API`);
  }

  /** Removes the folder (the main process, at shutdown). */
  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private file(path: string): string {
    return join(this.dir, encodeURIComponent(path));
  }
}
