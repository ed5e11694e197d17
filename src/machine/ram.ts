/** Flag bits of `Ram.chunkFlags`, one byte per 64-byte chunk of RAM. */
export const ChunkFlag = {
  /** A decoded instruction covers part of this chunk: stores must invalidate it. */
  CODE: 1,
  /** A watched location (HTIF `tohost`) lies in this chunk. */
  WATCH: 2,
} as const;

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
  /** Called after a store to a chunk with any flag set (code invalidation, tohost). */
  onFlaggedStore: (offset: number, size: number) => void = () => {};

  constructor(readonly bytes: number) {
    const buffer = new ArrayBuffer(bytes);
    this.u8 = new Uint8Array(buffer);
    this.i8 = new Int8Array(buffer);
    this.u16 = new Uint16Array(buffer);
    this.i16 = new Int16Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.chunkFlags = new Uint8Array(bytes >>> CHUNK_SHIFT);
  }

  /** True when `size` bytes at `offset` lie inside RAM. */
  contains(offset: number, size: number): boolean {
    return offset >= 0 && offset + size <= this.bytes;
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

  /** Copies `data` into RAM at `offset` (ELF loading); does not trigger store hooks. */
  load(offset: number, data: Uint8Array): void {
    this.u8.set(data, offset);
  }
}
