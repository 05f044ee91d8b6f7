// The integrations' libraries are optional peers: an app without them must be able to load and
// run the library's main entry, which must import none of them; each integration loads its own.
import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { runNode } from './helpers/node-run.js';

const dist = (path: string) => join(process.cwd(), 'dist/libs/supertrees/src', path);

describe('optional peer dependencies', () => {
  it('the main entry runs a tree without @nestjs/terminus, prom-client or @opentelemetry/api; each integration entry needs its own', async () => {
    const run = await runNode<{ main: string; subpaths: Record<string, string> }>(join(process.cwd(), 'dist/test/fixtures/optional-peers-run.js'), {
      tag: 'RESULT',
      timeoutMs: 30_000,
      env: {
        MAIN_ENTRY: dist('index.js'),
        SUBPATHS: JSON.stringify({
          terminus: dist('integrations/terminus/index.js'),
          prometheus: dist('integrations/prometheus/index.js'),
          opentelemetry: dist('integrations/opentelemetry/index.js'),
        }),
      },
    });
    expect(run.result.main).toBe('ran: running');
    // The same hook that let the main entry through stops each integration at its own library.
    expect(run.result.subpaths).toEqual({
      terminus: 'failed: optional peer not installed: @nestjs/terminus',
      prometheus: 'failed: optional peer not installed: prom-client',
      opentelemetry: 'failed: optional peer not installed: @opentelemetry/api',
    });
  });
});
