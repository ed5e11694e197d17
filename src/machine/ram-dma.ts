import type { GuestMemory } from './devices/virtio/guest-memory.js';
import { MemoryMap } from './memory-map.js';
import type { Ram } from './ram.js';

/**
 * Guest RAM as DMA-capable devices reach it: a write is treated exactly like a CPU store
 * (`onWrite` marks pages dirty, invalidates compiled code, checks watches and tohost).
 */
export class RamDma implements GuestMemory {
  constructor(
    private readonly ram: Ram,
    private readonly onWrite: (offset: number, size: number) => void,
  ) {}

  contains(address: number, length: number): boolean {
    const offset = (address >>> 0) - MemoryMap.RAM;
    return Number.isInteger(length) && length >= 0 && offset >= 0 && offset + length <= this.ram.bytes;
  }

  read(address: number, length: number): Uint8Array | null {
    if (!this.contains(address, length)) return null;
    const offset = (address >>> 0) - MemoryMap.RAM;
    return this.ram.u8.slice(offset, offset + length);
  }

  write(address: number, bytes: Uint8Array): boolean {
    if (!this.contains(address, bytes.length)) return false;
    if (bytes.length === 0) return true;
    const offset = (address >>> 0) - MemoryMap.RAM;
    this.ram.u8.set(bytes, offset);
    this.onWrite(offset, bytes.length);
    return true;
  }
}
