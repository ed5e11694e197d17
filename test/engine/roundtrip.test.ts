import { afterAll, describe, expect, it } from 'vitest';
import { bytesOf, EXAMPLE_GUESTS, guestElf, recordGuest, replayLog, stopText, tempDir } from './harness.js';
import type { ExampleGuest, RecordOptions, Recording, SerialInput } from './harness.js';

const temp = tempDir('roundtrip');
afterAll(temp.remove);

const ECHO_LINE = 'Hello, replay! 0123456789\n';

/** Scripted input per guest (echo: a line of text, then 'q'). */
function inputFor(guest: ExampleGuest): SerialInput {
  if (guest !== 'echo') return { kind: 'none' };
  return {
    kind: 'script',
    steps: [
      { delayMs: 5, bytes: bytesOf(ECHO_LINE) },
      { delayMs: 5, bytes: bytesOf('q') },
    ],
  };
}

/** cpu-bench runs ~400 M instructions: bound it (as `--max-insns 20M`). */
const MAX_INSNS: Partial<Record<ExampleGuest, number>> = { 'cpu-bench': 20_000_000 };

function record(guest: ExampleGuest, name: string, extra: Partial<RecordOptions> = {}): Promise<Recording> {
  return recordGuest({
    elf: guestElf(guest),
    logPath: temp.path(name),
    input: inputFor(guest),
    maxInsns: MAX_INSNS[guest],
    ...extra,
  });
}

describe('record then replay of every example guest', () => {
  for (const guest of EXAMPLE_GUESTS) {
    it(`replays ${guest} with byte-identical console, equal final digest and the same stop`, async () => {
      const rec = await record(guest, `${guest}.rrlog`);
      expect(rec.console.length).toBeGreaterThan(0);
      expect(rec.stop.kind).toBe(guest === 'cpu-bench' ? 'limit' : 'halt');
      const rep = await replayLog(rec.logPath);
      expect(rep.complete).toBe(true);
      expect(rep.console.equals(rec.console)).toBe(true);
      expect(rep.digest).toBe(rec.digest);
      expect(stopText(rep.stop)).toBe(stopText(rec.stop));
      expect(rep.icount).toBe(rec.icount);
      expect(rep.icount).toBe(rec.footer.endIcount);
    });
  }

  it('records what the echo guest was sent: the line, then q, then the count', async () => {
    const rec = await record('echo', 'echo-content.rrlog');
    const text = rec.console.toString('latin1');
    expect(text).toContain(ECHO_LINE + 'q');
    expect(text).toContain(`echoed ${ECHO_LINE.length + 1} bytes`);
    expect(rec.footer.counts.CHAR_READ).toBeGreaterThan(0);
  });

  it('records the clock guest with CLOCK and WARP events that replay reproduces', async () => {
    const rec = await record('clock', 'clock-content.rrlog');
    expect(rec.footer.counts.CLOCK).toBe(6);
    expect(rec.footer.counts.WARP).toBeGreaterThan(0);
    expect(rec.console.toString('latin1')).toContain('clock: done');
  });
});

describe('replay is byte-identical every time', () => {
  for (const guest of ['echo', 'clock'] as const) {
    it(`replays one ${guest} recording 100 times identically`, async () => {
      const rec = await record(guest, `${guest}-x100.rrlog`);
      for (let i = 0; i < 100; i++) {
        const rep = await replayLog(rec.logPath);
        expect.soft(rep.console.equals(rec.console), `replay ${i}: console`).toBe(true);
        expect.soft(rep.digest, `replay ${i}: digest`).toBe(rec.digest);
        expect.soft(stopText(rep.stop), `replay ${i}: stop`).toBe(stopText(rec.stop));
      }
    });

    it(`records ${guest} 10 times and replays each identically`, async () => {
      for (let i = 0; i < 10; i++) {
        const rec = await record(guest, `${guest}-r${i}.rrlog`);
        const rep = await replayLog(rec.logPath);
        expect.soft(rep.console.equals(rec.console), `recording ${i}: console`).toBe(true);
        expect.soft(rep.digest, `recording ${i}: digest`).toBe(rec.digest);
        expect.soft(stopText(rep.stop), `recording ${i}: stop`).toBe(stopText(rec.stop));
      }
    });
  }
});
