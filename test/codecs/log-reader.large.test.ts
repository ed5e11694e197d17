import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { crc32, encodeLogFooter, encodeLogHeader, LogReader, MAX_CHUNK_BYTES } from '../../codecs/index.js';
import type { ChunkIndexEntry } from '../../codecs/index.js';
import { zeroPerKind } from '../../codecs/log-footer.js';
import type { RrEvent } from '../../src/core/event.js';
import { removeTempLogs, sampleHeader, stamp, tempLogPath, writeLog } from './log-fixtures.js';

afterAll(removeTempLogs);

/**
 * A sparse log of more than 4 GiB: 65 chunks of 64 MiB of zeros (holes in the file, with the
 * CRC of zeros), then one real chunk past 2^32 holding `tail`, and a footer whose index lists
 * them all. Nothing but the frames, the real chunk and the footer is ever written.
 */
function sparseLog(tail: RrEvent[], endIcount: number): { path: string; realOffset: number; size: number } {
  const small = writeLog(tail, { eventsPerChunk: 1000, endIcount }).file;
  const smallReader = LogReader.fromBytes(small);
  const real = smallReader.chunks[0]!;
  const realFrame = small.subarray(real.offset, real.offset + 8 + real.length);
  const header = encodeLogHeader(sampleHeader());
  const zeroCrc = crc32(new Uint8Array(MAX_CHUNK_BYTES));
  const path = tempLogPath('sparse');
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, header, 0, header.length, 0);
    const index: ChunkIndexEntry[] = [];
    let pos = header.length;
    const frame = new Uint8Array(8);
    const view = new DataView(frame.buffer);
    view.setUint32(0, MAX_CHUNK_BYTES, true);
    view.setUint32(4, zeroCrc, true);
    for (let i = 0; i < 65; i++) {
      writeSync(fd, frame, 0, 8, pos);
      index.push({ offset: pos, firstIcount: i, firstSeq: i });
      pos += 8 + MAX_CHUNK_BYTES;
    }
    const realOffset = pos;
    writeSync(fd, realFrame, 0, realFrame.length, pos);
    index.push({ offset: pos, firstIcount: tail[0]!.icount, firstSeq: 65 });
    pos += realFrame.length;
    const counts = zeroPerKind();
    const footer = encodeLogFooter(
      { endIcount, eventCount: 65 + tail.length + 1, counts, bytes: zeroPerKind(), index, snapshots: [] },
      pos,
    );
    writeSync(fd, footer, 0, footer.length, pos);
    return { path, realOffset, size: pos + footer.length };
  } finally {
    closeSync(fd);
  }
}

describe('LogReader on a log larger than 4 GiB', () => {
  it('opens it from its footer and reads the chunk past 2^32 through the index, without reading the rest', () => {
    const tail = stamp(
      [
        [0, { kind: 'BH', id: 7 }],
        [1, { kind: 'CHAR_READ', port: 0, bytes: Uint8Array.of(0x68, 0x69) }],
      ],
      5000,
    );
    const { path, realOffset, size } = sparseLog(tail, 5003);
    try {
      expect(realOffset).toBeGreaterThan(2 ** 32);
      const reader = LogReader.open(path);
      expect(reader.fileBytes).toBe(size);
      expect(reader.footer?.endIcount).toBe(5003);
      expect(reader.chunks).toHaveLength(66);
      expect(reader.chunks.at(-1)!.offset).toBe(realOffset);
      const events = [...reader.events(5001)];
      expect(events).toEqual([
        { ...tail[1]!, seq: 66 },
        { kind: 'END', icount: 5003, seq: 67 },
      ]);
      reader.close();
    } finally {
      rmSync(path, { force: true });
    }
  });
});
