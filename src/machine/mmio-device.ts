/**
 * How a device asks for the current slice to end after the instruction being executed: a
 * write that moves its deadline must, so the engine recomputes deadlines before running on.
 */
export type EndSlice = () => void;

/** Access width of a load or store, in bytes. */
export type AccessSize = 1 | 2 | 4;

/**
 * A memory-mapped device as the bus sees it: the guest face of a device.
 * Offsets are relative to the device's base address. A register the device does not
 * implement reads as 0 and ignores writes (as QEMU does); only unmapped address ranges fault.
 */
export interface MmioDevice {
  /** Short name used in traces and error messages ("uart", "clint"). */
  readonly name: string;
  /** Reads `size` bytes at `offset`; returns the value zero-extended to 32 bits. NB: may have side effects. */
  read(offset: number, size: AccessSize): number;
  /** Writes the low `size` bytes of `value` at `offset`. */
  write(offset: number, size: AccessSize, value: number): void;
}
