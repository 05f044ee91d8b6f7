import { describe, expect, it } from '@jest/globals';
import { WorkerStoppedError } from '../errors/call.errors.js';
import { DEFAULTS } from '../shared/supervision.defaults.js';
import type { WorkerNode } from '../tree/tree.types.js';
import { Mailboxes } from './mailboxes.js';

const node = (path: string) => ({ kind: 'worker', path, mailbox: { ...DEFAULTS.mailbox } }) as unknown as WorkerNode;

describe('Mailboxes.get', () => {
  it('finds the mailbox looked up last again, and forgets it once deleted', async () => {
    const mailboxes = new Mailboxes(undefined);
    const first = mailboxes.for(node('root/A'));
    const other = mailboxes.for(node('root/B'));
    expect(mailboxes.get('root/A')).toBe(first);
    expect(mailboxes.get('root/A')).toBe(first);
    expect(mailboxes.get('root/B')).toBe(other);
    expect(mailboxes.get('root/A')).toBe(first);
    mailboxes.delete('root/A');
    // The deleted mailbox was the one looked up last: it must not be found again.
    expect(mailboxes.get('root/A')).toBeUndefined();
    const again = mailboxes.for(node('root/A'));
    expect(again).not.toBe(first);
    expect(mailboxes.get('root/A')).toBe(again);
    await expect(first.call({ n: 1 }, 1_000)).rejects.toBeInstanceOf(WorkerStoppedError);
    mailboxes.close();
  });
});
