import { describe, expect, it } from 'vitest';
import { VirtqDescFlag as F } from '../../../../src/machine/devices/virtio/split-queue.js';
import { VirtioInterrupt, VirtioStatus } from '../../../../src/machine/devices/virtio/virtio-device.js';
import { VirtioMmioReg as R } from '../../../../src/machine/devices/virtio/virtio-mmio.js';
import { VirtioRng } from '../../../../src/machine/devices/virtio/virtio-rng.js';
import { RAM_BASE, RAM_BYTES, TestDriver } from './virtio-test-driver.js';

/** An entropy source counting 1, 2, 3, ... across calls, recording each request size. */
function counter() {
  let next = 1;
  const sizes: number[] = [];
  const entropy = (n: number) => {
    sizes.push(n);
    return Uint8Array.from({ length: n }, () => next++ & 0xff);
  };
  return { entropy, sizes };
}

function setup(num = 8) {
  const source = counter();
  const d = new TestDriver(new VirtioRng(source.entropy));
  d.start(num);
  return { d, sizes: source.sizes };
}

const seq = (from: number, n: number) => Array.from({ length: n }, (_, i) => (from + i) & 0xff);

describe('split virtqueue', () => {
  it('fills a chain spanning several descriptors in order, skipping readable ones', () => {
    const { d, sizes } = setup();
    const cmd = d.alloc(8);
    const a = d.alloc(3);
    const b = d.alloc(5);
    const c = d.alloc(2);
    d.fill(cmd, Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9));
    const head = d.post([
      { address: cmd, length: 8 },
      { address: a, length: 3, writable: true },
      { address: b, length: 5, writable: true },
      { address: c, length: 2, writable: true },
    ]);
    d.kick();
    expect(sizes).toEqual([10]);
    expect([...d.bytes(a, 3), ...d.bytes(b, 5), ...d.bytes(c, 2)]).toEqual(seq(1, 10));
    expect([...d.bytes(cmd, 8)]).toEqual([9, 9, 9, 9, 9, 9, 9, 9]);
    expect(d.takeUsed()).toEqual([{ id: head, len: 10 }]);
  });

  it('follows an indirect descriptor table and returns the head of the direct chain', () => {
    const { d, sizes } = setup();
    const bufs = [d.alloc(4), d.alloc(4), d.alloc(4)];
    const head = d.post(bufs.map((address) => ({ address, length: 4, writable: true })), { indirect: true });
    d.kick();
    expect(sizes).toEqual([12]);
    expect(bufs.flatMap((a) => [...d.bytes(a, 4)])).toEqual(seq(1, 12));
    expect(d.takeUsed()).toEqual([{ id: head, len: 12 }]);
  });

  it('accepts direct descriptors followed by an indirect table', () => {
    const { d, sizes } = setup();
    const first = d.alloc(2);
    const inner = d.alloc(3);
    const table = d.alloc(16);
    d.writeDesc(table, 0, { address: inner, length: 3, flags: F.WRITE });
    d.writeDesc(d.desc, 5, { address: first, length: 2, flags: F.WRITE | F.NEXT, next: 6 });
    d.writeDesc(d.desc, 6, { address: table, length: 16, flags: F.INDIRECT });
    d.makeAvailable(5);
    d.kick();
    expect(sizes).toEqual([5]);
    expect([...d.bytes(first, 2), ...d.bytes(inner, 3)]).toEqual(seq(1, 5));
    expect(d.takeUsed()).toEqual([{ id: 5, len: 5 }]);
  });

  it('takes every chain made available before one notification, in ring order', () => {
    const { d } = setup();
    const heads = [0, 1, 2].map(() => d.post([{ address: d.alloc(1), length: 1, writable: true }]));
    d.kick();
    expect(d.takeUsed()).toEqual(heads.map((id) => ({ id, len: 1 })));
  });

  it('keeps working as the 16-bit ring indices wrap past 65535', () => {
    const { d } = setup(4);
    const buf = d.alloc(4);
    const total = 65536 + 10;
    let bad = 0;
    for (let i = 0; i < total; i++) {
      // Two chains per notification, so wrap-around happens with several outstanding.
      const h1 = d.post([{ address: buf, length: 1, writable: true }]);
      const h2 = d.post([{ address: buf + 1, length: 2, writable: true }]);
      d.kick();
      const used = d.takeUsed();
      if (used.length !== 2 || used[0]!.id !== h1 || used[1]!.id !== h2 || used[1]!.len !== 2) bad++;
      i++;
    }
    expect(bad).toBe(0);
    expect(d.usedIdx()).toBe(total & 0xffff);
    const q = (d.slot.save().queues as { lastAvailIdx: number; usedIdx: number }[])[0]!;
    expect(q).toMatchObject({ lastAvailIdx: total & 0xffff, usedIdx: total & 0xffff });
    expect(d.r(R.Status) & VirtioStatus.DEVICE_NEEDS_RESET).toBe(0);
  });

  it('works with a queue size that is not a power of two, across wrap-around of the ring slots', () => {
    const { d } = setup(3);
    for (let i = 0; i < 10; i++) {
      const head = d.post([{ address: d.alloc(1), length: 1, writable: true }]);
      d.kick();
      expect(d.takeUsed()).toEqual([{ id: head, len: 1 }]);
    }
  });
});

describe('split virtqueue against a malicious driver', () => {
  const outside = RAM_BASE + RAM_BYTES;
  type Case = [string, (d: TestDriver) => void];
  const cases: Case[] = [
    ['a buffer outside RAM', (d) => d.post([{ address: outside - 2, length: 4, writable: true }])],
    ['a buffer below RAM', (d) => d.post([{ address: 0x1000, length: 4, writable: true }])],
    ['a buffer above 4 GiB', (d) => {
      d.writeDesc(d.desc, 0, { address: RAM_BASE, addressHigh: 1, length: 4, flags: F.WRITE });
      d.makeAvailable(0);
    }],
    ['a buffer whose length wraps past 4 GiB', (d) => d.post([{ address: RAM_BASE, length: 0xffff_ffff, writable: true }])],
    ['a head index past the table', (d) => d.makeAvailable(8)],
    ['a next index past the table', (d) => {
      d.writeDesc(d.desc, 0, { address: RAM_BASE, length: 4, flags: F.WRITE | F.NEXT, next: 200 });
      d.makeAvailable(0);
    }],
    ['a descriptor loop', (d) => {
      d.writeDesc(d.desc, 0, { address: RAM_BASE, length: 4, flags: F.WRITE | F.NEXT, next: 1 });
      d.writeDesc(d.desc, 1, { address: RAM_BASE, length: 4, flags: F.WRITE | F.NEXT, next: 0 });
      d.makeAvailable(0);
    }],
    ['a loop inside an indirect table', (d) => {
      const table = d.alloc(32);
      d.writeDesc(table, 0, { address: RAM_BASE, length: 4, flags: F.WRITE | F.NEXT, next: 1 });
      d.writeDesc(table, 1, { address: RAM_BASE, length: 4, flags: F.WRITE | F.NEXT, next: 0 });
      d.writeDesc(d.desc, 0, { address: table, length: 32, flags: F.INDIRECT });
      d.makeAvailable(0);
    }],
    ['nested indirect tables', (d) => {
      const inner = d.alloc(16);
      const outer = d.alloc(16);
      d.writeDesc(inner, 0, { address: RAM_BASE, length: 4, flags: F.WRITE });
      d.writeDesc(outer, 0, { address: inner, length: 16, flags: F.INDIRECT });
      d.writeDesc(d.desc, 0, { address: outer, length: 16, flags: F.INDIRECT });
      d.makeAvailable(0);
    }],
    ['an indirect table of a length that is not a multiple of 16', (d) => {
      d.writeDesc(d.desc, 0, { address: d.alloc(32), length: 20, flags: F.INDIRECT });
      d.makeAvailable(0);
    }],
    ['an empty indirect table', (d) => {
      d.writeDesc(d.desc, 0, { address: d.alloc(16), length: 0, flags: F.INDIRECT });
      d.makeAvailable(0);
    }],
    ['an indirect table outside RAM', (d) => {
      d.writeDesc(d.desc, 0, { address: outside - 16, length: 32, flags: F.INDIRECT });
      d.makeAvailable(0);
    }],
    ['INDIRECT together with NEXT', (d) => {
      d.writeDesc(d.desc, 0, { address: d.alloc(16), length: 16, flags: F.INDIRECT | F.NEXT, next: 1 });
      d.makeAvailable(0);
    }],
    ['a readable buffer after a writable one', (d) => d.post([
      { address: RAM_BASE, length: 4, writable: true },
      { address: RAM_BASE + 4, length: 4 },
    ])],
    ['an available index more than the queue size ahead', (d) => {
      d.post([{ address: d.alloc(4), length: 4, writable: true }]);
      d.put16(d.avail + 2, 100);
    }],
    ['a descriptor table outside RAM', (d) => {
      d.w(R.QueueDescLow, outside - 8);
      d.post([{ address: d.alloc(4), length: 4, writable: true }]);
    }],
    ['an available ring outside RAM', (d) => d.w(R.QueueDriverLow, outside)],
    ['a used ring outside RAM', (d) => {
      d.post([{ address: d.alloc(4), length: 4, writable: true }]);
      d.w(R.QueueDeviceLow, outside);
    }],
    ['a ring above 4 GiB', (d) => {
      d.post([{ address: d.alloc(4), length: 4, writable: true }]);
      d.w(R.QueueDriverHigh, 1);
    }],
  ];

  it.each(cases)('sets DEVICE_NEEDS_RESET with a config interrupt, never throws, for %s', (_name, misbehave) => {
    const { d } = setup();
    d.w(R.QueueSel, 0);
    misbehave(d);
    expect(() => d.kick()).not.toThrow();
    expect(d.r(R.Status) & VirtioStatus.DEVICE_NEEDS_RESET).toBe(VirtioStatus.DEVICE_NEEDS_RESET);
    expect(d.r(R.InterruptStatus) & VirtioInterrupt.CONFIG_CHANGE).toBe(VirtioInterrupt.CONFIG_CHANGE);
    expect(d.irq).toBe(true);
    expect(d.usedIdx()).toBe(0);
  });

  it('stays broken, ignoring notifications, until the driver resets it, then works again', () => {
    let calls = 0;
    const d = new TestDriver(new VirtioRng((n) => (calls++, new Uint8Array(n))));
    d.start();
    d.post([{ address: RAM_BASE + RAM_BYTES, length: 4, writable: true }]);
    d.kick();
    expect(d.r(R.Status) & VirtioStatus.DEVICE_NEEDS_RESET).not.toBe(0);
    d.w(R.Status, d.r(R.Status) | VirtioStatus.DRIVER_OK); // the flag is sticky until reset
    expect(d.r(R.Status) & VirtioStatus.DEVICE_NEEDS_RESET).not.toBe(0);
    d.post([{ address: d.alloc(4), length: 4, writable: true }]);
    d.kick();
    expect(calls).toBe(0);
    d.availIdx = 0;
    d.usedSeen = 0;
    d.start();
    expect(d.r(R.Status) & VirtioStatus.DEVICE_NEEDS_RESET).toBe(0);
    const head = d.post([{ address: d.alloc(4), length: 4, writable: true }]);
    d.kick();
    expect(d.takeUsed()).toEqual([{ id: head, len: 4 }]);
    expect(calls).toBe(1);
  });

  it('ignores a zero-length buffer wherever it points', () => {
    const { d, sizes } = setup();
    const buf = d.alloc(2);
    const head = d.post([
      { address: 0, length: 0, writable: true },
      { address: buf, length: 2, writable: true },
    ]);
    d.kick();
    expect(sizes).toEqual([2]);
    expect(d.takeUsed()).toEqual([{ id: head, len: 2 }]);
  });
});
