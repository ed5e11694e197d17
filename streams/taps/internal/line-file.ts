import { closeSync, openSync, writeSync } from 'node:fs';
import { RrvmError } from '../../../src/core/rrvm-error.js';

/** A text file written line by line, buffered, with synchronous writes (complete once `close` returns). */
export interface LineFile {
  write(line: string): void;
  close(): void;
}

/** A binary file written in pieces, buffered, with synchronous writes (complete once `close` returns). */
export interface ByteFile {
  /** Buffers `bytes` (kept as they are: the caller must not change them afterwards). */
  write(bytes: Uint8Array): void;
  /** Writes what is buffered and then `bytes`, now (the caller may reuse `bytes` afterwards). */
  writeNow(bytes: Uint8Array): void;
  close(): void;
}

const FLUSH_BYTES = 64 * 1024;

/** Creates (truncating) `path` for the tap `tap`; failures are RrvmError `tap.write`. */
export function openByteFile(path: string, tap: string): ByteFile {
  const fail = (err: unknown): RrvmError =>
    new RrvmError('tap.write', `tap ${tap}: cannot write '${path}': ${err instanceof Error ? err.message : String(err)}`);
  let fd: number | null;
  try {
    fd = openSync(path, 'w');
  } catch (err) {
    throw fail(err);
  }
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const writeAll = (bytes: Uint8Array): void => {
    try {
      for (let done = 0; done < bytes.length; ) done += writeSync(fd!, bytes, done);
    } catch (err) {
      throw fail(err);
    }
  };
  const flush = (): void => {
    if (fd === null || pending.length === 0) return;
    const bytes = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
    pending = [];
    pendingBytes = 0;
    writeAll(bytes);
  };
  return {
    write(bytes) {
      if (fd === null) return;
      pending.push(bytes);
      pendingBytes += bytes.length;
      if (pendingBytes >= FLUSH_BYTES) flush();
    },
    writeNow(bytes) {
      if (fd === null) return;
      flush();
      writeAll(bytes);
    },
    close() {
      if (fd === null) return;
      try {
        flush();
      } finally {
        closeSync(fd);
        fd = null;
      }
    },
  };
}

/** Creates (truncating) `path` for the tap `tap`; failures are RrvmError `tap.write`. */
export function openLineFile(path: string, tap: string): LineFile {
  const file = openByteFile(path, tap);
  return {
    write: (line) => file.write(Buffer.from(line + '\n')),
    close: () => file.close(),
  };
}
