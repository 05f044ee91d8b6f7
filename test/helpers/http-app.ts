// A real Nest HTTP application on a loopback port, for the tests of the integrations that serve HTTP.
import type { AddressInfo } from 'node:net';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';

export interface HttpApp {
  readonly app: INestApplication;
  /** GET `path`; the body parsed as JSON when it is JSON. */
  get(path: string): Promise<{ status: number; body: unknown; text: string }>;
  close(): Promise<void>;
}

/**
 * Compiles `metadata` into an Express application. `listen` is awaited unless `listen: false`, so
 * a test can also look at the app while `listen()` is still under way.
 */
export async function createHttpApp(metadata: ModuleMetadata): Promise<HttpApp> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  let closing: Promise<void> | undefined;
  return {
    app,
    get: async (path) => {
      const { port } = app.getHttpServer().address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body, text };
    },
    close: () => (closing ??= app.close()),
  };
}
