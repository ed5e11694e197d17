import { describe, expect, it } from 'vitest';
import { VirtioInterrupt } from '../../../../src/machine/devices/virtio/virtio-device.js';
import { VirtioMmioReg as R } from '../../../../src/machine/devices/virtio/virtio-mmio.js';
import { VIRTIO_RNG_MAX_BYTES, VirtioRng, VirtioRngBh } from '../../../../src/machine/devices/virtio/virtio-rng.js';
import { TestDriver } from './virtio-test-driver.js';

function setup(entropy: (n: number) => Uint8Array) {
  const calls: number[] = [];
  const d = new TestDriver(new VirtioRng((n) => (calls.push(n), entropy(n))));
  d.start();
  return { d, calls };
}

const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

describe('VirtioRng', () => {
  it('is entropy device 4 with one queue of 8, no features of its own and no config space', () => {
    const d = new TestDriver(new VirtioRng(pattern));
    expect(d.r(R.DeviceID)).toBe(4);
    expect(d.r(R.QueueNumMax)).toBe(8);
    expect(d.deviceFeatures()).toEqual([1 << 28, 1]);
    expect(d.slot.read(R.Config, 4)).toBe(0xffff_ffff);
  });

  it('fills a device-writable buffer with bytes from the entropy port and interrupts', () => {
    const { d, calls } = setup(pattern);
    const buf = d.alloc(16);
    const head = d.post([{ address: buf, length: 16, writable: true }]);
    expect(calls).toEqual([]);
    d.kick();
    expect(calls).toEqual([16]);
    expect(d.bytes(buf, 16)).toEqual(pattern(16));
    expect(d.takeUsed()).toEqual([{ id: head, len: 16 }]);
    expect(d.r(R.InterruptStatus)).toBe(VirtioInterrupt.USED_BUFFER);
    expect(d.irq).toBe(true);
  });

  it('asks for one pull per buffer, in ring order', () => {
    const { d, calls } = setup(pattern);
    const heads = [4, 1, 9].map((n) => d.post([{ address: d.alloc(n), length: n, writable: true }]));
    d.kick();
    expect(calls).toEqual([4, 1, 9]);
    expect(d.takeUsed()).toEqual([
      { id: heads[0], len: 4 },
      { id: heads[1], len: 1 },
      { id: heads[2], len: 9 },
    ]);
  });

  it('gives at most VIRTIO_RNG_MAX_BYTES per buffer and says so in the used length', () => {
    const { d, calls } = setup(pattern);
    const buf = d.alloc(VIRTIO_RNG_MAX_BYTES + 100);
    d.fill(buf + VIRTIO_RNG_MAX_BYTES, new Uint8Array(100).fill(0xee));
    const head = d.post([{ address: buf, length: VIRTIO_RNG_MAX_BYTES + 100, writable: true }]);
    d.kick();
    expect(calls).toEqual([VIRTIO_RNG_MAX_BYTES]);
    expect(d.bytes(buf + VIRTIO_RNG_MAX_BYTES, 100)).toEqual(new Uint8Array(100).fill(0xee));
    expect(d.takeUsed()).toEqual([{ id: head, len: VIRTIO_RNG_MAX_BYTES }]);
  });

  it('reports fewer bytes when the port returns fewer, and ignores extra ones', () => {
    const short = setup((n) => pattern(n - 3));
    const buf = short.d.alloc(8);
    short.d.post([{ address: buf, length: 8, writable: true }]);
    short.d.kick();
    expect(short.d.takeUsed()[0]!.len).toBe(5);

    const long = setup((n) => pattern(n + 3));
    const b2 = long.d.alloc(12);
    long.d.fill(b2 + 8, Uint8Array.of(1, 2, 3, 4));
    long.d.post([{ address: b2, length: 8, writable: true }]);
    long.d.kick();
    expect(long.d.takeUsed()[0]!.len).toBe(8);
    expect([...long.d.bytes(b2 + 8, 4)]).toEqual([1, 2, 3, 4]);
  });

  it('returns a chain with no writable buffer without pulling entropy', () => {
    const { d, calls } = setup(pattern);
    const head = d.post([{ address: d.alloc(4), length: 4 }]);
    d.kick();
    expect(calls).toEqual([]);
    expect(d.takeUsed()).toEqual([{ id: head, len: 0 }]);
  });

  it('defers the fill to one BH: a notify pulls no entropy and writes nothing until the BH runs', () => {
    const { d, calls } = setup(pattern);
    const buf = d.alloc(8);
    const head = d.post([{ address: buf, length: 8, writable: true }]);
    d.notify();
    d.notify();
    expect(d.bhs).toEqual([{ tag: VirtioRngBh.FILL, id: 1 }]);
    expect(calls).toEqual([]);
    expect(d.usedIdx()).toBe(0);
    expect(d.irq).toBe(false);
    // A buffer posted before the BH runs is filled by the same BH.
    const head2 = d.post([{ address: d.alloc(2), length: 2, writable: true }]);
    d.runBhs();
    expect(calls).toEqual([8, 2]);
    expect(d.takeUsed()).toEqual([{ id: head, len: 8 }, { id: head2, len: 2 }]);
    expect(d.irq).toBe(true);
    // The next notify asks for a new BH.
    d.post([{ address: d.alloc(1), length: 1, writable: true }]);
    d.notify();
    expect(d.bhs).toEqual([{ tag: VirtioRngBh.FILL, id: 2 }]);
  });

  it('ignores a fill BH from before a reset, and one it never asked for', () => {
    const { d, calls } = setup(pattern);
    d.post([{ address: d.alloc(8), length: 8, writable: true }]);
    d.notify();
    const stale = d.bhs.splice(0);
    d.w(R.Status, 0);
    d.start();
    for (const bh of stale) d.slot.runDeferred(bh.tag, bh.id);
    d.slot.runDeferred(VirtioRngBh.FILL, 99);
    expect(calls).toEqual([]);
    expect(d.usedIdx()).toBe(0);
  });

  it('keeps its pending fill BH in its state, and a restored device runs it', () => {
    const { d, calls } = setup(pattern);
    const buf = d.alloc(4);
    const head = d.post([{ address: buf, length: 4, writable: true }]);
    d.notify();
    const saved = d.slot.save();
    const copy = new TestDriver(new VirtioRng((n) => (calls.push(n), pattern(n))));
    copy.adopt(d);
    copy.slot.restore(saved);
    copy.slot.runDeferred(VirtioRngBh.FILL, d.bhs[0]!.id);
    expect(calls).toEqual([4]);
    expect(copy.takeUsed()).toEqual([{ id: head, len: 4 }]);
    expect(new VirtioRng(pattern).save()).toEqual({ fillBh: -1 });
  });
});
