/** One loadable piece of an executable: bytes to copy to a physical address (bss is zero-filled). */
export interface LoadSegment {
  /** Physical load address (p_paddr). */
  address: number;
  /** File bytes followed by zeros up to the segment's memory size. */
  data: Uint8Array;
}

/** A parsed guest executable, ready to load into RAM. */
export interface ElfImage {
  entry: number;
  segments: LoadSegment[];
  /** Address of the HTIF `tohost` symbol, when the ELF has one. */
  tohost?: number;
  /** Address of the HTIF `fromhost` symbol, when the ELF has one. */
  fromhost?: number;
}
