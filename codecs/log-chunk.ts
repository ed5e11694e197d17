import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { RrvmError } from '../src/core/rrvm-error.js';
import { crc32 } from './crc32.js';
import { CHUNK_FRAME_BYTES, MAX_CHUNK_BYTES } from './log-layout.js';
import type { LogCompression } from './log-header.js';
import { unpackValue } from './msgpack.js';

/**
 * A framed chunk: u32 payload length, u32 CRC-32 of the payload, payload. The payload is
 * `events` (a MessagePack array of encoded events), raw-deflated when `compression` says so.
 */
export function encodeChunk(events: Uint8Array, compression: LogCompression): Uint8Array {
  const payload = compression === 'deflate' ? deflateRawSync(events) : events;
  if (payload.length > MAX_CHUNK_BYTES) {
    throw new RrvmError('log.write', `chunk of ${payload.length} bytes exceeds the ${MAX_CHUNK_BYTES}-byte limit`);
  }
  const frame = new Uint8Array(CHUNK_FRAME_BYTES + payload.length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, payload.length, true);
  view.setUint32(4, crc32(payload), true);
  frame.set(payload, CHUNK_FRAME_BYTES);
  return frame;
}

/**
 * A chunk payload (already CRC-checked) as MessagePack bytes: inflated if the log is
 * compressed, with the output bounded by MAX_CHUNK_BYTES. Failures are RrvmError `log.chunk`.
 */
export function inflateChunk(payload: Uint8Array, compression: LogCompression, where: string): Uint8Array {
  if (compression !== 'deflate') return payload;
  try {
    return inflateRawSync(payload, { maxOutputLength: MAX_CHUNK_BYTES });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RrvmError('log.chunk', `${where}: payload does not inflate (${reason})`);
  }
}

/**
 * The encoded events of a chunk's MessagePack bytes, decoded to a non-empty array. `where`
 * starts every message; failures are RrvmError `log.chunk`.
 */
export function unpackChunk(bytes: Uint8Array, where: string): unknown[] {
  const events = unpackValue(bytes, 'log.chunk', where);
  if (!Array.isArray(events) || events.length === 0) {
    throw new RrvmError('log.chunk', `${where}: payload is not a non-empty array of events`);
  }
  return events;
}
