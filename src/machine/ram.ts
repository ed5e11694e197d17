/** Flag bits of `Ram.chunkFlags`, one byte per 64-byte chunk of RAM. */
export const ChunkFlag = {
  /** A decoded instruction covers part of this chunk: stores must invalidate it. */
  CODE: 1,
  /** A watched location (HTIF `tohost`, a debugger's write watchpoint) lies in this chunk. */
  WATCH: 2,
  /** The page of this chunk was not written since dirty tracking was last re-armed. */
  TRACK: 4,
} as const;

/** log2 of the page size used for dirty tracking, snapshots and RAM digests (4 KiB). */
export const PAGE_SHIFT = 12;
/** Bytes per page. */
export const PAGE_BYTES = 1 << PAGE_SHIFT;

/** log2 of the chunk size used for store tracking (64 bytes, see PERF-NOTES). */
export const CHUNK_SHIFT = 6;

/**
 * Guest RAM: one ArrayBuffer with typed views of each width (little-endian host assumed,
 * which matches RISC-V). Offsets are relative to the RAM base.
 */
export class Ram {
  readonly u8: Uint8Array;
  readonly i8: Int8Array;
  readonly u16: Uint16Array;
  readonly i16: Int16Array;
  readonly i32: Int32Array;
  /** Per 64-byte chunk: `ChunkFlag` bits; a store into a flagged chunk calls `onFlaggedStore`. */
  readonly chunkFlags: Uint8Array;
  /** Called after a store to a chunk with any flag set (dirty tracking, code invalidation, watches). */
  onFlaggedStore: (offset: number, size: number) => void = () => {};
  /** Number of 4 KiB pages. */
  readonly pages: number;
  /**
   * Per page: the tracking epoch in which it was last written (0: never written, all zero).
   * Consumers (RAM digests, snapshots) remember an epoch and ask for the pages written since.
   */
  readonly pageEpoch: Uint32Array;
  /** The current tracking epoch (starts at 1). */
  epoch = 1;
  /** Pages written in the current epoch, whose chunks lost their TRACK flag. */
  private readonly written: Int32Array;
  private writtenCount = 0;

  constructor(readonly bytes: number) {
    const buffer = new ArrayBuffer(bytes);
    this.u8 = new Uint8Array(buffer);
    this.i8 = new Int8Array(buffer);
    this.u16 = new Uint16Array(buffer);
    this.i16 = new Int16Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.chunkFlags = new Uint8Array(bytes >>> CHUNK_SHIFT).fill(ChunkFlag.TRACK);
    this.pages = bytes >>> PAGE_SHIFT;
    this.pageEpoch = new Uint32Array(this.pages);
    this.written = new Int32Array(this.pages);
  }

  /**
   * Records a store to `[offset, offset + size)` for dirty tracking, from the flagged-store
   * slow path: the first store to a page in an epoch marks it and clears TRACK on its chunks,
   * so later stores to it in the same epoch stay on the fast path.
   */
  noteStore(offset: number, size: number): void {
    const last = (offset + size - 1) >>> PAGE_SHIFT;
    for (let page = offset >>> PAGE_SHIFT; page <= last; page++) this.markPage(page);
  }

  /** Marks `page` written in the current epoch (a store, a load, a restore). */
  markPage(page: number): void {
    if (this.pageEpoch[page] === this.epoch) return;
    this.pageEpoch[page] = this.epoch;
    this.written[this.writtenCount++] = page;
    const first = page << (PAGE_SHIFT - CHUNK_SHIFT);
    const flags = this.chunkFlags;
    for (let c = first; c < first + (1 << (PAGE_SHIFT - CHUNK_SHIFT)); c++) flags[c]! &= ~ChunkFlag.TRACK;
  }

  /**
   * Closes the current epoch and returns the new one: the pages written in it get their TRACK
   * flags back, so their next store is seen again. A consumer that calls this after reading
   * the pages written since its last epoch sees every later write.
   */
  nextEpoch(): number {
    const flags = this.chunkFlags;
    for (let i = 0; i < this.writtenCount; i++) {
      const first = this.written[i]! << (PAGE_SHIFT - CHUNK_SHIFT);
      for (let c = first; c < first + (1 << (PAGE_SHIFT - CHUNK_SHIFT)); c++) flags[c]! |= ChunkFlag.TRACK;
    }
    this.writtenCount = 0;
    return ++this.epoch;
  }

  /** The 4 KiB page `page` as a view (not a copy). */
  page(page: number): Uint8Array {
    return this.u8.subarray(page << PAGE_SHIFT, (page + 1) << PAGE_SHIFT);
  }

  /** True when `size` bytes at `offset` lie inside RAM. */
  contains(offset: number, size: number): boolean {
    return offset >= 0 && offset + size <= this.bytes;
  }

  /** The instruction at `offset` as fetched (its 16 bits when compressed), or 0 when it does not lie inside RAM. */
  instructionBits(offset: number): number {
    if (!this.contains(offset, 2)) return 0;
    const low = this.read(offset, 2);
    if ((low & 3) !== 3) return low;
    return this.contains(offset, 4) ? this.read(offset, 4) : 0;
  }

  /** Reads `size` bytes at any alignment, zero-extended. The caller checks bounds. */
  read(offset: number, size: number): number {
    if (size === 4 && (offset & 3) === 0) return this.i32[offset >> 2]! >>> 0;
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = (v << 8) | this.u8[offset + i]!;
    return v >>> 0;
  }

  /** Writes the low `size` bytes of `value` at any alignment. The caller checks bounds. */
  write(offset: number, size: number, value: number): void {
    for (let i = 0; i < size; i++) this.u8[offset + i] = value >>> (8 * i);
    const flags = this.chunkFlags;
    if (flags[offset >>> CHUNK_SHIFT] !== 0 || flags[(offset + size - 1) >>> CHUNK_SHIFT] !== 0) {
      this.onFlaggedStore(offset, size);
    }
  }

  /** Copies `data` into RAM at `offset` (ELF loading): marks the pages written, triggers no other hook. */
  load(offset: number, data: Uint8Array): void {
    this.u8.set(data, offset);
    if (data.length > 0) this.noteStore(offset, data.length);
  }
}
