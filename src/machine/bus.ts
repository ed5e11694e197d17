import type { AccessSize, MmioDevice } from './mmio-device.js';
import type { Ram } from './ram.js';
import { MemoryMap } from './memory-map.js';

/** log2 of the page size the device index uses. */
const PAGE_SHIFT = 12;

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
  /** The mappings touching each 4 KiB page of the address space, by page number (usually one). */
  private readonly byPage = new Map<number, Mapping[]>();

  constructor(readonly ram: Ram) {}

  /** Maps `device` at `[base, base + size)`. */
  map(base: number, size: number, device: MmioDevice): void {
    const mapping = { base: base >>> 0, size, device };
    for (let page = mapping.base >>> PAGE_SHIFT; page <= (mapping.base + size - 1) >>> PAGE_SHIFT; page++) {
      const list = this.byPage.get(page);
      if (list === undefined) this.byPage.set(page, [mapping]);
      else list.push(mapping);
    }
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

  /** The device of an MMIO access that lies wholly inside one mapping and is naturally aligned (found by its page). */
  private find(addr: number, size: number): Mapping | undefined {
    if ((addr & (size - 1)) !== 0) return undefined;
    const list = this.byPage.get(addr >>> PAGE_SHIFT);
    if (list === undefined) return undefined;
    for (const m of list) {
      if (addr >= m.base && addr + size <= m.base + m.size) return m;
    }
    return undefined;
  }
}
