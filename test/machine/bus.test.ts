// The bus finds a device by the page of the address (an index built by `map`): devices that
// share a page, a device spanning many pages, the edges of each, and holes that fault.
import { describe, expect, it } from 'vitest';
import { Bus } from '../../src/machine/bus.js';
import type { AccessSize, MmioDevice } from '../../src/machine/mmio-device.js';
import { Ram } from '../../src/machine/ram.js';

/** A device that answers every read with its tag plus the offset, and logs writes. */
function device(name: string, tag: number): MmioDevice & { writes: string[] } {
  const writes: string[] = [];
  return {
    name,
    writes,
    read: (offset: number, _size: AccessSize) => tag + offset,
    write: (offset: number, size: AccessSize, value: number) => void writes.push(`${offset}/${size}=${value}`),
  };
}

describe('the bus', () => {
  const bus = new Bus(new Ram(1 << 16));
  const a = device('a', 0x1000);
  const b = device('b', 0x2000);
  const wide = device('wide', 0x100000);
  bus.map(0x1000_0000, 0x100, a);
  bus.map(0x1000_0800, 0x100, b); // the same 4 KiB page as a
  bus.map(0x0c00_0000, 0x60_0000, wide); // 1536 pages

  it('tells apart two devices in one page, at their first and last words', () => {
    expect(bus.read(0x1000_0000, 4)).toBe(0x1000);
    expect(bus.read(0x1000_00fc, 4)).toBe(0x1000 + 0xfc);
    expect(bus.read(0x1000_0800, 4)).toBe(0x2000);
    expect(bus.read(0x1000_08fc, 4)).toBe(0x2000 + 0xfc);
    bus.write(0x1000_0804, 2, 7);
    expect(b.writes).toEqual(['4/2=7']);
    expect(a.writes).toEqual([]);
    expect(bus.faulted).toBe(false);
  });

  it('finds a device spanning many pages anywhere in it', () => {
    for (const offset of [0, 0xfff, 0x1000, 0x30_0004, 0x5f_fffc]) {
      expect(bus.read(0x0c00_0000 + (offset & ~3), 4)).toBe(0x100000 + (offset & ~3));
    }
    expect(bus.faulted).toBe(false);
  });

  it('faults in the holes: between devices of one page, past a device, in a page with none, and on a misaligned or straddling access', () => {
    for (const [addr, size] of [[0x1000_0100, 4], [0x1000_0400, 1], [0x0c60_0000, 4], [0x2000_0000, 4], [0x1000_0002, 4], [0x1000_00fe, 4]] as const) {
      bus.faulted = false;
      expect(bus.read(addr, size)).toBe(0);
      expect(bus.faulted, `0x${addr.toString(16)}/${size}`).toBe(true);
    }
    bus.faulted = false;
  });
});
