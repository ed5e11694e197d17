import { createHash } from 'node:crypto';
import { statSync, type Stats } from 'node:fs';
import { RrvmError } from '../../core/rrvm-error.js';
import { HostFile } from './host-file.js';
import { OverlayFile, SECTOR_BYTES, type OverlayRecovery } from './overlay-file.js';

/** How to open a disk. */
export interface DiskImageOptions {
  /** Overlay file holding the writes (created when missing; an existing one is the starting state). Without it, writes stay in memory. */
  overlay?: string;
  /** The disk refuses writes (`disk.readonly`); an overlay file is then only read and must exist. */
  readOnly?: boolean;
  /**
   * Replay: start from only the first `overlayStartBytes` bytes of writes in the overlay file
   * (the `overlayBytes` the recording saw), leave the file untouched, and keep new writes in memory.
   */
  overlayStartBytes?: number;
  /**
   * The base is `bytes` bytes of the file at `path` from `offset` on, not the whole file: a disk
   * image embedded in a packed log (`rrvm pack`).
   */
  baseRegion?: { offset: number; bytes: number };
}

/** A run of sectors read with one host read. */
interface Segment {
  file: HostFile;
  /** Offset in the result buffer. */
  at: number;
  position: number;
  bytes: number;
}

const HASH_CHUNK_BYTES = 1 << 20;

/**
 * A disk (DESIGN §7): a raw base image opened read-only and never written, under a
 * copy-on-write overlay of 512-byte sectors kept in memory or in an overlay file
 * (format: overlay-file.ts). A base whose size is not a multiple of 512 is padded with zeros
 * up to the next sector, virtually, as QEMU does for raw images.
 *
 * I/O comes in two styles with the same results: sync (replay) and async (record, through the
 * libuv thread pool). Async operations run one at a time in the order they were called, so a
 * read sees exactly the writes called before it; a sync call while async ones are still
 * pending is a bug (`disk.busy`).
 */
export class DiskImage {
  /** Sectors written and not in an overlay file. */
  private readonly memory = new Map<number, Uint8Array>();
  /** Async operations called and not finished; the next one runs after `tail`. */
  private pending = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private closing = false;

  private constructor(
    /** The base image's path. */
    readonly path: string,
    private readonly base: HostFile,
    /** Where the base image starts in its file (0 unless it is embedded in a log). */
    private readonly baseOffset: number,
    /** Size of the base image in bytes. */
    readonly baseBytes: number,
    /** SHA-256 (hex) of the base image. */
    readonly baseSha256: string,
    private readonly overlayFile: OverlayFile | null,
    /** Writes go to the overlay file (else to memory). */
    private readonly writesToFile: boolean,
    /** Whether the disk refuses writes. */
    readonly readOnly: boolean,
  ) {}

  /** Opens the base image at `path` (or in it: `baseRegion`), hashing it, and the overlay file, if any. */
  static open(path: string, options: DiskImageOptions = {}): DiskImage {
    const readOnly = options.readOnly ?? false;
    const base = HostFile.open(path, 'r', 'disk image', 'input.read');
    let overlay: OverlayFile | null = null;
    try {
      const stat = base.stat();
      if (!stat.isFile()) throw new RrvmError('input.read', `cannot read disk image '${path}': not a regular file`);
      const region = options.baseRegion ?? { offset: 0, bytes: stat.size };
      if (region.offset + region.bytes > stat.size) {
        throw new RrvmError('input.read', `cannot read disk image '${path}': bytes ${region.offset}+${region.bytes} run past the end of the file`);
      }
      const baseBytes = region.bytes;
      const baseSha256 = sha256Of(base, region.offset, baseBytes);
      const sectors = Math.ceil(baseBytes / SECTOR_BYTES);
      if (options.overlay !== undefined) {
        const o = statOrNull(options.overlay);
        if (o !== null && o.dev === stat.dev && o.ino === stat.ino) {
          throw new RrvmError('disk.overlay', `overlay '${options.overlay}' is the disk image '${path}' itself`);
        }
        overlay = OverlayFile.open(options.overlay, {
          baseSha256,
          baseBytes,
          sectors,
          readOnly,
          ...(options.overlayStartBytes === undefined ? {} : { startBytes: options.overlayStartBytes }),
        });
      } else if (options.overlayStartBytes !== undefined) {
        throw new RrvmError('disk.overlay', `overlayStartBytes for disk image '${path}' without an overlay file`);
      }
      const writesToFile = overlay !== null && !readOnly && options.overlayStartBytes === undefined;
      return new DiskImage(path, base, region.offset, baseBytes, baseSha256, overlay, writesToFile, readOnly);
    } catch (err) {
      overlay?.close();
      base.close();
      throw err;
    }
  }

  /** Size of the disk in 512-byte sectors (the base size rounded up). */
  get sectors(): number {
    return Math.ceil(this.baseBytes / SECTOR_BYTES);
  }

  /** SHA-256 (hex) of the overlay file's writes when it was opened (the starting overlay), or null without an overlay file. */
  get overlaySha256(): string | null {
    return this.overlayFile?.sha256 ?? null;
  }

  /** Bytes of writes in the overlay file when it was opened (what `overlayStartBytes` takes), or null without one. */
  get overlayBytes(): number | null {
    return this.overlayFile?.startBytes ?? null;
  }

  /** What opening the overlay file dropped from a torn end, or null. */
  get recovery(): OverlayRecovery | null {
    return this.overlayFile?.recovery ?? null;
  }

  /** Reads `count` sectors from `sector`. */
  readSync(sector: number, count: number): Uint8Array {
    this.checkSync();
    this.checkRange(sector, count);
    const out = new Uint8Array(count * SECTOR_BYTES);
    for (const s of this.plan(sector, count, out)) s.file.readSync(out, s.at, s.bytes, s.position);
    return out;
  }

  /** Writes `data` (whole sectors) from `sector`. */
  writeSync(sector: number, data: Uint8Array): void {
    this.checkSync();
    this.checkWrite(sector, data);
    if (this.writesToFile) this.overlayFile!.appendSync(sector, data);
    else this.writeMemory(sector, data);
  }

  /**
   * The sectors written in memory (a replay's writes), to keep with a snapshot. Sector arrays
   * are replaced, never changed in place, so snapshots share them.
   */
  saveMemory(): Map<number, Uint8Array> {
    return new Map(this.memory);
  }

  /** Puts the in-memory writes back to what `saveMemory` returned. */
  restoreMemory(saved: ReadonlyMap<number, Uint8Array>): void {
    this.memory.clear();
    for (const [sector, data] of saved) this.memory.set(sector, data);
  }

  /** Makes every write durable (an overlay file is synced; memory needs nothing). */
  flushSync(): void {
    this.checkSync();
    if (this.writesToFile) this.overlayFile!.flushSync();
  }

  /** `readSync`, async; runs after every operation called before it. */
  read(sector: number, count: number): Promise<Uint8Array> {
    return this.enqueue(
      () => this.checkRange(sector, count),
      async () => {
        const out = new Uint8Array(count * SECTOR_BYTES);
        for (const s of this.plan(sector, count, out)) await s.file.read(out, s.at, s.bytes, s.position);
        return out;
      },
    );
  }

  /** `writeSync`, async; `data` is copied at the call. */
  write(sector: number, data: Uint8Array): Promise<void> {
    const copy = data.slice();
    return this.enqueue(
      () => this.checkWrite(sector, data),
      async () => {
        if (this.writesToFile) await this.overlayFile!.append(sector, copy);
        else this.writeMemory(sector, copy);
      },
    );
  }

  /** `flushSync`, async. */
  flush(): Promise<void> {
    return this.enqueue(
      () => undefined,
      async () => {
        if (this.writesToFile) await this.overlayFile!.flush();
      },
    );
  }

  /**
   * Closes the files. Async operations already called still finish (the files close after the
   * last); any later call fails with `disk.closed`. Closing twice is harmless.
   */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    if (this.pending === 0) this.closeNow();
  }

  private closeNow(): void {
    this.memory.clear();
    try {
      this.overlayFile?.close();
    } finally {
      this.base.close();
    }
  }

  /** Runs `check` now (a failure rejects at once) and `op` after every earlier async operation. */
  private enqueue<T>(check: () => void, op: () => Promise<T>): Promise<T> {
    try {
      this.checkOpen();
      check();
    } catch (err) {
      return Promise.reject(err);
    }
    this.pending++;
    const run = this.tail.then(async () => {
      try {
        return await op();
      } finally {
        // Before `run` settles, so a caller resuming after it sees the disk idle.
        this.pending--;
        if (this.pending === 0 && this.closing) this.closeNow();
      }
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Host reads that fill `out` with sectors `sector..+count`; sectors in memory are copied at once. */
  private plan(sector: number, count: number, out: Uint8Array): Segment[] {
    const segments: Segment[] = [];
    let last: Segment | null = null;
    for (let i = 0; i < count; i++) {
      const s = sector + i;
      const at = i * SECTOR_BYTES;
      const inMemory = this.memory.get(s);
      if (inMemory !== undefined) {
        out.set(inMemory, at);
        last = null;
        continue;
      }
      const offset = this.overlayFile?.offsetOf(s);
      const file = offset === undefined ? this.base : this.overlayFile!.file;
      const position = offset ?? this.baseOffset + s * SECTOR_BYTES;
      if (last !== null && last.file === file && last.position + last.bytes === position) {
        last.bytes += SECTOR_BYTES;
      } else {
        last = { file, at, position, bytes: SECTOR_BYTES };
        segments.push(last);
      }
    }
    // The padding past the base's last byte stays zero: base reads stop at the image's end (an
    // embedded image is followed by other bytes of its log).
    const baseEnd = this.baseOffset + this.baseBytes;
    for (const s of segments) if (s.file === this.base) s.bytes = Math.max(0, Math.min(s.bytes, baseEnd - s.position));
    return segments.filter((s) => s.bytes > 0);
  }

  private writeMemory(sector: number, data: Uint8Array): void {
    for (let i = 0; i * SECTOR_BYTES < data.length; i++) {
      this.memory.set(sector + i, data.slice(i * SECTOR_BYTES, (i + 1) * SECTOR_BYTES));
    }
  }

  private checkOpen(): void {
    if (this.closing) throw new RrvmError('disk.closed', `disk image '${this.path}' is closed`);
  }

  private checkSync(): void {
    this.checkOpen();
    if (this.pending > 0) throw new RrvmError('disk.busy', `disk image '${this.path}': sync I/O while ${this.pending} async operations are pending`);
  }

  private checkRange(sector: number, count: number): void {
    if (!Number.isSafeInteger(sector) || !Number.isSafeInteger(count) || sector < 0 || count < 0 || sector + count > this.sectors) {
      throw new RrvmError('disk.range', `disk image '${this.path}': sectors ${sector}+${count} outside 0..${this.sectors}`);
    }
  }

  private checkWrite(sector: number, data: Uint8Array): void {
    if (this.readOnly) throw new RrvmError('disk.readonly', `disk image '${this.path}' is read-only`);
    if (data.length % SECTOR_BYTES !== 0) {
      throw new RrvmError('disk.range', `disk image '${this.path}': a write of ${data.length} bytes is not whole sectors`);
    }
    this.checkRange(sector, data.length / SECTOR_BYTES);
  }
}

/** SHA-256 (hex) of `bytes` bytes of `file` from `offset`, read 1 MiB at a time. */
function sha256Of(file: HostFile, offset: number, bytes: number): string {
  const hash = createHash('sha256');
  const chunk = new Uint8Array(Math.min(HASH_CHUNK_BYTES, Math.max(bytes, 1)));
  for (let at = 0; at < bytes; ) {
    const n = file.readSync(chunk, 0, Math.min(chunk.length, bytes - at), offset + at);
    if (n === 0) throw new RrvmError('input.read', `cannot read disk image '${file.path}': it shrank while being read`);
    hash.update(chunk.subarray(0, n));
    at += n;
  }
  return hash.digest('hex');
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}
