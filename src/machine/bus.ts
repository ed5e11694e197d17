import type { AccessSize, MmioDevice } from './mmio-device.js';
import type { Ram } from './ram.js';
import { MemoryMap } from './memory-map.js';

interface Mapping {
  base: number;
  size: number;
  device: MmioDevice;
}

/**
 * The physical address space: RAM plus MMIO devices. This is the slow path; the CPU reads
 * and writes aligned RAM directly. An access to nothing sets `faulted` (an access fault for
 * the CPU to raise) instead of throwing.
 */
export class Bus {
  /** Set by `read`/`write` when the address maps to nothing; the caller clears it. */
  faulted = false;
  /** Called after every MMIO store. */
  onMmioWrite: () => void = () => {};
  /** Hears every device access while an execution tap listens (null: nobody, no cost). */
  mmioObserver: ((write: boolean, device: string, offset: number, size: AccessSize, value: number) => void) | null = null;
  private readonly mappings: Mapping[] = [];

  constructor(readonly ram: Ram) {}

  /** Maps `device` at `[base, base + size)`. */
  map(base: number, size: number, device: MmioDevice): void {
    this.mappings.push({ base: base >>> 0, size, device });
  }

  /** Reads `size` bytes at physical address `addr` (any alignment), zero-extended. */
  read(addr: number, size: AccessSize): number {
    const off = (addr >>> 0) - MemoryMap.RAM;
    if (this.ram.contains(off, size)) return this.ram.read(off, size);
    const m = this.find(addr >>> 0, size);
    if (m === undefined) {
      this.faulted = true;
      return 0;
    }
    const value = m.device.read((addr >>> 0) - m.base, size) >>> 0;
    this.mmioObserver?.(false, m.device.name, (addr >>> 0) - m.base, size, value);
    return value;
  }

  /** Writes the low `size` bytes of `value` at physical address `addr` (any alignment). */
  write(addr: number, size: AccessSize, value: number): void {
    const off = (addr >>> 0) - MemoryMap.RAM;
    if (this.ram.contains(off, size)) return this.ram.write(off, size, value);
    const m = this.find(addr >>> 0, size);
    if (m === undefined) {
      this.faulted = true;
      return;
    }
    m.device.write((addr >>> 0) - m.base, size, value);
    this.mmioObserver?.(true, m.device.name, (addr >>> 0) - m.base, size, value >>> 0);
    this.onMmioWrite();
  }

  /** The device of an MMIO access that lies wholly inside one mapping and is naturally aligned. */
  private find(addr: number, size: number): Mapping | undefined {
    if ((addr & (size - 1)) !== 0) return undefined;
    for (const m of this.mappings) {
      if (addr >= m.base && addr + size <= m.base + m.size) return m;
    }
    return undefined;
  }
}
