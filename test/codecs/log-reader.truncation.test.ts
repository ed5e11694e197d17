import { afterAll, describe, expect, it } from 'vitest';
import type { RrEvent } from '../../src/core/event.js';
import { LogReader } from '../../codecs/index.js';
import type { LogCompression } from '../../codecs/index.js';
import { errorCode, readAll, removeTempLogs, tryRead, writeLog } from './log-fixtures.js';

afterAll(removeTempLogs);

/** A small log with every appendable kind, several per chunk. */
function smallLog(compression: LogCompression): { file: Uint8Array; events: RrEvent[]; reader: LogReader } {
  const events: RrEvent[] = [
    { kind: 'CLOCK', icount: 10, seq: 0, clock: 'rtc', value: 1.8e18 },
    { kind: 'RANDOM', icount: 10, seq: 1, bytes: Uint8Array.of(1, 2, 3, 4) },
    { kind: 'CHAR_READ', icount: 25, seq: 2, port: 0, bytes: Uint8Array.from('hello', (c) => c.charCodeAt(0)) },
    { kind: 'INPUT', icount: 40, seq: 3, device: 1, events: [1, 30, 1, 0, 0, 0] },
    { kind: 'NET_RX', icount: 41, seq: 4, netdev: 0, frame: new Uint8Array(20).fill(7) },
    { kind: 'AUDIO_OUT', icount: 50, seq: 5, stream: 0, frames: 480 },
    { kind: 'AUDIO_IN', icount: 50, seq: 6, stream: 1, samples: new Uint8Array(8).fill(3) },
    { kind: 'BLOCK_DONE', icount: 77, seq: 7, request: 12, status: 0 },
    { kind: 'BH', icount: 80, seq: 8, id: 3 },
    { kind: 'WARP', icount: 90, seq: 9, ns: 1_000_000 },
    { kind: 'CHECKPOINT', icount: 100, seq: 10, digest: new Uint8Array(16).fill(9) },
    { kind: 'CLOCK', icount: 130, seq: 11, clock: 'rtc', value: 1.8e18 + 4096 },
    { kind: 'SNAPSHOT', icount: 140, seq: 12, data: Uint8Array.of(1, 2, 3) },
    { kind: 'SHUTDOWN', icount: 150, seq: 13, reason: 'input script ended' },
  ];
  const { file } = writeLog(events, { compression, eventsPerChunk: 4, endIcount: 160 });
  return { file, events, reader: LogReader.fromBytes(file) };
}

describe('LogReader on a log cut at every offset', () => {
  for (const compression of ['none', 'deflate'] as LogCompression[]) {
    it(`opens a cut log as its complete chunks with truncatedAt, or fails with a log.* code (compression ${compression})`, () => {
      const { file, reader: whole } = smallLog(compression);
      const all = readAll(whole);
      const chunkEnds = whole.chunks.map((c) => c.offset + 8 + c.length);
      const headerEnd = whole.chunks[0]!.offset;
      for (let cut = 0; cut < file.length; cut++) {
        const outcome = tryRead(file.subarray(0, cut));
        if (cut < headerEnd) {
          expect(outcome.ok, `cut at ${cut}`).toBe(false);
          if (!outcome.ok) {
            expect(errorCode(outcome.error), `cut at ${cut}`).toBe(cut < 4 ? 'log.magic' : 'log.header');
            expect((outcome.error as Error).message).toMatch(/offset \d+/);
          }
          continue;
        }
        // After the header, a cut is never an error: it is a recorder killed mid-write.
        if (!outcome.ok) throw new Error(`cut at ${cut}: ${String(outcome.error)}`);
        const complete = chunkEnds.filter((end) => end <= cut).length;
        const seen = complete === whole.chunks.length ? all.length : whole.footer!.index[complete]!.firstSeq;
        expect(outcome.reader.footer, `cut at ${cut}`).toBeNull();
        expect(outcome.events, `cut at ${cut}`).toEqual(all.slice(0, seen));
        expect(outcome.reader.truncatedAt, `cut at ${cut}`).toEqual({
          offset: complete === 0 ? headerEnd : chunkEnds[complete - 1],
          icount: seen === 0 ? 0 : all[seen - 1]!.icount,
          reason: expect.any(String),
        });
        expect(() => outcome.reader.requireComplete()).toThrow(expect.objectContaining({ code: 'log.truncated' }));
      }
      const full = tryRead(file);
      expect(full.ok && full.reader.truncatedAt === null && full.reader.footer !== null).toBe(true);
    });
  }
});

describe('LogReader on the tail a machine crash leaves', () => {
  const { file, reader: whole } = smallLog('none');
  const second = whole.chunks[1]!;
  const secondEnd = second.offset + 8 + second.length;
  const expectCutAfterFirstChunk = (bytes: Uint8Array): void => {
    const outcome = tryRead(bytes);
    if (!outcome.ok) throw outcome.error;
    expect(outcome.reader.truncatedAt?.offset).toBe(second.offset);
    expect(outcome.events).toEqual(readAll(whole).slice(0, whole.footer!.index[1]!.firstSeq));
  };

  it('treats a last chunk whose bytes never reached the disk (bad CRC, nothing after it) as torn', () => {
    const torn = Uint8Array.from(file.subarray(0, secondEnd));
    torn.fill(0, second.offset + 8);
    expectCutAfterFirstChunk(torn);
  });

  it('treats a zero-filled tail as torn', () => {
    const torn = Uint8Array.from(file.subarray(0, secondEnd));
    torn.fill(0, second.offset);
    expectCutAfterFirstChunk(torn);
  });

  it('treats a tail of zeros that starts inside a chunk (power loss) as torn, however long', () => {
    const torn = Uint8Array.from([...file.subarray(0, secondEnd), ...new Uint8Array(5000)]);
    torn.fill(0, second.offset + 8 + 3);
    expectCutAfterFirstChunk(torn);
    expect(LogReader.fromBytes(torn).truncatedAt?.reason).toMatch(/CRC-32 does not match/);
  });

  it('treats garbage after the last good chunk as damage, naming where it starts', () => {
    const garbage = Uint8Array.from(file.subarray(0, secondEnd + 3));
    garbage[second.offset + 8] ^= 0xff;
    expectCutAfterFirstChunk(garbage);
    for (const length of [0xffffffff, 0]) {
      const bad = Uint8Array.from(file.subarray(0, secondEnd + 40));
      new DataView(bad.buffer).setUint32(second.offset, length, true);
      expectCutAfterFirstChunk(bad);
    }
  });

  it('still reports a bad CRC as log.crc in a log that ends with its footer', () => {
    const bad = Uint8Array.from(file);
    bad[second.offset + 8] ^= 0xff;
    const outcome = tryRead(bad);
    expect(outcome.ok ? 'read' : errorCode(outcome.error)).toBe('log.crc');
  });
});
