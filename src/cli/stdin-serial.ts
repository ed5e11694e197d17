import { SerialQueue } from '../engine/serial-queue.js';

const CTRL_A = 0x01;

/**
 * Feeds the process's stdin into a SerialQueue: raw mode on a TTY (Ctrl-A X quits, Ctrl-A
 * Ctrl-A sends one Ctrl-A, as in QEMU), or the bytes of a pipe or file until EOF.
 * Returns the queue and a `detach` that restores the terminal.
 */
export function stdinSerial(onQuit: (reason: string) => void): { queue: SerialQueue; detach: () => void } {
  const queue = new SerialQueue();
  const stdin = process.stdin;
  const tty = stdin.isTTY === true;
  let escape = false;
  const onData = (data: Buffer): void => {
    if (!tty) return queue.push(new Uint8Array(data));
    const out: number[] = [];
    for (const byte of data) {
      if (escape) {
        escape = false;
        if (byte === 0x78 || byte === 0x58) return onQuit('Ctrl-A X pressed');
        if (byte === CTRL_A) out.push(CTRL_A);
      } else if (byte === CTRL_A) escape = true;
      else out.push(byte);
    }
    queue.push(Uint8Array.from(out));
  };
  const onEnd = (): void => queue.close();
  if (tty) stdin.setRawMode(true);
  stdin.on('data', onData);
  stdin.on('end', onEnd);
  stdin.on('error', onEnd);
  const detach = (): void => {
    stdin.off('data', onData);
    stdin.off('end', onEnd);
    if (tty) stdin.setRawMode(false);
    stdin.pause();
  };
  return { queue, detach };
}
