import { describe, expect, it } from 'vitest';
import { liveSession } from '../../src/engine/live-session.js';
import { SerialQueue } from '../../src/engine/serial-queue.js';
import * as A from '../machine/cpu/asm.js';

/** A guest that enables no interrupt and sleeps forever: `wfi; j wfi`. */
const sleeper = { entry: 0x8000_0000, segments: [{ address: 0x8000_0000, data: A.assemble([A.wfi(), A.jal(0, -4)]) }] };

async function runSleeper(serial: SerialQueue, idle: 'skip' | 'realtime') {
  const session = liveSession({
    image: sleeper,
    config: { ramBytes: 1 << 20, icountShift: 3 },
    maxInsns: 1_000_000,
    serial,
    interactive: false,
    idle,
    record: null,
    onConsole: () => {},
  });
  return (await session.run()).result;
}

describe('a guest idling with nothing that can wake it', () => {
  for (const idle of ['skip', 'realtime'] as const) {
    it(`stops with "idle" (--idle ${idle}) even while input it never reads is still queued`, async () => {
      const serial = new SerialQueue();
      serial.push(new TextEncoder().encode('more than the UART holds'));
      serial.close();
      const result = await runSleeper(serial, idle);
      expect(result.stop).toEqual({ kind: 'idle' });
      expect(serial.pending).toBe(true);
    });
  }

  it('waits for new input while stdin is open, then stops once it closes', async () => {
    const serial = new SerialQueue();
    const done = runSleeper(serial, 'skip');
    let settled = false;
    void done.then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    serial.push(new TextEncoder().encode('x'));
    serial.close();
    expect((await done).stop).toEqual({ kind: 'idle' });
  });
});
