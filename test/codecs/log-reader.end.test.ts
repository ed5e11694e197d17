import { describe, expect, it } from 'vitest';
import { encodeLogHeader, LogReader } from '../../codecs/index.js';
import { encodeEvent, newEventCodecState, resetEventCodecState } from '../../codecs/event-codec.js';
import { encodeChunk } from '../../codecs/log-chunk.js';
import { packValue } from '../../codecs/msgpack.js';
import type { RrEvent } from '../../src/core/event.js';
import { errorCode, sampleHeader } from './log-fixtures.js';

/**
 * A log without footer whose chunks hold exactly `chunks` (seq numbered across them): the shapes
 * no writer produces, such as END before other events. Returns the bytes and each chunk's offset.
 */
function craftedLog(chunks: readonly (readonly RrEvent[])[]): { file: Uint8Array; offsets: number[] } {
  const parts = [encodeLogHeader(sampleHeader())];
  const offsets: number[] = [];
  let offset = parts[0]!.length;
  const state = newEventCodecState();
  for (const events of chunks) {
    resetEventCodecState(state);
    const frame = encodeChunk(packValue(events.map((e) => encodeEvent(e, state))), 'none');
    offsets.push(offset);
    parts.push(frame);
    offset += frame.length;
  }
  return { file: Buffer.concat(parts), offsets };
}

const bh = (icount: number, seq: number): RrEvent => ({ kind: 'BH', icount, seq, id: 1 });
const end = (icount: number, seq: number): RrEvent => ({ kind: 'END', icount, seq });

/** What reading every event of `file` throws: its code and message. */
function readFailure(file: Uint8Array): { code: string; message: string } {
  try {
    for (const chunk of LogReader.fromBytes(file, 'crafted.rrlog').eventChunks()) void chunk;
  } catch (error) {
    return { code: errorCode(error), message: String(error) };
  }
  return { code: 'none', message: '' };
}

describe('LogReader: END ends the log', () => {
  it('reads a log whose last chunk ends with END', () => {
    const { file } = craftedLog([[bh(1, 0), bh(2, 1)], [bh(3, 2), end(4, 3)]]);
    const events = [...LogReader.fromBytes(file).events()];
    expect(events.map((e) => e.kind)).toEqual(['BH', 'BH', 'BH', 'END']);
  });

  it('refuses an event after END in the same chunk, naming the chunk', () => {
    const { file, offsets } = craftedLog([[bh(1, 0)], [bh(2, 1), end(3, 2), bh(4, 3)]]);
    expect(readFailure(file)).toEqual({ code: 'log.chunk', message: expect.stringContaining(`chunk at offset ${offsets[1]}: event after END`) });
  });

  it('refuses a chunk after the chunk that ended with END, naming it', () => {
    const { file, offsets } = craftedLog([[bh(1, 0), end(2, 1)], [bh(3, 2)]]);
    expect(readFailure(file)).toEqual({ code: 'log.chunk', message: expect.stringContaining(`chunk at offset ${offsets[1]}: event after END`) });
  });

  it('refuses two ENDs at the end of a chunk', () => {
    const { file, offsets } = craftedLog([[bh(1, 0), end(2, 1), end(2, 2)]]);
    expect(readFailure(file)).toEqual({ code: 'log.chunk', message: expect.stringContaining(`chunk at offset ${offsets[0]}: event after END`) });
  });
});
