import { describe, expect, it } from '@jest/globals';
import type { SupervisionService } from '../index.js';
import { resolveDashboardActions } from './dashboard.actions.js';

describe('resolveDashboardActions', () => {
  it('finds no actions on a service without per-node control, or with only half of it', () => {
    expect(resolveDashboardActions({} as SupervisionService)).toBeUndefined();
    expect(resolveDashboardActions({ terminateChild: async () => undefined } as unknown as SupervisionService)).toBeUndefined();
  });

  it('calls terminateChild / restartChild on the service itself, with the path', async () => {
    const calls: string[] = [];
    const service = {
      name: 'svc',
      async terminateChild(this: { name: string }, path: string) {
        calls.push(`${this.name} terminate ${path}`);
        return { ignored: true };
      },
      async restartChild(this: { name: string }, path: string) {
        calls.push(`${this.name} restart ${path}`);
      },
    };
    const actions = resolveDashboardActions(service as unknown as SupervisionService)!;
    await expect(actions.terminate('root/A')).resolves.toBeUndefined();
    await actions.restart('root/A');
    expect(calls).toEqual(['svc terminate root/A', 'svc restart root/A']);
  });
});
