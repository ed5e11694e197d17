import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { RrvmError } from '../src/core/rrvm-error.js';
import { encodeLogFooter } from './log-footer.js';
import { encodeLogHeader } from './log-header.js';
import type { LogReader } from './log-reader.js';
import type { LogSource } from './log-source.js';

/** A file to embed in a packed log: `bytes` bytes of `source` from `offset` on, which must hash to `sha256`. */
export interface PackBlob {
  sha256: string;
  bytes: number;
  source: LogSource;
  offset: number;
  /** Names the file in errors. */
  name: string;
}

/** Bytes copied per read and write: the copy holds no more than this. */
const COPY_BYTES = 1024 * 1024;

/**
 * Writes to `target` (created or truncated) the log `reader` reads, with `blobs` embedded after
 * the header (docs/log-format.md, "Embedded files"): the header lists them, their bytes follow
 * it in that order, then come the chunks as they are, and the footer with its index moved by
 * the bytes added. Every blob is hashed while it is copied; one that does not match its SHA-256
 * throws RrvmError `pack.hash`. Memory stays at one copy buffer whatever the sizes.
 */
export function writePackedLog(reader: LogReader, blobs: readonly PackBlob[], target: string): void {
  const header = encodeLogHeader({ ...reader.header, embedded: blobs.map((b) => ({ sha256: b.sha256, bytes: b.bytes })) });
  let fd: number;
  try {
    fd = openSync(target, 'w');
  } catch (error) {
    throw new RrvmError('log.write', `cannot write ${target}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let offset = 0;
  const write = (bytes: Uint8Array): void => {
    try {
      let done = 0;
      while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, offset + done);
    } catch (error) {
      throw new RrvmError('log.write', `cannot write ${target}: ${error instanceof Error ? error.message : String(error)}`);
    }
    offset += bytes.length;
  };
  const buffer = new Uint8Array(COPY_BYTES);
  const copy = (source: LogSource, from: number, bytes: number, onPiece: (piece: Uint8Array) => void = () => {}): void => {
    for (let at = 0; at < bytes; at += COPY_BYTES) {
      const piece = buffer.subarray(0, Math.min(COPY_BYTES, bytes - at));
      source.readInto(piece, from + at);
      onPiece(piece);
      write(piece);
    }
  };
  try {
    write(header);
    for (const blob of blobs) {
      const hash = createHash('sha256');
      copy(blob.source, blob.offset, blob.bytes, (piece) => hash.update(piece));
      const actual = hash.digest('hex');
      if (actual !== blob.sha256) {
        throw new RrvmError('pack.hash', `${blob.name} is not the file the log was recorded with (sha256 ${actual.slice(0, 16)}…, the log expects ${blob.sha256.slice(0, 16)}…)`);
      }
    }
    const shift = offset - reader.chunksOffset;
    copy(reader.source, reader.chunksOffset, reader.chunksEnd - reader.chunksOffset);
    const footer = reader.footer;
    if (footer !== null) {
      write(encodeLogFooter({ ...footer, index: footer.index.map((entry) => ({ ...entry, offset: entry.offset + shift })) }, offset));
    }
  } finally {
    closeSync(fd);
  }
}
