import { describe, expect, it } from 'vitest';
import { BUTTON_CODES, EvType, KEY_CODES, RelCode, SYN_REPORT } from '../../../../src/machine/devices/virtio/evdev-codes.js';
import { VirtioInterrupt, VirtioStatus } from '../../../../src/machine/devices/virtio/virtio-device.js';
import { VirtioInput, VirtioInputCfg, VirtioInputConfig as C, VirtioInputQueue } from '../../../../src/machine/devices/virtio/virtio-input.js';
import { VirtioMmioReg as R } from '../../../../src/machine/devices/virtio/virtio-mmio.js';
import { checkEveryFieldRestores, TestDriver } from './virtio-test-driver.js';

/** Selects (select, subsel) the way a driver does (8-bit writes) and returns size and the union's bytes. */
function query(d: TestDriver, select: number, subsel: number): Uint8Array {
  d.slot.write(R.Config + C.select, 1, select);
  d.slot.write(R.Config + C.subsel, 1, subsel);
  const size = d.slot.read(R.Config + C.size, 1);
  return Uint8Array.from({ length: size }, (_, i) => d.slot.read(R.Config + C.u + i, 1));
}

const bit = (bitmap: Uint8Array, code: number): boolean => ((bitmap[code >> 3] ?? 0) & (1 << (code & 7))) !== 0;

/** A driver with eventq set up and `buffers` 8-byte buffers posted; returns their addresses by head. */
function started(kind: 'keyboard' | 'mouse' | 'tablet', buffers: number) {
  const device = new VirtioInput(kind);
  const d = new TestDriver(device);
  d.start(16);
  const addressOf = new Map<number, number>();
  for (let i = 0; i < buffers; i++) {
    const address = d.alloc(8);
    addressOf.set(d.post([{ address, length: 8, writable: true }]), address);
  }
  d.notify(VirtioInputQueue.EVENT);
  return { device, d, addressOf };
}

/** The events the device wrote into the used buffers, as triples (value as a signed 32-bit integer). */
function usedEvents(d: TestDriver, addressOf: Map<number, number>): number[] {
  return d.takeUsed().flatMap(({ id, len }) => {
    expect(len).toBe(8);
    const b = d.bytes(addressOf.get(id)!, 8);
    const v = new DataView(b.buffer, b.byteOffset);
    return [v.getUint16(0, true), v.getUint16(2, true), v.getInt32(4, true)];
  });
}

const keyA = [EvType.EV_KEY, KEY_CODES.KEY_A!, 1, EvType.EV_SYN, SYN_REPORT, 0];

describe('VirtioInput', () => {
  it('is input device 18 with an event and a status queue and no features of its own', () => {
    const d = new TestDriver(new VirtioInput('keyboard'));
    expect(d.r(R.DeviceID)).toBe(18);
    d.w(R.QueueSel, 1);
    expect(d.r(R.QueueNumMax)).toBe(64);
    d.w(R.QueueSel, 2);
    expect(d.r(R.QueueNumMax)).toBe(0);
    expect(d.deviceFeatures()).toEqual([1 << 28, 1]);
  });

  it('names itself as QEMU does and reports virtual-bus ids', () => {
    for (const [kind, name, product] of [['keyboard', 'QEMU Virtio Keyboard', 1], ['mouse', 'QEMU Virtio Mouse', 2], ['tablet', 'QEMU Virtio Tablet', 3]] as const) {
      const d = new TestDriver(new VirtioInput(kind));
      expect(new TextDecoder().decode(query(d, VirtioInputCfg.ID_NAME, 0))).toBe(name);
      expect([...query(d, VirtioInputCfg.ID_DEVIDS, 0)]).toEqual([6, 0, 0x27, 0x06, product, 0, 1, 0]);
      expect(query(d, VirtioInputCfg.ID_SERIAL, 0).length).toBe(0);
      expect(query(d, VirtioInputCfg.ID_NAME, 1).length).toBe(0);
    }
  });

  it('offers the keyboard keys and LEDs, the mouse buttons and relative axes', () => {
    const kbd = new TestDriver(new VirtioInput('keyboard'));
    const keys = query(kbd, VirtioInputCfg.EV_BITS, EvType.EV_KEY);
    for (const code of Object.values(KEY_CODES)) expect(bit(keys, code)).toBe(true);
    expect(bit(keys, 0)).toBe(false);
    expect(bit(keys, BUTTON_CODES.BTN_LEFT!)).toBe(false);
    expect(query(kbd, VirtioInputCfg.EV_BITS, EvType.EV_REL).length).toBe(0);
    expect([...query(kbd, VirtioInputCfg.EV_BITS, EvType.EV_LED)]).toEqual([0b111]);
    const mouse = new TestDriver(new VirtioInput('mouse'));
    const rel = query(mouse, VirtioInputCfg.EV_BITS, EvType.EV_REL);
    expect([RelCode.REL_X, RelCode.REL_Y, RelCode.REL_WHEEL].every((c) => bit(rel, c))).toBe(true);
    expect(bit(rel, 2)).toBe(false);
    const buttons = query(mouse, VirtioInputCfg.EV_BITS, EvType.EV_KEY);
    expect(bit(buttons, BUTTON_CODES.BTN_LEFT!) && bit(buttons, BUTTON_CODES.BTN_MIDDLE!)).toBe(true);
    expect(bit(buttons, KEY_CODES.KEY_A!)).toBe(false);
    expect(query(mouse, VirtioInputCfg.EV_BITS, EvType.EV_ABS).length).toBe(0);
  });

  it('gives the tablet absolute axes 0..32767', () => {
    const d = new TestDriver(new VirtioInput('tablet'));
    const abs = query(d, VirtioInputCfg.EV_BITS, EvType.EV_ABS);
    expect([...abs]).toEqual([0b11]);
    const info = query(d, VirtioInputCfg.ABS_INFO, 1);
    expect(info.length).toBe(20);
    expect(new DataView(info.buffer).getUint32(4, true)).toBe(32767);
    expect(query(d, VirtioInputCfg.ABS_INFO, 2).length).toBe(0);
  });

  it('writes one event per eventq buffer, in order, and interrupts', () => {
    const { device, d, addressOf } = started('mouse', 4);
    const events = [EvType.EV_REL, RelCode.REL_X, 5, EvType.EV_REL, RelCode.REL_Y, -3, EvType.EV_SYN, SYN_REPORT, 0];
    expect(device.deliver(events)).toBe(3);
    expect(usedEvents(d, addressOf)).toEqual(events);
    expect(d.r(R.InterruptStatus)).toBe(VirtioInterrupt.USED_BUFFER);
    expect(d.irq).toBe(true);
  });

  it('takes only as many events as there are buffers, and the rest once buffers come back', () => {
    const { device, d, addressOf } = started('keyboard', 3);
    const two = [...keyA, EvType.EV_KEY, KEY_CODES.KEY_A!, 0, EvType.EV_SYN, SYN_REPORT, 0];
    expect(device.deliver(two)).toBe(3);
    expect(usedEvents(d, addressOf)).toEqual(two.slice(0, 9));
    expect(device.deliver(two.slice(9))).toBe(0);
    const address = d.alloc(8);
    addressOf.set(d.post([{ address, length: 8, writable: true }]), address);
    expect(device.deliver(two.slice(9))).toBe(1);
    expect(usedEvents(d, addressOf)).toEqual(two.slice(9));
  });

  it('takes nothing before the driver has set up eventq', () => {
    const device = new VirtioInput('keyboard');
    const d = new TestDriver(device);
    d.negotiate();
    expect(device.deliver(keyA)).toBe(0);
  });

  it('breaks (DEVICE_NEEDS_RESET) on an eventq buffer shorter than one event', () => {
    const device = new VirtioInput('keyboard');
    const d = new TestDriver(device);
    d.start(8);
    d.post([{ address: d.alloc(4), length: 4, writable: true }]);
    expect(device.deliver(keyA)).toBe(0);
    expect(d.r(R.Status) & VirtioStatus.DEVICE_NEEDS_RESET).toBe(VirtioStatus.DEVICE_NEEDS_RESET);
  });

  it('returns statusq buffers (LED changes) unread', () => {
    const device = new VirtioInput('keyboard');
    const d = new TestDriver(device);
    d.negotiate();
    d.setupQueue(8, VirtioInputQueue.STATUS);
    const led = d.alloc(8);
    d.fill(led, Uint8Array.of(EvType.EV_LED, 0, 1, 0, 1, 0, 0, 0));
    const head = d.post([{ address: led, length: 8, writable: false }]);
    d.notify(VirtioInputQueue.STATUS);
    expect(d.takeUsed()).toEqual([{ id: head, len: 0 }]);
  });

  it('forgets the selection on reset and restores every saved field', () => {
    const device = new VirtioInput('keyboard');
    const d = new TestDriver(device);
    expect(query(d, VirtioInputCfg.ID_NAME, 0).length).toBeGreaterThan(0);
    d.w(R.Status, 0);
    expect(d.slot.read(R.Config + C.size, 1)).toBe(0);
    query(d, VirtioInputCfg.EV_BITS, EvType.EV_KEY);
    const saved = device.save();
    expect(checkEveryFieldRestores(device)).toBe(2);
    const other = new VirtioInput('keyboard');
    const d2 = new TestDriver(other);
    other.restore(saved);
    expect(d2.slot.read(R.Config + C.size, 1)).toBe(d.slot.read(R.Config + C.size, 1));
    expect(d2.slot.read(R.Config + C.u, 4)).toBe(d.slot.read(R.Config + C.u, 4));
  });
});
