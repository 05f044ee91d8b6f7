import { describe, expect, it } from '@jest/globals';
import { ClusterDataError } from './cluster.errors.js';
import { CLUSTER_VIEW_LIMITS, parseEvent, parseEvents, parseTree, treeRecord } from './view.data.js';

describe('what members publish for the cluster view', () => {
  it('writes a tree and reads it back', () => {
    const tree = { path: 'root', kind: 'supervisor', children: [{ path: 'root/W', status: 'running' }] };
    expect(parseTree('r1', treeRecord(JSON.stringify(tree), 1_700_000_000_000))).toEqual({ member: 'r1', at: 1_700_000_000_000, tree });
  });

  it('writes a tree larger than the limit as a truncated marker', () => {
    const json = JSON.stringify({ big: 'x'.repeat(CLUSTER_VIEW_LIMITS.treeBytes) });
    const record = treeRecord(json, 5);
    expect(record.length).toBeLessThan(100);
    expect(parseTree('r1', record)).toEqual({ member: 'r1', at: 5, truncatedBytes: json.length });
  });

  it('reads a missing tree as none', () => {
    expect(parseTree('r1', null)).toBeUndefined();
  });

  it('reads events oldest first, rebuilt from their checked fields', () => {
    const acquired = { type: 'lease-acquired', seq: 1, timestamp: 10, memberId: 'r1', unit: 'root/Shard#2', partition: 2, token: 99, extra: 'dropped' };
    const left = { type: 'member-left', seq: 2, timestamp: 11, memberId: 'r1', member: 'r2' };
    const events = parseEvents([
      ['2-0', ['e', JSON.stringify(left)]],
      ['1-0', ['e', JSON.stringify(acquired)]],
    ]);
    expect(events).toEqual([{ type: 'lease-acquired', seq: 1, timestamp: 10, memberId: 'r1', unit: 'root/Shard#2', partition: 2, token: 99 }, left]);
  });

  it.each([
    ['a tree that is not JSON', () => parseTree('r1', '{')],
    ['a tree without its version', () => parseTree('r1', '{"at":1,"tree":{}}')],
    ['a tree nested too deep', () => parseTree('r1', `{"v":1,"at":1,"tree":${'['.repeat(70)}${']'.repeat(70)}}`)],
    ['a tree record larger than any tree', () => parseTree('r1', 'x'.repeat(CLUSTER_VIEW_LIMITS.treeBytes + 100))],
    ['an event of an unknown type', () => parseEvent('{"type":"exec","seq":1,"timestamp":1,"memberId":"r1"}')],
    ['an event whose partition does not match its unit', () => parseEvent('{"type":"lease-acquired","seq":1,"timestamp":1,"memberId":"r1","unit":"U#2","partition":3,"token":5}')],
    ['an event with a bad cause', () => parseEvent('{"type":"lease-lost","seq":1,"timestamp":1,"memberId":"r1","unit":"U","token":5,"cause":"rm -rf"}')],
    ['a stream entry of another shape', () => parseEvents([['1-0', ['x', '{}']]])],
  ])('rejects %s with a ClusterDataError', (_, read) => {
    expect(read).toThrow(ClusterDataError);
  });
});
