import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { RrEvent } from '../../src/core/event.js';
import { crc32, LogReader, LOG_FORMAT_VERSION } from '../../codecs/index.js';
import type { LogCompression } from '../../codecs/index.js';
import { packValue } from '../../codecs/msgpack.js';
import { errorCode, readAll, removeTempLogs, stamp, tryRead, writeLog } from './log-fixtures.js';

afterAll(removeTempLogs);

function sampleEvents(): RrEvent[] {
  return stamp([
    [5, { kind: 'CLOCK', clock: 'rtc', value: 1.8e18 }],
    [0, { kind: 'CHAR_READ', port: 0, bytes: Uint8Array.of(104, 105) }],
    [30, { kind: 'BH', id: 4 }],
    [2, { kind: 'CLOCK', clock: 'rtc', value: 1.8e18 + 512 }],
    [7, { kind: 'NET_RX', netdev: 0, frame: new Uint8Array(12).fill(0xaa) }],
    [0, { kind: 'INPUT', device: 0, events: [1, 28, 1] }],
    [100, { kind: 'WARP', ns: 5000 }],
    [1, { kind: 'SHUTDOWN', reason: 'bye' }],
  ]);
}

/** Copy of `file` with `mutate` applied. */
function mutated(file: Uint8Array, mutate: (copy: Uint8Array, view: DataView) => void): Uint8Array {
  const copy = Uint8Array.from(file);
  mutate(copy, new DataView(copy.buffer));
  return copy;
}

describe('LogReader on corrupted input', () => {
  for (const compression of ['none', 'deflate'] as LogCompression[]) {
    const { file } = writeLog(sampleEvents(), { compression, eventsPerChunk: 3, endIcount: 200 });
    const original = LogReader.fromBytes(file);
    const originalEvents = readAll(original);

    /** A flipped byte either fails with a log.* code naming an offset, or changes nothing at all. */
    const checkFlip = (offset: number, xor: number): void => {
      const outcome = tryRead(mutated(file, (copy) => void (copy[offset]! ^= xor)));
      if (outcome.ok) {
        expect(outcome.events, `flip ${xor} at ${offset}`).toEqual(originalEvents);
        expect(outcome.reader.footer, `flip ${xor} at ${offset}`).toEqual(original.footer);
        expect(outcome.reader.header).toEqual(original.header);
      } else {
        expect(errorCode(outcome.error), `flip ${xor} at ${offset}`).toMatch(/^log\.[a-z]+$/);
        expect((outcome.error as Error).message, `flip ${xor} at ${offset}`).toMatch(/offset \d+/);
      }
    };

    it(`detects a single flipped bit at every offset (compression ${compression})`, () => {
      for (let offset = 0; offset < file.length; offset++) for (const xor of [0x01, 0x80]) checkFlip(offset, xor);
    });

    it(`detects random byte corruption (compression ${compression})`, () => {
      fc.assert(
        fc.property(fc.nat(file.length - 1), fc.integer({ min: 1, max: 255 }), (offset, xor) => checkFlip(offset, xor)),
        { numRuns: 1500 },
      );
    });

    it(`rejects a chunk declaring 0xFFFFFFFF bytes without allocating them (compression ${compression})`, () => {
      const first = original.chunks[0]!.offset;
      const huge = mutated(file, (_, view) => view.setUint32(first, 0xffffffff, true));
      const outcome = tryRead(huge);
      expect(outcome.ok ? 'opened' : errorCode(outcome.error)).toMatch(/^log\.(truncated|chunk)$/);
      // In a log without footer it is damage: the log ends before it, saying so.
      const cut = tryRead(huge.subarray(0, original.chunks[1]!.offset));
      expect(cut.ok && cut.reader.truncatedAt).toEqual({ offset: first, icount: 0, reason: expect.stringMatching(/chunk length of 4294967295/) });
    });
  }

  const { file } = writeLog(sampleEvents(), { eventsPerChunk: 3, endIcount: 200 });
  const reader = LogReader.fromBytes(file);

  it('says log.magic for a file that is not a log', () => {
    for (const bytes of [new Uint8Array(0), Uint8Array.of(0x52), new TextEncoder().encode('#!/bin/sh\necho hi\n')]) {
      const outcome = tryRead(bytes);
      expect(outcome.ok ? 'opened' : errorCode(outcome.error)).toBe('log.magic');
    }
  });

  it('says log.version, naming both versions, for another format version', () => {
    const other = mutated(file, (_, view) => view.setUint16(4, LOG_FORMAT_VERSION + 1, true));
    expect(() => LogReader.fromBytes(other)).toThrow(
      expect.objectContaining({
        code: 'log.version',
        message: expect.stringMatching(new RegExp(`version ${LOG_FORMAT_VERSION + 1}.*version ${LOG_FORMAT_VERSION}`)),
      }),
    );
  });

  it('still reads a version 2 log (version 3 only added embedded files)', () => {
    const old = mutated(file, (copy, view) => {
      view.setUint16(4, 2, true);
      const headerEnd = reader.chunks[0]!.offset;
      view.setUint32(headerEnd - 4, crc32(copy.subarray(0, headerEnd - 4)), true);
    });
    const outcome = tryRead(old);
    if (!outcome.ok) throw outcome.error;
    expect(outcome.events).toEqual(readAll(reader));
    expect(outcome.reader.footer).toEqual(reader.footer);
  });

  it('still reads a version 3 log (version 4 added SNAPSHOT events, footer snapshots and cut logs)', () => {
    const old = mutated(file, (copy, view) => {
      view.setUint16(4, 3, true);
      const headerEnd = reader.chunks[0]!.offset;
      view.setUint32(headerEnd - 4, crc32(copy.subarray(0, headerEnd - 4)), true);
    });
    const outcome = tryRead(old);
    if (!outcome.ok) throw outcome.error;
    expect(outcome.events).toEqual(readAll(reader));
    expect(outcome.reader.header.cut).toBeUndefined();
  });

  it('says log.header for a header length that runs past the file', () => {
    const other = mutated(file, (_, view) => view.setUint32(6, 0xffffffff, true));
    expect(() => LogReader.fromBytes(other)).toThrow(expect.objectContaining({ code: 'log.header' }));
  });

  /** `file` with its first chunk's payload replaced by `payload`, with a valid CRC, as a cut log. */
  function withFirstPayload(payload: Uint8Array): Uint8Array {
    const at = reader.chunks[0]!.offset;
    const out = new Uint8Array(at + 8 + payload.length);
    out.set(file.subarray(0, at));
    const view = new DataView(out.buffer);
    view.setUint32(at, payload.length, true);
    view.setUint32(at + 4, crc32(payload), true);
    out.set(payload, at + 8);
    return out;
  }

  it('says log.chunk for a CRC-valid payload that is not a list of known events', () => {
    const payloads: unknown[] = [
      { not: 'an array' },
      [],
      [[99, 0]],
      [[9, -1, 3]],
      [[9, 0, 3], [9, 0]],
      [[14, 0], [9, 0, 3]],
      [[1, 0, 0, new Date(0)]],
    ];
    const encoded = payloads.map((p) => packValue(p));
    encoded.push(Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff, 0x90), Uint8Array.of(0x92, 0xc1), Uint8Array.of(0x91, 0x90, 0x00));
    for (const payload of encoded) {
      const outcome = tryRead(withFirstPayload(payload));
      expect(outcome.ok ? 'read' : errorCode(outcome.error), Buffer.from(payload).toString('hex')).toBe('log.chunk');
      expect(outcome.ok ? '' : (outcome.error as Error).message).toMatch(/chunk at offset \d+/);
    }
  });

  it('says log.chunk when a chunk starts before the icount where the previous one ended', () => {
    const { file: ordered } = writeLog(
      stamp([
        [10, { kind: 'BH', id: 1 }],
        [40, { kind: 'BH', id: 2 }],
      ]),
      { eventsPerChunk: 1, endIcount: 60 },
    );
    const chunks = LogReader.fromBytes(ordered).chunks;
    const frame = (c: { offset: number; length: number }): Uint8Array =>
      ordered.subarray(c.offset, c.offset + 8 + c.length);
    // The chunk at icount 50 first, then the one at icount 10: each is valid on its own.
    const spliced = Buffer.concat([ordered.subarray(0, chunks[0]!.offset), frame(chunks[1]!), frame(chunks[0]!)]);
    const outcome = tryRead(spliced);
    expect(outcome.ok ? 'read' : errorCode(outcome.error)).toBe('log.chunk');
    expect(outcome.ok ? '' : (outcome.error as Error).message).toMatch(/starts at icount 10, before 50/);
  });
});
