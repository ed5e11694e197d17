import type { StateRecord } from '../../state.js';
import type { GuestMemory } from './guest-memory.js';

/** Descriptor flags (VIRTIO 1.2 §2.7.5). */
export const VirtqDescFlag = {
  NEXT: 1,
  WRITE: 2,
  INDIRECT: 4,
} as const;

/** Available-ring flags (VIRTIO 1.2 §2.7.6). */
export const VirtqAvailFlag = {
  NO_INTERRUPT: 1,
} as const;

/** Bytes per descriptor: addr u64, len u32, flags u16, next u16. */
export const VIRTQ_DESC_BYTES = 16;
/** Bytes per used-ring element: id u32, len u32. */
export const VIRTQ_USED_ELEM_BYTES = 8;
/** Most descriptors one chain may have, direct and indirect together (QEMU's VIRTQUEUE_MAX_SIZE). */
export const VIRTQ_MAX_CHAIN = 1024;

/** One buffer of a descriptor chain, in guest physical memory. */
export interface Segment {
  readonly address: number;
  readonly length: number;
  /** Device-writable (VIRTQ_DESC_F_WRITE); device-readable otherwise. */
  readonly writable: boolean;
}

/** A descriptor chain taken from the available ring: readable segments first, then writable ones. */
export interface DescriptorChain {
  /** Index of the head descriptor: what goes back into the used ring. */
  readonly head: number;
  readonly segments: readonly Segment[];
  readonly readableBytes: number;
  readonly writableBytes: number;
}

/** What `SplitQueue.pop` returns for a malformed queue or chain: the device must fail. */
export const BROKEN = 'broken';

/**
 * One split virtqueue (VIRTIO 1.2 §2.7): the driver-programmed geometry and the device's shadow
 * indices. Every guest-supplied index, length and address is checked; a bad one yields BROKEN,
 * never an exception. EVENT_IDX is not offered, so interrupts follow avail.flags only.
 */
export class SplitQueue {
  /** Queue size chosen by the driver (QueueNum); starts at the maximum, as in QEMU. */
  num: number;
  ready = false;
  /** Descriptor table, driver (available) area and device (used) area, as 32-bit halves. */
  descLow = 0;
  descHigh = 0;
  driverLow = 0;
  driverHigh = 0;
  deviceLow = 0;
  deviceHigh = 0;
  /** Next available-ring index the device will read (free-running u16). */
  lastAvailIdx = 0;
  /** Next used-ring index the device will write (free-running u16). */
  usedIdx = 0;

  constructor(readonly numMax: number) {
    this.num = numMax;
  }

  /** Back to the reset state (VIRTIO 1.2 §4.2.3.1: the device resets every queue). */
  reset(): void {
    this.num = this.numMax;
    this.ready = false;
    this.descLow = this.descHigh = 0;
    this.driverLow = this.driverHigh = 0;
    this.deviceLow = this.deviceHigh = 0;
    this.lastAvailIdx = 0;
    this.usedIdx = 0;
  }

  /** The next available chain, null if the driver has made none available, BROKEN if the queue or chain is malformed. */
  pop(memory: GuestMemory): DescriptorChain | null | typeof BROKEN {
    const num = this.num;
    if (num === 0 || this.descHigh !== 0 || this.driverHigh !== 0 || this.deviceHigh !== 0) return BROKEN;
    const availIdx = readU16(memory, this.driverLow + 2);
    if (availIdx === null) return BROKEN;
    const waiting = (availIdx - this.lastAvailIdx) & 0xffff;
    if (waiting === 0) return null;
    // The driver can never have more than `num` buffers outstanding (QEMU: "Guest moved index").
    if (waiting > num) return BROKEN;
    const head = readU16(memory, this.driverLow + 4 + 2 * (this.lastAvailIdx % num));
    if (head === null || head >= num) return BROKEN;
    this.lastAvailIdx = (this.lastAvailIdx + 1) & 0xffff;
    return walkChain(memory, this.descLow, num, head);
  }

  /** Writes used element (head, writtenBytes) and the new used index; false if the used ring is not in RAM. */
  push(memory: GuestMemory, head: number, writtenBytes: number): boolean {
    if (this.num === 0 || this.deviceHigh !== 0) return false;
    const elem = new Uint8Array(VIRTQ_USED_ELEM_BYTES);
    putU32(elem, 0, head);
    putU32(elem, 4, writtenBytes);
    const slot = this.usedIdx % this.num;
    if (!memory.write(this.deviceLow + 4 + VIRTQ_USED_ELEM_BYTES * slot, elem)) return false;
    this.usedIdx = (this.usedIdx + 1) & 0xffff;
    // The element must be visible before the index that publishes it (§2.7.8).
    return memory.write(this.deviceLow + 2, Uint8Array.of(this.usedIdx & 0xff, this.usedIdx >>> 8));
  }

  /** False when the driver set VIRTQ_AVAIL_F_NO_INTERRUPT (or the ring is unreadable: then interrupt anyway). */
  wantsInterrupt(memory: GuestMemory): boolean {
    const flags = this.driverHigh === 0 ? readU16(memory, this.driverLow) : null;
    return flags === null || (flags & VirtqAvailFlag.NO_INTERRUPT) === 0;
  }

  /** Every field, as plain data. */
  save(): StateRecord {
    return {
      num: this.num,
      ready: this.ready,
      descLow: this.descLow,
      descHigh: this.descHigh,
      driverLow: this.driverLow,
      driverHigh: this.driverHigh,
      deviceLow: this.deviceLow,
      deviceHigh: this.deviceHigh,
      lastAvailIdx: this.lastAvailIdx,
      usedIdx: this.usedIdx,
    };
  }

  /** Copies back what `save` returned. */
  restore(s: StateRecord): void {
    this.num = s.num as number;
    this.ready = s.ready as boolean;
    this.descLow = s.descLow as number;
    this.descHigh = s.descHigh as number;
    this.driverLow = s.driverLow as number;
    this.driverHigh = s.driverHigh as number;
    this.deviceLow = s.deviceLow as number;
    this.deviceHigh = s.deviceHigh as number;
    this.lastAvailIdx = s.lastAvailIdx as number;
    this.usedIdx = s.usedIdx as number;
  }
}

/**
 * Follows a chain from `head` through NEXT links, entering at most one indirect table
 * (§2.7.5.3). Rejects: descriptors outside RAM or above 4 GiB, links past the table, loops
 * (more links than the table has entries), nested indirection, INDIRECT with NEXT, an
 * indirect table whose length is not a multiple of 16, readable after writable segments.
 */
function walkChain(memory: GuestMemory, descTable: number, num: number, head: number): DescriptorChain | typeof BROKEN {
  const segments: Segment[] = [];
  let readableBytes = 0;
  let writableBytes = 0;
  let table = descTable;
  let tableSize = num;
  let index = head;
  let linksLeft = num;
  let indirect = false;
  let total = 0;
  for (;;) {
    if (linksLeft-- <= 0 || ++total > VIRTQ_MAX_CHAIN) return BROKEN;
    const d = memory.read(table + VIRTQ_DESC_BYTES * index, VIRTQ_DESC_BYTES);
    if (d === null) return BROKEN;
    const address = getU32(d, 0);
    const addressHigh = getU32(d, 4);
    const length = getU32(d, 8);
    const flags = d[12]! | (d[13]! << 8);
    const next = d[14]! | (d[15]! << 8);
    if (addressHigh !== 0) return BROKEN;
    if (flags & VirtqDescFlag.INDIRECT) {
      if (indirect || flags & VirtqDescFlag.NEXT) return BROKEN;
      if (length === 0 || length % VIRTQ_DESC_BYTES !== 0 || !memory.contains(address, length)) return BROKEN;
      indirect = true;
      table = address;
      tableSize = length / VIRTQ_DESC_BYTES;
      linksLeft = tableSize;
      index = 0;
      continue;
    }
    if (length !== 0 && !memory.contains(address, length)) return BROKEN;
    const writable = (flags & VirtqDescFlag.WRITE) !== 0;
    if (writable) writableBytes += length;
    else if (writableBytes > 0) return BROKEN;
    else readableBytes += length;
    segments.push({ address, length, writable });
    if ((flags & VirtqDescFlag.NEXT) === 0) break;
    if (next >= tableSize) return BROKEN;
    index = next;
  }
  return { head, segments, readableBytes, writableBytes };
}

/** Copies `length` bytes of the chain's readable part starting at `offset`; null if memory refused. */
export function readChain(memory: GuestMemory, chain: DescriptorChain, offset: number, length: number): Uint8Array | null {
  const out = new Uint8Array(length);
  let filled = 0;
  let skip = offset;
  for (const seg of chain.segments) {
    if (filled === length || seg.writable) break;
    if (skip >= seg.length) {
      skip -= seg.length;
      continue;
    }
    const n = Math.min(seg.length - skip, length - filled);
    const bytes = memory.read(seg.address + skip, n);
    if (bytes === null) return null;
    out.set(bytes, filled);
    filled += n;
    skip = 0;
  }
  return filled === length ? out : null;
}

/**
 * Writes `bytes` into the writable segments `segments` starting at byte `offset` of the
 * writable part; false if they do not all fit or memory refused.
 */
export function writeSegments(memory: GuestMemory, segments: readonly Segment[], offset: number, bytes: Uint8Array): boolean {
  let done = 0;
  let skip = offset;
  for (const seg of segments) {
    if (done === bytes.length) break;
    if (!seg.writable) continue;
    if (skip >= seg.length) {
      skip -= seg.length;
      continue;
    }
    const n = Math.min(seg.length - skip, bytes.length - done);
    if (!memory.write(seg.address + skip, bytes.subarray(done, done + n))) return false;
    done += n;
    skip = 0;
  }
  return done === bytes.length;
}

function readU16(memory: GuestMemory, address: number): number | null {
  const b = memory.read(address, 2);
  return b === null ? null : b[0]! | (b[1]! << 8);
}

/** Little-endian u32 at `offset` of `b`. */
export function getU32(b: Uint8Array, offset: number): number {
  return (b[offset]! | (b[offset + 1]! << 8) | (b[offset + 2]! << 16) | (b[offset + 3]! << 24)) >>> 0;
}

/** Stores `value` as a little-endian u32 at `offset` of `b`. */
export function putU32(b: Uint8Array, offset: number, value: number): void {
  b[offset] = value;
  b[offset + 1] = value >>> 8;
  b[offset + 2] = value >>> 16;
  b[offset + 3] = value >>> 24;
}
