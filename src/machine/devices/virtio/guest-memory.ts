/**
 * Guest physical memory as a DMA-capable device sees it (virtqueues, block data, entropy).
 * The machine's implementation treats a `write` exactly like a CPU store: it marks pages dirty
 * and invalidates compiled code. Addresses are guest physical addresses (RAM starts at
 * 0x8000_0000 on `virt`); ranges are only ever wholly inside RAM or refused.
 */
export interface GuestMemory {
  /** A copy of `length` bytes at `address`, or null if the range is not wholly in RAM. */
  read(address: number, length: number): Uint8Array | null;
  /** Copies `bytes` to `address`; false (and nothing written) if the range is not wholly in RAM. */
  write(address: number, bytes: Uint8Array): boolean;
  /** True when `length` bytes at `address` lie wholly in RAM (a bounds check that copies nothing). */
  contains(address: number, length: number): boolean;
}
