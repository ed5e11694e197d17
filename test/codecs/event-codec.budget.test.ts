import { afterAll, describe, expect, it } from 'vitest';
import type { RrEvent } from '../../src/core/event.js';
import { LogReader } from '../../codecs/index.js';
import type { LogCompression } from '../../codecs/index.js';
import { readAll, removeTempLogs, writeLog } from './log-fixtures.js';

afterAll(removeTempLogs);

/** Deterministic PRNG (mulberry32) so the measurement is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A guest polling the RTC in a loop: reads 20–200 instructions apart, wall-clock values 1–5 µs apart. */
function clockReadLoop(n: number): RrEvent[] {
  const random = prng(42);
  const events: RrEvent[] = [];
  let icount = 1_000;
  // Host wall-clock ns at 1.8e18 are doubles spaced 256 ns apart.
  let value = 1.8e18 + 123_456 * 256;
  for (let seq = 0; seq < n; seq++) {
    icount += 20 + Math.floor(random() * 181);
    value += 256 * (4 + Math.floor(random() * 17));
    events.push({ kind: 'CLOCK', icount, seq, clock: 'rtc', value });
  }
  return events;
}

describe('CLOCK byte budget', () => {
  const events = clockReadLoop(100_000);

  for (const compression of ['none', 'deflate'] as LogCompression[]) {
    it(`stores a CLOCK event of a read loop in at most 12 bytes (compression ${compression})`, () => {
      const { file, footer } = writeLog(events, { compression });
      const reader = LogReader.fromBytes(file);
      const chunkBytes = reader.chunks.reduce((sum, c) => sum + 8 + c.length, 0);
      const perEvent = chunkBytes / events.length;
      const encodedPerEvent = footer.bytes.CLOCK / footer.counts.CLOCK;
      console.log(
        `CLOCK, compression ${compression}: ${perEvent.toFixed(2)} bytes/event in chunks ` +
          `(${encodedPerEvent.toFixed(2)} encoded before compression), whole file ${(file.length / events.length).toFixed(2)}`,
      );
      expect(perEvent).toBeLessThanOrEqual(12);
      expect(file.length / events.length).toBeLessThanOrEqual(12);
      const back = readAll(reader);
      expect(back.slice(0, -1)).toEqual(events);
    });
  }
});
