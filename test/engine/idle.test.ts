import { describe, expect, it } from 'vitest';
import { liveSession } from '../../src/engine/live-session.js';
import { serialFamily } from '../../src/engine/families/serial.js';
import { InputQueue } from '../../src/engine/input-queue.js';
import * as A from '../machine/cpu/asm.js';

/** A guest that enables no interrupt and sleeps forever: `wfi; j wfi`. */
const sleeper = { entry: 0x8000_0000, segments: [{ address: 0x8000_0000, data: A.assemble([A.wfi(), A.jal(0, -4)]) }] };

async function runSleeper(serial: InputQueue, idle: 'skip' | 'realtime') {
  const session = liveSession({
    image: sleeper,
    config: { ramBytes: 1 << 20, icountShift: 3 },
    maxInsns: 1_000_000,
    input: serial,
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
      const serial = new InputQueue();
      serial.push(serialFamily.capture(new TextEncoder().encode('more than the UART holds')));
      serial.close();
      const result = await runSleeper(serial, idle);
      expect(result.stop).toEqual({ kind: 'idle' });
      expect(serial.pending).toBe(true);
    });
  }

  it('waits for new input while stdin is open, then stops once it closes', async () => {
    const serial = new InputQueue();
    const done = runSleeper(serial, 'skip');
    let settled = false;
    void done.then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    serial.push(serialFamily.capture(new TextEncoder().encode('x')));
    serial.close();
    expect((await done).stop).toEqual({ kind: 'idle' });
  });
});

describe('a guest that sleeps on the timer all the time', () => {
  it('still lets host timers and signals run: a shutdown requested from a timer ends the run', async () => {
    const { t0, t1, t2, a0 } = A.Reg;
    // mtimecmp = mtime + 100, wfi, repeat (MTIE on, interrupts globally off: wfi just wakes).
    const program = [
      A.lui(t0, 0x2004), // 0x0200_4000 mtimecmp
      A.sw(0, t0, 4),
      A.lui(t1, 0x200c), // 0x0200_c000; mtime lies 8 bytes below
      A.addi(t2, 0, 0x80),
      A.csrrs(0, 0x304, t2), // mie.MTIE
      A.lw(a0, t1, -8),
      A.addi(a0, a0, 100),
      A.sw(a0, t0, 0),
      A.wfi(),
      A.jal(0, -16),
    ];
    const image = { entry: 0x8000_0000, segments: [{ address: 0x8000_0000, data: A.assemble(program) }] };
    const session = liveSession({
      image,
      config: { ramBytes: 1 << 20, icountShift: 3 },
      // A bound, so that a regression fails this test instead of hanging it.
      maxInsns: 5_000_000,
      input: new InputQueue(),
      interactive: false,
      idle: 'skip',
      record: null,
      onConsole: () => {},
    });
    // The timer only fires if the session yields to the event loop while the guest sleeps.
    setTimeout(() => session.mode.requestShutdown('test'), 100);
    const { result } = await session.run();
    expect(result.stop).toEqual({ kind: 'shutdown', reason: 'test' });
    expect(result.icount).toBeGreaterThan(1000);
  });
});
