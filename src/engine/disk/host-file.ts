import { closeSync, fstatSync, fsync, fsyncSync, ftruncateSync, openSync, read, readSync, write, writeSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { RrvmError } from '../../core/rrvm-error.js';

/** Why a host call failed, in a few words (the errno name for the common cases). */
export function reasonOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'ENOSPC') return 'no space left on device';
  return (err as Error).message.split('\n')[0]!;
}

/**
 * One host file of a disk (its base image or its overlay file), by descriptor. Every failure is
 * a one-line RrvmError naming the file: `openCode` for opening it, `disk.io` afterwards. Reads
 * and writes are whole (short transfers are continued); a read stops early only at end of file.
 */
export class HostFile {
  private fd: number | null;

  private constructor(
    fd: number,
    readonly path: string,
    /** What the file is, for messages: `disk image`, `overlay`. */
    readonly what: string,
  ) {
    this.fd = fd;
  }

  /** Opens `path` with node `flags` (`r`, `r+`, `wx+`). */
  static open(path: string, flags: string, what: string, openCode: string): HostFile {
    try {
      return new HostFile(openSync(path, flags), path, what);
    } catch (err) {
      throw new RrvmError(openCode, `cannot open ${what} '${path}': ${reasonOf(err)}`);
    }
  }

  /** The error for a failed `verb` (read, write, flush, ...). */
  fail(verb: string, err: unknown): RrvmError {
    if (err instanceof RrvmError) return err;
    return new RrvmError('disk.io', `cannot ${verb} ${this.what} '${this.path}': ${reasonOf(err)}`);
  }

  private get descriptor(): number {
    if (this.fd === null) throw new RrvmError('disk.closed', `${this.what} '${this.path}' is closed`);
    return this.fd;
  }

  stat(): Stats {
    try {
      return fstatSync(this.descriptor);
    } catch (err) {
      throw this.fail('stat', err);
    }
  }

  /** Reads up to `bytes` at `position` into `into[offset..]`; returns the bytes read (fewer only at end of file). */
  readSync(into: Uint8Array, offset: number, bytes: number, position: number): number {
    let done = 0;
    try {
      while (done < bytes) {
        const n = readSync(this.descriptor, into, offset + done, bytes - done, position + done);
        if (n === 0) break;
        done += n;
      }
    } catch (err) {
      throw this.fail('read', err);
    }
    return done;
  }

  /** `readSync` through the libuv thread pool. */
  async read(into: Uint8Array, offset: number, bytes: number, position: number): Promise<number> {
    let done = 0;
    try {
      while (done < bytes) {
        const n = await new Promise<number>((resolve, reject) =>
          read(this.descriptor, into, offset + done, bytes - done, position + done, (err, count) => (err ? reject(err) : resolve(count))),
        );
        if (n === 0) break;
        done += n;
      }
    } catch (err) {
      throw this.fail('read', err);
    }
    return done;
  }

  /** Writes all of `data` at `position`. */
  writeSync(data: Uint8Array, position: number): void {
    try {
      let done = 0;
      while (done < data.length) done += writeSync(this.descriptor, data, done, data.length - done, position + done);
    } catch (err) {
      throw this.fail('write', err);
    }
  }

  /** `writeSync` through the libuv thread pool. */
  async write(data: Uint8Array, position: number): Promise<void> {
    try {
      let done = 0;
      while (done < data.length) {
        done += await new Promise<number>((resolve, reject) =>
          write(this.descriptor, data, done, data.length - done, position + done, (err, count) => (err ? reject(err) : resolve(count))),
        );
      }
    } catch (err) {
      throw this.fail('write', err);
    }
  }

  /** fsync: everything written so far is durable. */
  syncSync(): void {
    try {
      fsyncSync(this.descriptor);
    } catch (err) {
      throw this.fail('flush', err);
    }
  }

  /** `syncSync` through the libuv thread pool. */
  async sync(): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) => fsync(this.descriptor, (err) => (err ? reject(err) : resolve())));
    } catch (err) {
      throw this.fail('flush', err);
    }
  }

  /** Cuts the file to `bytes`. */
  truncateSync(bytes: number): void {
    try {
      ftruncateSync(this.descriptor, bytes);
    } catch (err) {
      throw this.fail('truncate', err);
    }
  }

  /** Closes the descriptor; later calls fail with `disk.closed`. Closing twice is harmless. */
  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      closeSync(fd);
    } catch (err) {
      throw this.fail('close', err);
    }
  }
}
