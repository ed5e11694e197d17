// A tiny virtio driver in TypeScript for the device tests: it plays the guest, writing
// descriptor tables and rings into a RAM test double and poking the transport's registers.
import { expect } from 'vitest';
import type { GuestMemory } from '../../../../src/machine/devices/virtio/guest-memory.js';
import { VirtqDescFlag } from '../../../../src/machine/devices/virtio/split-queue.js';
import { VirtioStatus } from '../../../../src/machine/devices/virtio/virtio-device.js';
import { VirtioMmio, VirtioMmioReg as R } from '../../../../src/machine/devices/virtio/virtio-mmio.js';
import type { VirtioDevice } from '../../../../src/machine/devices/virtio/virtio-device.js';
import { Ram } from '../../../../src/machine/ram.js';
import type { StateRecord, StateValue } from '../../../../src/machine/state.js';

export const RAM_BASE = 0x8000_0000;
export const RAM_BYTES = 1 << 20;
export const IRQ = 4;

/** GuestMemory over a Ram at RAM_BASE, as the machine will provide it (without dirty tracking). */
export function ramGuestMemory(ram: Ram, base = RAM_BASE): GuestMemory {
  const contains = (address: number, length: number) =>
    Number.isInteger(address) && length >= 0 && address >= base && address + length <= base + ram.bytes;
  return {
    contains,
    read: (address, length) => (contains(address, length) ? ram.u8.slice(address - base, address - base + length) : null),
    write: (address, bytes) => {
      if (!contains(address, bytes.length)) return false;
      ram.u8.set(bytes, address - base);
      return true;
    },
  };
}

/** One buffer of a chain the driver posts. */
export interface Buf {
  address: number;
  length: number;
  writable?: boolean;
}

/** A raw descriptor, for tests that build malformed tables. */
export interface RawDesc {
  address: number;
  addressHigh?: number;
  length: number;
  flags: number;
  next?: number;
}

/** The guest side: registers, feature negotiation, one queue's rings, buffer allocation. */
export class TestDriver {
  readonly ram = new Ram(RAM_BYTES);
  readonly memory = ramGuestMemory(this.ram);
  readonly irqs: boolean[] = [];
  readonly slot: VirtioMmio;
  num = 0;
  desc = 0;
  avail = 0;
  used = 0;
  /** Driver-side free-running avail index. */
  availIdx = 0;
  /** Used entries consumed so far by `takeUsed`. */
  usedSeen = 0;
  /** BHs the device deferred and the driver has not run yet (the engine's part, played here). */
  readonly bhs: { tag: number; id: number }[] = [];
  private nextDesc = 0;
  private heap = RAM_BASE + 0x1_0000;
  private nextBh = 1;

  constructor(device: VirtioDevice | null, memory?: GuestMemory) {
    const irq = { setIrq: (source: number, level: boolean) => {
      expect(source).toBe(IRQ);
      this.irqs.push(level);
    } };
    const defer = (tag: number) => {
      const id = this.nextBh++;
      this.bhs.push({ tag, id });
      return id;
    };
    this.slot = new VirtioMmio(memory ?? this.memory, irq, IRQ, device, defer);
  }

  /** Runs every BH deferred so far, oldest first (as the engine does at the next checkpoint). */
  runBhs(): void {
    for (const bh of this.bhs.splice(0)) this.slot.runDeferred(bh.tag, bh.id);
  }

  /** The interrupt line's current level. */
  get irq(): boolean {
    return this.irqs.length > 0 && this.irqs[this.irqs.length - 1]!;
  }

  /** Takes over `other`'s guest side: its RAM contents, ring addresses and indices (for save/restore tests). */
  adopt(other: TestDriver): void {
    this.ram.u8.set(other.ram.u8);
    this.num = other.num;
    this.desc = other.desc;
    this.avail = other.avail;
    this.used = other.used;
    this.availIdx = other.availIdx;
    this.usedSeen = other.usedSeen;
    this.nextDesc = other.nextDesc;
    this.heap = other.heap;
  }

  r(offset: number): number {
    return this.slot.read(offset, 4);
  }

  w(offset: number, value: number): void {
    this.slot.write(offset, 4, value);
  }

  /** Bump-allocates guest memory. */
  alloc(bytes: number, align = 16): number {
    this.heap = Math.ceil(this.heap / align) * align;
    const address = this.heap;
    this.heap += bytes;
    return address;
  }

  /** §3.1.1 steps 1-6 with `features` ([low, high]); returns Status read back. */
  negotiate(features: [number, number] = [0, 1]): number {
    this.w(R.Status, 0);
    this.w(R.Status, VirtioStatus.ACKNOWLEDGE);
    this.w(R.Status, VirtioStatus.ACKNOWLEDGE | VirtioStatus.DRIVER);
    this.w(R.DriverFeaturesSel, 0);
    this.w(R.DriverFeatures, features[0]);
    this.w(R.DriverFeaturesSel, 1);
    this.w(R.DriverFeatures, features[1]);
    this.w(R.Status, VirtioStatus.ACKNOWLEDGE | VirtioStatus.DRIVER | VirtioStatus.FEATURES_OK);
    return this.r(R.Status);
  }

  /** Device features as [low, high]. */
  deviceFeatures(): [number, number] {
    this.w(R.DeviceFeaturesSel, 0);
    const low = this.r(R.DeviceFeatures);
    this.w(R.DeviceFeaturesSel, 1);
    return [low, this.r(R.DeviceFeatures)];
  }

  /** Allocates and programs queue `queue` with `num` entries, then sets DRIVER_OK. */
  setupQueue(num = 8, queue = 0): void {
    this.num = num;
    this.desc = this.alloc(16 * num, 16);
    this.avail = this.alloc(6 + 2 * num, 2);
    this.used = this.alloc(6 + 8 * num, 4);
    this.w(R.QueueSel, queue);
    expect(this.r(R.QueueReady)).toBe(0);
    this.w(R.QueueNum, num);
    this.w(R.QueueDescLow, this.desc);
    this.w(R.QueueDescHigh, 0);
    this.w(R.QueueDriverLow, this.avail);
    this.w(R.QueueDriverHigh, 0);
    this.w(R.QueueDeviceLow, this.used);
    this.w(R.QueueDeviceHigh, 0);
    this.w(R.QueueReady, 1);
    this.w(R.Status, this.r(R.Status) | VirtioStatus.DRIVER_OK);
  }

  /** Negotiates VERSION_1 (plus `extra` low bits) and sets up queue 0. */
  start(num = 8, extraLowFeatures = 0): void {
    expect(this.negotiate([extraLowFeatures, 1]) & VirtioStatus.FEATURES_OK).toBe(VirtioStatus.FEATURES_OK);
    this.setupQueue(num);
  }

  /** Writes descriptor `index` of the table at `table`. */
  writeDesc(table: number, index: number, d: RawDesc): void {
    const b = new Uint8Array(16);
    const v = new DataView(b.buffer);
    v.setUint32(0, d.address, true);
    v.setUint32(4, d.addressHigh ?? 0, true);
    v.setUint32(8, d.length, true);
    v.setUint16(12, d.flags, true);
    v.setUint16(14, d.next ?? 0, true);
    this.fill(table + 16 * index, b);
  }

  /** Takes descriptor slots round-robin (tests keep fewer than `num` outstanding). */
  takeDescs(count: number): number[] {
    return Array.from({ length: count }, () => {
      const i = this.nextDesc;
      this.nextDesc = (this.nextDesc + 1) % this.num;
      return i;
    });
  }

  /** Posts `bufs` as one chain (or through one indirect table); returns the head index. */
  post(bufs: Buf[], opts: { indirect?: boolean } = {}): number {
    let head: number;
    if (opts.indirect) {
      const table = this.alloc(16 * bufs.length, 16);
      bufs.forEach((b, i) => this.writeDesc(table, i, chainDesc(b, i, bufs.length)));
      [head] = this.takeDescs(1) as [number];
      this.writeDesc(this.desc, head, { address: table, length: 16 * bufs.length, flags: VirtqDescFlag.INDIRECT });
    } else {
      const slots = this.takeDescs(bufs.length);
      head = slots[0]!;
      bufs.forEach((b, i) => {
        const d = chainDesc(b, i, bufs.length);
        this.writeDesc(this.desc, slots[i]!, { ...d, next: slots[i + 1] ?? 0 });
      });
    }
    this.makeAvailable(head);
    return head;
  }

  /** Puts `head` in the available ring and publishes the new avail index. */
  makeAvailable(head: number): void {
    this.put16(this.avail + 4 + 2 * (this.availIdx % this.num), head);
    this.availIdx = (this.availIdx + 1) & 0xffff;
    this.put16(this.avail + 2, this.availIdx);
  }

  /** Sets avail.flags (VIRTQ_AVAIL_F_NO_INTERRUPT). */
  setAvailFlags(flags: number): void {
    this.put16(this.avail, flags);
  }

  /** Notifies `queue` and runs the BHs that caused, as the engine would at the next checkpoint. */
  kick(queue = 0): void {
    this.notify(queue);
    this.runBhs();
  }

  /** Notifies `queue` only: BHs it deferred stay pending in `bhs`. */
  notify(queue = 0): void {
    this.w(R.QueueNotify, queue);
  }

  /** The device's used index as written in guest memory. */
  usedIdx(): number {
    return this.get16(this.used + 2);
  }

  /** Used elements written since the last call, in ring order. */
  takeUsed(): { id: number; len: number }[] {
    const out: { id: number; len: number }[] = [];
    const idx = this.usedIdx();
    while (this.usedSeen !== idx) {
      const at = this.used + 4 + 8 * (this.usedSeen % this.num);
      out.push({ id: this.get32(at), len: this.get32(at + 4) });
      this.usedSeen = (this.usedSeen + 1) & 0xffff;
    }
    return out;
  }

  /** Acknowledges every pending interrupt reason. */
  ack(): void {
    this.w(R.InterruptACK, this.r(R.InterruptStatus));
  }

  bytes(address: number, length: number): Uint8Array {
    return this.memory.read(address, length)!;
  }

  fill(address: number, bytes: Uint8Array): void {
    if (!this.memory.write(address, bytes)) throw new Error(`test driver wrote outside RAM at 0x${address.toString(16)}`);
  }

  put16(address: number, value: number): void {
    this.fill(address, Uint8Array.of(value & 0xff, (value >>> 8) & 0xff));
  }

  get16(address: number): number {
    const b = this.bytes(address, 2);
    return b[0]! | (b[1]! << 8);
  }

  get32(address: number): number {
    const b = this.bytes(address, 4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }
}

function chainDesc(b: Buf, i: number, count: number): RawDesc {
  return {
    address: b.address,
    length: b.length,
    flags: (b.writable ? VirtqDescFlag.WRITE : 0) | (i + 1 < count ? VirtqDescFlag.NEXT : 0),
    next: i + 1,
  };
}

/** Every leaf of a saved state, as a path of field names and array indices. */
function leafPaths(value: StateValue, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((item, i) => leafPaths(item, [...path, i]));
  if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    return Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...path, k]));
  }
  return [path];
}

/** A different value of the same kind (string leaves pick another of `strings`); numbers jump far, so ids stay unique. */
function mutate(value: StateValue, strings: string[]): StateValue {
  if (typeof value === 'number') return value + 1000;
  if (typeof value === 'boolean') return !value;
  if (typeof value === 'string') return strings.find((s) => s !== value)!;
  if (value instanceof Uint32Array) return value.length > 0 ? value.map((v, i) => (i === 0 ? v + 1 : v)) : Uint32Array.of(RAM_BASE, 1);
  if (value instanceof Uint8Array) return value.length > 0 ? value.map((v, i) => (i === 0 ? v ^ 1 : v)) : Uint8Array.of(1);
  throw new Error(`cannot mutate ${String(value)}`);
}

/**
 * For every leaf of `holder.save()`: restoring a state with that one field changed makes
 * `save()` return exactly that state, and restoring the original brings the original back.
 * Returns the number of fields checked.
 */
export function checkEveryFieldRestores(holder: { save(): StateRecord; restore(s: StateRecord): void }, strings: string[] = []): number {
  const original = holder.save();
  const paths = leafPaths(original);
  for (const path of paths) {
    const changed = structuredClone(original) as StateRecord;
    let parent: StateValue = changed;
    for (const key of path.slice(0, -1)) parent = (parent as Record<string, StateValue>)[key]!;
    const last = path[path.length - 1]!;
    const p = parent as Record<string | number, StateValue>;
    p[last] = mutate(p[last]!, strings);
    holder.restore(changed);
    expect(holder.save(), `field ${path.join('.')}`).toEqual(changed);
    holder.restore(original);
    expect(holder.save(), `field ${path.join('.')} back`).toEqual(original);
  }
  return paths.length;
}

/** Byte equality of two (large) arrays; vitest's deep equality is slow on a MiB of RAM. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
