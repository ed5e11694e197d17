// The overlay file: the copy-on-write sectors of one disk, kept across runs.
//
// Format, version 1 (all integers little-endian; a change of layout or meaning bumps the version):
//
//   header, 96 bytes
//     0   4  magic "RRVO"
//     4   2  version = 1
//     6   2  header bytes = 96 (where the records start)
//     8   4  sector bytes = 512
//    12   4  reserved, 0
//    16   8  base image bytes
//    24  32  base image SHA-256: the overlay belongs to this base and no other
//    56   8  check: first 8 bytes of SHA-256(header bytes 0..56)
//    64   8  flushed-to: file offset up to which every record is durable (rewritten by each flush)
//    72   8  check: first 8 bytes of SHA-256(header bytes 64..72)
//    80  16  reserved, 0
//   records, appended one per write, back to back from offset 96
//     0   4  tag "RRVW"
//     4   4  sector count n (>= 1)
//     8   8  first sector
//    16   8  check: first 8 bytes of SHA-256(record bytes 0..16 ‖ data)
//    24  n*512 data
//
// A sector's content is the data of the last record that covers it. The file only grows (a
// rewritten sector appends a new record), so the overlay as it was when a run started is a
// prefix of the file: `startBytes` opens just that prefix (replay of a recording).
//
// Torn ends: a writer killed in the middle of an append leaves a short or unverifiable last
// record. On open, the records are read until the first one that is short, fails its check or
// names sectors beyond the base; everything from there on is dropped (cut off the file when it
// is opened for writing) and reported, provided it lies after flushed-to: what a flush made
// durable is never dropped, and a damaged record before flushed-to is a `disk.overlay` error.
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { RrvmError } from '../../core/rrvm-error.js';
import { HostFile, reasonOf } from './host-file.js';

/** Bytes per sector of every rrvm disk (virtio-blk counts 512-byte sectors). */
export const SECTOR_BYTES = 512;
/** Overlay file format version; bump it whenever the layout or meaning above changes. */
export const OVERLAY_VERSION = 1;
const MAGIC = 'RRVO';
const RECORD_TAG = 'RRVW';
/** Where the records start. */
export const OVERLAY_HEADER_BYTES = 96;
const FIXED_BYTES = 56;
const FLUSHED_AT = 64;
const RECORD_HEADER_BYTES = 24;
const CHECK_BYTES = 8;

/** First 8 bytes of the SHA-256 of `parts`. */
function check8(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest().subarray(0, CHECK_BYTES));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function setU64(view: DataView, at: number, value: number): void {
  view.setUint32(at, value % 0x1_0000_0000, true);
  view.setUint32(at + 4, Math.floor(value / 0x1_0000_0000), true);
}

function getU64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getUint32(at + 4, true) * 0x1_0000_0000;
}

/** The 16-byte flushed-to slot (offset 64) saying the file is durable up to `flushedTo`. */
function encodeFlushed(flushedTo: number): Uint8Array {
  const slot = new Uint8Array(16);
  setU64(new DataView(slot.buffer), 0, flushedTo);
  slot.set(check8(slot.subarray(0, 8)), 8);
  return slot;
}

/** A fresh header for an empty overlay of a base with `baseBytes` bytes and SHA-256 `baseSha256` (hex). */
function encodeHeader(baseSha256: string, baseBytes: number): Uint8Array {
  const header = new Uint8Array(OVERLAY_HEADER_BYTES);
  const view = new DataView(header.buffer);
  header.set(Buffer.from(MAGIC, 'latin1'), 0);
  view.setUint16(4, OVERLAY_VERSION, true);
  view.setUint16(6, OVERLAY_HEADER_BYTES, true);
  view.setUint32(8, SECTOR_BYTES, true);
  setU64(view, 16, baseBytes);
  header.set(Buffer.from(baseSha256, 'hex'), 24);
  header.set(check8(header.subarray(0, FIXED_BYTES)), FIXED_BYTES);
  header.set(encodeFlushed(OVERLAY_HEADER_BYTES), FLUSHED_AT);
  return header;
}

/** One record: its 24-byte header and `data` (whole sectors starting at `sector`). */
function encodeRecord(sector: number, data: Uint8Array): Uint8Array {
  const record = new Uint8Array(RECORD_HEADER_BYTES + data.length);
  const view = new DataView(record.buffer);
  record.set(Buffer.from(RECORD_TAG, 'latin1'), 0);
  view.setUint32(4, data.length / SECTOR_BYTES, true);
  setU64(view, 8, sector);
  record.set(check8(record.subarray(0, 16), data), 16);
  record.set(data, RECORD_HEADER_BYTES);
  return record;
}

/** What opening an overlay file dropped from its end: the torn last write of a killed writer. */
export interface OverlayRecovery {
  /** Bytes dropped from the end of the file. */
  droppedBytes: number;
  /** Where the durable part ended (flushed-to); everything before it was kept. */
  flushedBytes: number;
  /** One line for the user, naming the file and saying that no flushed write was lost. */
  note: string;
}

/** How to open an overlay file. */
export interface OverlayFileOptions {
  /** The base image's SHA-256 (hex) and size: a new file records them, an existing one must match. */
  baseSha256: string;
  baseBytes: number;
  /** Sectors of the disk: a record beyond them is damage. */
  sectors: number;
  /** Open with 'r' and refuse appends; a missing file is then an error rather than created. */
  readOnly: boolean;
  /** Use only the first `startBytes` bytes of records (a record boundary); implies readOnly. */
  startBytes?: number;
}

/**
 * An open overlay file (format above): the index of the newest data of each sector and the
 * appends, sync or async (the caller orders them: one at a time).
 */
export class OverlayFile {
  /** Latest data of each sector written: its file offset. */
  private readonly index = new Map<number, number>();
  /** End of the last whole record (where the next one goes). */
  private end: number;
  private flushedTo: number;
  /** SHA-256 (hex) of the records at open, the starting overlay. */
  readonly sha256: string;
  /** Bytes of records at open. */
  readonly startBytes: number;
  /** Set when a torn end was dropped at open. */
  readonly recovery: OverlayRecovery | null;

  private constructor(
    readonly file: HostFile,
    private readonly readOnly: boolean,
    options: OverlayFileOptions,
  ) {
    const path = file.path;
    const corrupt = (why: string): RrvmError => new RrvmError('disk.overlay', `overlay '${path}' ${why}`);
    let size = file.stat().size;
    if (size === 0 && !readOnly) {
      // An empty file holds no writes: make it a fresh overlay.
      file.writeSync(encodeHeader(options.baseSha256, options.baseBytes), 0);
      file.syncSync();
      size = OVERLAY_HEADER_BYTES;
    }
    const header = new Uint8Array(OVERLAY_HEADER_BYTES);
    const got = file.readSync(header, 0, OVERLAY_HEADER_BYTES, 0);
    const view = new DataView(header.buffer);
    if (Buffer.from(header.subarray(0, 4)).toString('latin1') !== MAGIC) throw corrupt('is not an rrvm overlay file (no RRVO magic)');
    if (got < OVERLAY_HEADER_BYTES) throw corrupt(`is corrupt: header cut short at ${got} bytes`);
    const version = view.getUint16(4, true);
    if (version !== OVERLAY_VERSION) throw corrupt(`has format version ${version}; this rrvm reads version ${OVERLAY_VERSION}`);
    if (!sameBytes(check8(header.subarray(0, FIXED_BYTES)), header.subarray(FIXED_BYTES, FIXED_BYTES + CHECK_BYTES))) {
      throw corrupt('is corrupt: header check failed');
    }
    if (view.getUint16(6, true) !== OVERLAY_HEADER_BYTES || view.getUint32(8, true) !== SECTOR_BYTES) {
      throw corrupt(`has an unsupported layout (header ${view.getUint16(6, true)} bytes, sector ${view.getUint32(8, true)} bytes)`);
    }
    const baseSha256 = Buffer.from(header.subarray(24, 56)).toString('hex');
    if (baseSha256 !== options.baseSha256) {
      throw corrupt(`belongs to another disk image (sha256 ${baseSha256.slice(0, 16)}…), not this one (sha256 ${options.baseSha256.slice(0, 16)}…)`);
    }
    if (!sameBytes(check8(header.subarray(FLUSHED_AT, FLUSHED_AT + 8)), header.subarray(FLUSHED_AT + 8, FLUSHED_AT + 16))) {
      throw corrupt('is corrupt: flush mark check failed');
    }
    this.flushedTo = getU64(view, FLUSHED_AT);

    const limit = options.startBytes === undefined ? size : OVERLAY_HEADER_BYTES + options.startBytes;
    if (limit > size) throw corrupt(`holds ${size - OVERLAY_HEADER_BYTES} bytes of writes, fewer than the ${options.startBytes} it started with`);
    const hash = createHash('sha256');
    const recordHeader = new Uint8Array(RECORD_HEADER_BYTES);
    const rv = new DataView(recordHeader.buffer);
    let pos = OVERLAY_HEADER_BYTES;
    while (pos < limit) {
      if (limit - pos < RECORD_HEADER_BYTES) break;
      file.readSync(recordHeader, 0, RECORD_HEADER_BYTES, pos);
      if (Buffer.from(recordHeader.subarray(0, 4)).toString('latin1') !== RECORD_TAG) break;
      const count = rv.getUint32(4, true);
      const sector = getU64(rv, 8);
      const next = pos + RECORD_HEADER_BYTES + count * SECTOR_BYTES;
      if (count === 0 || next > limit || sector + count > options.sectors) break;
      const data = new Uint8Array(count * SECTOR_BYTES);
      file.readSync(data, 0, data.length, pos + RECORD_HEADER_BYTES);
      if (!sameBytes(check8(recordHeader.subarray(0, 16), data), recordHeader.subarray(16, 24))) break;
      hash.update(recordHeader).update(data);
      for (let i = 0; i < count; i++) this.index.set(sector + i, pos + RECORD_HEADER_BYTES + i * SECTOR_BYTES);
      pos = next;
    }
    this.end = pos;
    this.sha256 = hash.digest('hex');
    this.startBytes = pos - OVERLAY_HEADER_BYTES;
    this.recovery = null;
    if (options.startBytes !== undefined) {
      if (pos !== limit) throw corrupt(`is damaged within its first ${options.startBytes} bytes of writes (valid up to ${this.startBytes})`);
      return;
    }
    if (pos < this.flushedTo) {
      throw corrupt(`is corrupt: flushed writes lost (valid records end at byte ${pos}, flushed up to byte ${this.flushedTo})`);
    }
    if (pos < size) {
      const droppedBytes = size - pos;
      if (!readOnly) {
        file.truncateSync(pos);
        file.syncSync();
      }
      this.recovery = {
        droppedBytes,
        flushedBytes: this.flushedTo,
        note: `overlay '${path}': dropped a torn write of ${droppedBytes} bytes at its end; it was never flushed, every flushed write is intact`,
      };
    }
  }

  /** Opens (or, unless read-only, creates) the overlay file at `path` for the base described in `options`. */
  static open(path: string, options: OverlayFileOptions): OverlayFile {
    const readOnly = options.readOnly || options.startBytes !== undefined;
    let exists = true;
    try {
      if (statSync(path).isDirectory()) throw new RrvmError('disk.overlay', `cannot open overlay '${path}': it is a directory`);
    } catch (err) {
      if (err instanceof RrvmError) throw err;
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new RrvmError('disk.overlay', `cannot open overlay '${path}': ${reasonOf(err)}`);
      exists = false;
    }
    if (!exists) {
      if (readOnly) throw new RrvmError('disk.overlay', `cannot open overlay '${path}': no such file (a read-only disk never creates one)`);
      createOverlay(path, options);
    }
    const file = HostFile.open(path, readOnly ? 'r' : 'r+', 'overlay', 'disk.overlay');
    try {
      if (!file.stat().isFile()) throw new RrvmError('disk.overlay', `cannot open overlay '${path}': not a regular file`);
      return new OverlayFile(file, readOnly, options);
    } catch (err) {
      file.close();
      throw err;
    }
  }

  /** File offset of the newest data of `sector`, or undefined if it was never written. */
  offsetOf(sector: number): number | undefined {
    return this.index.get(sector);
  }

  /** Appends a record of `data` (whole sectors) at `sector`. */
  appendSync(sector: number, data: Uint8Array): void {
    const record = this.startAppend(sector, data);
    try {
      this.file.writeSync(record, this.end);
    } catch (err) {
      this.undoAppend();
      throw err;
    }
    this.endAppend(sector, data.length, record.length);
  }

  /** `appendSync` through the thread pool. */
  async append(sector: number, data: Uint8Array): Promise<void> {
    const record = this.startAppend(sector, data);
    try {
      await this.file.write(record, this.end);
    } catch (err) {
      this.undoAppend();
      throw err;
    }
    this.endAppend(sector, data.length, record.length);
  }

  /** Makes every record durable, then moves the flush mark to the end. */
  flushSync(): void {
    if (this.readOnly) return;
    this.file.syncSync();
    if (this.flushedTo === this.end) return;
    this.file.writeSync(encodeFlushed(this.end), FLUSHED_AT);
    this.file.syncSync();
    this.flushedTo = this.end;
  }

  /** `flushSync` through the thread pool. */
  async flush(): Promise<void> {
    if (this.readOnly) return;
    await this.file.sync();
    if (this.flushedTo === this.end) return;
    const end = this.end;
    await this.file.write(encodeFlushed(end), FLUSHED_AT);
    await this.file.sync();
    this.flushedTo = end;
  }

  close(): void {
    this.file.close();
  }

  private startAppend(sector: number, data: Uint8Array): Uint8Array {
    if (this.readOnly) throw new RrvmError('disk.readonly', `overlay '${this.file.path}' is open read-only`);
    return encodeRecord(sector, data);
  }

  /** After a failed append, cut off whatever part of the record reached the file, so the next one follows a whole record. */
  private undoAppend(): void {
    try {
      this.file.truncateSync(this.end);
    } catch {
      // The open of the next run drops a torn record anyway (it was never flushed).
    }
  }

  private endAppend(sector: number, bytes: number, recordBytes: number): void {
    const dataAt = this.end + RECORD_HEADER_BYTES;
    for (let i = 0; i < bytes / SECTOR_BYTES; i++) this.index.set(sector + i, dataAt + i * SECTOR_BYTES);
    this.end += recordBytes;
  }
}

/** Creates an empty overlay at `path` atomically: written and synced under a temporary name, then renamed. */
function createOverlay(path: string, options: OverlayFileOptions): void {
  const temp = `${path}.${process.pid}.tmp`;
  let created = false;
  try {
    const fd = openSync(temp, 'wx');
    created = true;
    try {
      writeSync(fd, encodeHeader(options.baseSha256, options.baseBytes));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (err) {
    if (created) rmSync(temp, { force: true });
    throw new RrvmError('disk.overlay', `cannot create overlay '${path}': ${reasonOf(err)}`);
  }
}
