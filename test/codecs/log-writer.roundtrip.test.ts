import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { RrEvent } from '../../src/core/event.js';
import { LogReader, LogWriter } from '../../codecs/index.js';
import type { LogCompression } from '../../codecs/index.js';
import {
  arbStream,
  errorCode,
  readAll,
  removeTempLogs,
  sampleHeader,
  tempLogPath,
  writeLog,
} from './log-fixtures.js';

afterAll(removeTempLogs);

/** The events a reader must yield for `events` written then closed at `endIcount`. */
function expected(events: readonly RrEvent[], endIcount: number): RrEvent[] {
  return [...events.map((e, seq) => ({ ...e, seq })), { kind: 'END', icount: endIcount, seq: events.length }];
}

describe('LogWriter → LogReader', () => {
  for (const compression of ['none', 'deflate'] as LogCompression[]) {
    it(`reads back the same events with seq 0..n-1 (compression ${compression})`, () => {
      fc.assert(
        fc.property(arbStream(80), fc.integer({ min: 1, max: 20 }), fc.nat(1000), (events, eventsPerChunk, extra) => {
          const endIcount = (events.at(-1)?.icount ?? 0) + extra;
          const { file, footer } = writeLog(events, { compression, eventsPerChunk, endIcount });
          const reader = LogReader.fromBytes(file);
          const back = readAll(reader);
          expect(back).toEqual(expected(events, endIcount));
          for (let i = 1; i < back.length; i++) {
            const [a, b] = [back[i - 1]!, back[i]!];
            expect(b.icount > a.icount || (b.icount === a.icount && b.seq > a.seq)).toBe(true);
          }
          expect(reader.header).toEqual(sampleHeader(compression));
          expect(reader.truncatedAt).toBeNull();
          expect(reader.footer).toEqual(footer);
          expect(footer.endIcount).toBe(endIcount);
          expect(footer.eventCount).toBe(events.length + 1);
          expect(footer.index).toHaveLength(Math.ceil((events.length + 1) / eventsPerChunk));
          expect(footer.index.map((c) => c.firstSeq)).toEqual(footer.index.map((_, i) => i * eventsPerChunk));
          expect(footer.counts.END).toBe(1);
          for (const e of events) expect(footer.counts[e.kind]).toBeGreaterThan(0);
        }),
        { numRuns: 60 },
      );
    });
  }

  it('counts events and encoded bytes per kind in the footer', () => {
    const events: RrEvent[] = [
      { kind: 'BH', icount: 3, seq: 0, id: 7 },
      { kind: 'BH', icount: 3, seq: 1, id: 8 },
      { kind: 'RANDOM', icount: 9, seq: 2, bytes: new Uint8Array(100) },
    ];
    const { footer } = writeLog(events, { endIcount: 12 });
    expect(footer.counts).toMatchObject({ BH: 2, RANDOM: 1, END: 1, CLOCK: 0 });
    // BH: fixarray + [9, dIcount, id] = 4 bytes each; RANDOM: fixarray + tag + delta + bin8 header (2) + 100.
    expect(footer.bytes).toMatchObject({ BH: 8, RANDOM: 105, END: 3, CLOCK: 0 });
  });

  it('seeks with the footer index: events(fromIcount) starts at the first event at or after it', () => {
    const events: RrEvent[] = Array.from({ length: 50 }, (_, i) => ({
      kind: 'BH',
      icount: Math.floor(i / 3) * 10,
      seq: i,
      id: i,
    }));
    const { file } = writeLog(events, { eventsPerChunk: 4, endIcount: 1000 });
    const reader = LogReader.fromBytes(file);
    const all = readAll(reader);
    for (const from of [0, 1, 10, 15, 40, 160, 999, 1000, 1001]) {
      expect(Array.from(reader.events(from))).toEqual(all.filter((e) => e.icount >= from));
    }
  });

  it('writes a chunk when eventsPerChunk events are buffered and on flush()', () => {
    const path = tempLogPath('flush');
    const writer = LogWriter.open(path, sampleHeader(), { eventsPerChunk: 3 });
    const size = (): number => readFileSync(path).length;
    const headerBytes = size();
    writer.append({ kind: 'BH', icount: 1, seq: 0, id: 1 });
    writer.append({ kind: 'BH', icount: 2, seq: 1, id: 1 });
    expect(size()).toBe(headerBytes);
    expect(writer.pendingEvents).toBe(2);
    writer.append({ kind: 'BH', icount: 3, seq: 2, id: 1 });
    expect(writer.pendingEvents).toBe(0);
    expect(size()).toBeGreaterThan(headerBytes);
    writer.append({ kind: 'BH', icount: 4, seq: 3, id: 1 });
    writer.flush();
    writer.flush();
    expect(writer.bytesWritten).toBe(size());
    // A recorder killed here leaves two complete chunks and no footer.
    const cut = LogReader.open(path);
    expect(cut.footer).toBeNull();
    expect(cut.chunks).toHaveLength(2);
    expect(cut.truncatedAt).toEqual({ offset: size(), icount: 4, reason: 'the file ends there' });
    expect(readAll(cut).map((e) => e.seq)).toEqual([0, 1, 2, 3]);
    expect(() => cut.requireComplete()).toThrow(/log ends without END at icount 4/);
    writer.close({ icount: 4 });
    expect(LogReader.open(path).footer?.index.map((c) => c.firstSeq)).toEqual([0, 3, 4]);
  });

  it('refuses a decreasing icount, an appended END, and use after close, with log.write', () => {
    const writer = LogWriter.open(tempLogPath('refuse'), sampleHeader(), { eventsPerChunk: 2 });
    writer.append({ kind: 'BH', icount: 10, seq: 0, id: 1 });
    writer.append({ kind: 'BH', icount: 11, seq: 1, id: 1 });
    const codeOf = (fn: () => void): string => {
      try {
        fn();
        return 'nothing thrown';
      } catch (error) {
        return errorCode(error);
      }
    };
    // The chunk boundary after icount 11 does not hide the order check.
    expect(codeOf(() => writer.append({ kind: 'BH', icount: 10, seq: 2, id: 1 }))).toBe('log.write');
    expect(codeOf(() => writer.append({ kind: 'END', icount: 12, seq: 2 }))).toBe('log.write');
    expect(codeOf(() => writer.close({ icount: 5 }))).toBe('log.write');
    writer.close({ icount: 12 });
    expect(codeOf(() => writer.append({ kind: 'BH', icount: 13, seq: 3, id: 1 }))).toBe('log.write');
    expect(codeOf(() => LogWriter.open('/nonexistent-dir/x.rrlog', sampleHeader()))).toBe('log.write');
    expect(codeOf(() => LogWriter.open(tempLogPath('h'), { ...sampleHeader(), elfSha256: 'xyz' }))).toBe('log.write');
  });

  it('reports an unreadable path as log.open', () => {
    expect(() => LogReader.open('/nonexistent-dir/x.rrlog')).toThrow(expect.objectContaining({ code: 'log.open' }));
  });
});
