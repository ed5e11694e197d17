import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { RrvmError } from '../src/core/rrvm-error.js';

/**
 * Random access to the bytes of a log, so that a reader holds one chunk at a time and never
 * the whole file: a regular file read with pread, or bytes already in memory.
 */
export interface LogSource {
  /** Size in bytes (a file's size when it was opened). */
  readonly size: number;
  /**
   * Fills `target` with the bytes from `position` on (within `size`). Throws RrvmError
   * `log.open` when the file cannot be read.
   */
  readInto(target: Uint8Array, position: number): void;
  /** Releases the file; reads after it throw. */
  close(): void;
}

/** `length` bytes of `source` from `position` on, in a buffer the caller owns. */
export function readBytes(source: LogSource, position: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  source.readInto(out, position);
  return out;
}

/** The bytes of `file` as a LogSource (not copied: reads copy ranges out of it). */
export function memoryLogSource(file: Uint8Array): LogSource {
  return {
    size: file.length,
    readInto: (target, position) => target.set(file.subarray(position, position + target.length)),
    close: () => {},
  };
}

/**
 * The regular file at `path` as a LogSource. Anything else (a directory, a device such as
 * /dev/zero, a FIFO, a socket) is refused before it is opened, so that neither opening nor
 * reading can block or run forever. Throws RrvmError `log.open`.
 */
export function fileLogSource(path: string): LogSource {
  const fail = (error: unknown): RrvmError =>
    new RrvmError('log.open', `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  let fd: number;
  try {
    // NB: stat before open: opening a FIFO for reading blocks until a writer appears.
    if (!statSync(path).isFile()) throw new Error('not a regular file');
    fd = openSync(path, 'r');
  } catch (error) {
    throw fail(error);
  }
  let size: number;
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new Error('not a regular file');
    size = stat.size;
  } catch (error) {
    closeSync(fd);
    throw fail(error);
  }
  let open = true;
  return {
    size,
    readInto(target, position) {
      if (!open) throw fail(new Error('the log is closed'));
      let done = 0;
      try {
        while (done < target.length) {
          const n = readSync(fd, target, done, target.length - done, position + done);
          if (n === 0) throw new Error(`the file ends at offset ${position + done}, it was ${size} bytes when opened`);
          done += n;
        }
      } catch (error) {
        throw fail(error);
      }
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}
