// A raw TCP client of a direct call channel's listener, for the tests that play a stranger or a peer
// by hand: the frames it reads, one at a time, and `closed` once the listener hung up.
import { connect, type Socket } from 'node:net';
import { FrameReader } from '../../libs/supertrees/src/cluster/direct.frames.js';

export function rawConnection(port: number): { socket: Socket; next: () => Promise<string>; closed: Promise<void> } {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  const reader = new FrameReader(1 << 20);
  const texts: string[] = [];
  let wake: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    texts.push(...reader.push(chunk));
    wake?.();
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const next = async (): Promise<string> => {
    while (texts.length === 0) {
      if (socket.destroyed) throw new Error('closed before the next frame');
      await Promise.race([new Promise<void>((resolve) => (wake = resolve)), closed]);
    }
    return texts.shift()!;
  };
  return { socket, next, closed };
}
