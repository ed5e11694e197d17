import { describe, expect, it } from 'vitest';
import { VirtioBlk, VirtioBlkFeature } from '../../../../src/machine/devices/virtio/virtio-blk.js';
import { VirtioFeature, VirtioInterrupt, VirtioStatus } from '../../../../src/machine/devices/virtio/virtio-device.js';
import {
  VIRTIO_MMIO_MAGIC,
  VIRTIO_MMIO_VENDOR,
  VirtioMmio,
  VirtioMmioReg as R,
} from '../../../../src/machine/devices/virtio/virtio-mmio.js';
import { VirtioRng } from '../../../../src/machine/devices/virtio/virtio-rng.js';
import { checkEveryFieldRestores, RAM_BASE, sameBytes, TestDriver } from './virtio-test-driver.js';

const S = VirtioStatus;
const counting = (n: number) => Uint8Array.from({ length: n }, (_, i) => i + 1);
const rngDriver = () => new TestDriver(new VirtioRng(counting));
const blk = () => new VirtioBlk({ start: () => {} }, { sectors: 0x1_2345_6789 });

describe('VirtioMmio discovery', () => {
  it('identifies a device as virtio-mmio version 2 with its device ID and the QEMU vendor', () => {
    const d = rngDriver();
    expect(d.r(R.MagicValue)).toBe(VIRTIO_MMIO_MAGIC);
    expect(d.r(R.MagicValue)).toBe(0x7472_6976);
    expect(d.r(R.Version)).toBe(2);
    expect(d.r(R.DeviceID)).toBe(4);
    expect(d.r(R.VendorID)).toBe(0x554d_4551);
    expect(new TestDriver(blk()).r(R.DeviceID)).toBe(2);
  });

  it('lets a guest probing all eight slots find the devices and skip the empty slots', () => {
    const d = new TestDriver(null);
    const slots = Array.from({ length: 8 }, (_, n) => {
      const device = n === 0 ? blk() : n === 3 ? new VirtioRng(counting) : null;
      return new VirtioMmio(d.memory, { setIrq: () => {} }, 1 + n, device);
    });
    for (const slot of slots) {
      expect(slot.read(R.MagicValue, 4)).toBe(VIRTIO_MMIO_MAGIC);
      expect(slot.read(R.Version, 4)).toBe(2);
    }
    expect(slots.map((s) => s.read(R.DeviceID, 4))).toEqual([2, 0, 0, 4, 0, 0, 0, 0]);
  });

  it('answers like QEMU in an empty slot: magic, version, vendor, everything else 0, writes ignored', () => {
    const d = new TestDriver(null);
    expect(d.r(R.MagicValue)).toBe(VIRTIO_MMIO_MAGIC);
    expect(d.r(R.Version)).toBe(2);
    expect(d.r(R.VendorID)).toBe(VIRTIO_MMIO_VENDOR);
    d.w(R.Status, S.ACKNOWLEDGE);
    d.w(R.QueueNotify, 0);
    for (const offset of [R.DeviceID, R.DeviceFeatures, R.QueueNumMax, R.QueueReady, R.InterruptStatus, R.Status, R.ConfigGeneration]) {
      expect(d.r(offset), `offset ${offset}`).toBe(0);
    }
    expect(d.slot.read(R.Config, 4)).toBe(0);
    expect(d.slot.save().device).toBe(null);
    expect(d.irqs).toEqual([]);
  });

  it('accepts only aligned 32-bit accesses below the config space', () => {
    const d = new TestDriver(blk());
    expect(d.slot.read(R.MagicValue, 1)).toBe(0);
    expect(d.slot.read(R.MagicValue, 2)).toBe(0);
    expect(d.slot.read(R.MagicValue + 1, 4)).toBe(0);
    d.slot.write(R.Status, 1, S.ACKNOWLEDGE);
    expect(d.r(R.Status)).toBe(0);
  });

  it('reads config space at 0x100 in any width, little-endian, and all ones past its end', () => {
    const d = new TestDriver(blk());
    expect(d.slot.read(R.Config, 4)).toBe(0x2345_6789);
    expect(d.slot.read(R.Config + 4, 4)).toBe(1);
    expect(d.slot.read(R.Config + 1, 1)).toBe(0x67);
    expect(d.slot.read(R.Config + 2, 2)).toBe(0x2345);
    expect(d.slot.read(R.Config + 0x200, 4)).toBe(0xffff_ffff);
    expect(d.slot.read(R.Config + 0x200, 1)).toBe(0xff);
  });
});

describe('VirtioMmio feature negotiation', () => {
  it('offers VERSION_1 and INDIRECT_DESC from the transport plus the device bits', () => {
    const d = new TestDriver(blk());
    const [low, high] = d.deviceFeatures();
    expect(high).toBe(1); // bit 32: VERSION_1
    expect(low & (1 << VirtioFeature.INDIRECT_DESC)).not.toBe(0);
    expect(low & (1 << VirtioFeature.EVENT_IDX)).toBe(0);
    expect(low & (1 << VirtioBlkFeature.FLUSH)).not.toBe(0);
    d.w(R.DeviceFeaturesSel, 2);
    expect(d.r(R.DeviceFeatures)).toBe(0);
  });

  it('refuses FEATURES_OK without VERSION_1 (no legacy interface)', () => {
    const d = rngDriver();
    const status = d.negotiate([1 << VirtioFeature.INDIRECT_DESC, 0]);
    expect(status & S.FEATURES_OK).toBe(0);
    expect(status).toBe(S.ACKNOWLEDGE | S.DRIVER);
    expect(d.slot.negotiated(VirtioFeature.INDIRECT_DESC)).toBe(false);
  });

  it('refuses FEATURES_OK when the driver takes a bit the device did not offer', () => {
    const d = rngDriver();
    expect(d.negotiate([1 << VirtioFeature.EVENT_IDX, 1]) & S.FEATURES_OK).toBe(0);
    expect(d.negotiate([0, 1 | 2]) & S.FEATURES_OK).toBe(0);
  });

  it('accepts a subset with VERSION_1 and freezes it once FEATURES_OK is set', () => {
    const d = rngDriver();
    expect(d.negotiate([1 << VirtioFeature.INDIRECT_DESC, 1]) & S.FEATURES_OK).toBe(S.FEATURES_OK);
    expect(d.slot.negotiated(VirtioFeature.VERSION_1)).toBe(true);
    expect(d.slot.negotiated(VirtioFeature.INDIRECT_DESC)).toBe(true);
    d.w(R.DriverFeaturesSel, 0);
    d.w(R.DriverFeatures, 0);
    expect(d.slot.negotiated(VirtioFeature.INDIRECT_DESC)).toBe(true);
  });
});

describe('VirtioMmio queues, interrupts and reset', () => {
  it('reports QueueNumMax per queue and 0 for queues the device does not have', () => {
    const d = rngDriver();
    d.w(R.QueueSel, 0);
    expect(d.r(R.QueueNumMax)).toBe(8);
    d.w(R.QueueSel, 1);
    expect(d.r(R.QueueNumMax)).toBe(0);
    d.w(R.QueueReady, 1);
    expect(d.r(R.QueueReady)).toBe(0);
    d.kick(1); // no such queue: ignored
    expect(d.r(R.Status) & S.DEVICE_NEEDS_RESET).toBe(0);
  });

  it('keeps the programmed queue geometry readable and ignores a QueueNum above the maximum', () => {
    const d = rngDriver();
    d.start(4);
    d.w(R.QueueSel, 0);
    expect(d.r(R.QueueReady)).toBe(1);
    expect(d.r(R.QueueDescLow)).toBe(d.desc);
    expect(d.r(R.QueueDriverLow)).toBe(d.avail);
    expect(d.r(R.QueueDeviceLow)).toBe(d.used);
    d.w(R.QueueNum, 9);
    expect((d.slot.save().queues as { num: number }[])[0]!.num).toBe(4);
    expect(d.r(R.QueueNum)).toBe(0); // write-only
  });

  it('raises the line for a used buffer and lowers it when the driver acknowledges', () => {
    const d = rngDriver();
    d.start();
    d.post([{ address: d.alloc(4), length: 4, writable: true }]);
    d.kick();
    expect(d.r(R.InterruptStatus)).toBe(VirtioInterrupt.USED_BUFFER);
    expect(d.irqs).toEqual([true]);
    d.w(R.InterruptACK, VirtioInterrupt.USED_BUFFER);
    expect(d.r(R.InterruptStatus)).toBe(0);
    expect(d.irqs).toEqual([true, false]);
  });

  it('does not interrupt while the driver sets VIRTQ_AVAIL_F_NO_INTERRUPT', () => {
    const d = rngDriver();
    d.start();
    d.setAvailFlags(1);
    d.post([{ address: d.alloc(4), length: 4, writable: true }]);
    d.kick();
    expect(d.takeUsed()).toHaveLength(1);
    expect(d.irqs).toEqual([]);
  });

  it('resets registers, queues, features and the interrupt when 0 is written to Status', () => {
    const d = rngDriver();
    d.start(4);
    d.post([{ address: d.alloc(4), length: 4, writable: true }]);
    d.kick();
    expect(d.irq).toBe(true);
    d.w(R.Status, 0);
    expect(d.r(R.Status)).toBe(0);
    expect(d.r(R.InterruptStatus)).toBe(0);
    expect(d.irq).toBe(false);
    d.w(R.QueueSel, 0);
    expect(d.r(R.QueueReady)).toBe(0);
    expect(d.r(R.QueueDescLow)).toBe(0);
    expect(d.slot.negotiated(VirtioFeature.VERSION_1)).toBe(false);
    const q = (d.slot.save().queues as { num: number; lastAvailIdx: number; usedIdx: number }[])[0]!;
    expect([q.num, q.lastAvailIdx, q.usedIdx]).toEqual([8, 0, 0]);
    // And the device works again after a fresh setup.
    d.availIdx = 0;
    d.usedSeen = 0;
    d.start(4);
    d.post([{ address: d.alloc(4), length: 4, writable: true }]);
    d.kick();
    expect(d.takeUsed()).toEqual([{ id: expect.any(Number), len: 4 }]);
  });

  it('ignores notifications for a queue that is not ready', () => {
    let calls = 0;
    const d = new TestDriver(new VirtioRng((n) => (calls++, counting(n))));
    d.start();
    d.post([{ address: d.alloc(4), length: 4, writable: true }]);
    d.w(R.QueueReady, 0);
    d.kick();
    expect(calls).toBe(0);
    expect(d.usedIdx()).toBe(0);
  });
});

describe('VirtioMmio state', () => {
  it('restores every saved field, and a restored copy behaves like the original', () => {
    const d = rngDriver();
    d.start(4, 1 << VirtioFeature.INDIRECT_DESC);
    for (let i = 0; i < 3; i++) d.post([{ address: d.alloc(4), length: 4, writable: true }]);
    d.kick();
    d.w(R.QueueSel, 0);
    d.w(R.DeviceFeaturesSel, 1);
    d.w(R.DriverFeaturesSel, 1);
    const saved = d.slot.save();
    expect(Object.keys(saved).sort()).toEqual(
      ['configGeneration', 'device', 'deviceFeaturesSel', 'driverFeaturesHigh', 'driverFeaturesLow', 'driverFeaturesSel',
        'interruptStatus', 'irqLevel', 'queueSel', 'queues', 'status'].sort(),
    );
    expect(checkEveryFieldRestores(d.slot)).toBeGreaterThanOrEqual(19);

    // A fresh slot over a copy of RAM, restored from `saved`, continues identically.
    const e = rngDriver();
    e.adopt(d);
    e.slot.restore(saved);
    for (const x of [d, e]) {
      x.post([{ address: RAM_BASE + 0x8000, length: 8, writable: true }]);
      x.kick();
    }
    expect(e.slot.save()).toEqual(d.slot.save());
    expect(sameBytes(e.ram.u8, d.ram.u8)).toBe(true);
  });
});
