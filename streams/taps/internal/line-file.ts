import { closeSync, openSync, writeSync } from 'node:fs';
import { RrvmError } from '../../../src/core/rrvm-error.js';

/** A text file written line by line, buffered, with synchronous writes (complete once `close` returns). */
export interface LineFile {
  write(line: string): void;
  close(): void;
}

const FLUSH_CHARS = 64 * 1024;

/** Creates (truncating) `path` for the tap `tap`; failures are RrvmError `tap.write`. */
export function openLineFile(path: string, tap: string): LineFile {
  const fail = (err: unknown): RrvmError =>
    new RrvmError('tap.write', `tap ${tap}: cannot write '${path}': ${err instanceof Error ? err.message : String(err)}`);
  let fd: number | null;
  try {
    fd = openSync(path, 'w');
  } catch (err) {
    throw fail(err);
  }
  let pending: string[] = [];
  let pendingChars = 0;
  const flush = (): void => {
    if (fd === null || pending.length === 0) return;
    const bytes = Buffer.from(pending.join(''));
    pending = [];
    pendingChars = 0;
    try {
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
    } catch (err) {
      throw fail(err);
    }
  };
  return {
    write(line) {
      if (fd === null) return;
      pending.push(line, '\n');
      pendingChars += line.length + 1;
      if (pendingChars >= FLUSH_CHARS) flush();
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
