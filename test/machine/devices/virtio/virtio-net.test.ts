import { describe, expect, it } from 'vitest';
import { VirtioInterrupt, VirtioStatus } from '../../../../src/machine/devices/virtio/virtio-device.js';
import { VirtioMmioReg as R } from '../../../../src/machine/devices/virtio/virtio-mmio.js';
import { VIRTIO_NET_HDR_BYTES, VirtioNet, VirtioNetQueue as Q, macBytes } from '../../../../src/machine/devices/virtio/virtio-net.js';
import { TestDriver, checkEveryFieldRestores } from './virtio-test-driver.js';

const MAC = '52:54:00:12:34:56';

/** The ring fields TestDriver keeps for the one queue it drives. */
type Ring = Pick<TestDriver, 'num' | 'desc' | 'avail' | 'used' | 'availIdx' | 'usedSeen'> & { nextDesc: number };
const RING_KEYS = ['num', 'desc', 'avail', 'used', 'availIdx', 'usedSeen', 'nextDesc'] as const;

/** A driver with the receive and transmit queues set up; `use` switches which queue it posts to. */
function setup() {
  const sent: Uint8Array[] = [];
  const device = new VirtioNet({ transmit: (frame) => sent.push(frame) }, macBytes(MAC));
  const d = new TestDriver(device);
  expect(d.negotiate([(1 << 5) | (1 << 16), 1]) & VirtioStatus.FEATURES_OK).toBe(VirtioStatus.FEATURES_OK);
  const rings: Ring[] = [];
  const fields = d as unknown as Record<(typeof RING_KEYS)[number], number>;
  for (const queue of [Q.RX, Q.TX]) {
    d.setupQueue(8, queue);
    rings[queue] = Object.fromEntries(RING_KEYS.map((k) => [k, fields[k]])) as Ring;
  }
  let current: number = Q.TX;
  const use = (queue: number): void => {
    Object.assign(rings[current]!, Object.fromEntries(RING_KEYS.map((k) => [k, fields[k]])));
    Object.assign(fields, rings[queue]);
    current = queue;
  };
  return { d, device, sent, use };
}

const frameOf = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('VirtioNet', () => {
  it('is network device 1 with two queues of 256, MAC and STATUS, its MAC and link up in config space', () => {
    const d = new TestDriver(new VirtioNet({ transmit: () => {} }, macBytes('02:00:00:aa:bb:cc')));
    expect(d.r(R.DeviceID)).toBe(1);
    for (const q of [0, 1]) {
      d.w(R.QueueSel, q);
      expect(d.r(R.QueueNumMax)).toBe(256);
    }
    d.w(R.QueueSel, 2);
    expect(d.r(R.QueueNumMax)).toBe(0);
    expect(d.deviceFeatures()).toEqual([((1 << 28) | (1 << 5) | (1 << 16)) >>> 0, 1]);
    expect([0, 1, 2, 3, 4, 5].map((i) => d.slot.read(R.Config + i, 1))).toEqual([0x02, 0, 0, 0xaa, 0xbb, 0xcc]);
    expect(d.slot.read(R.Config + 6, 2)).toBe(1);
    expect(d.slot.read(R.Config + 8, 2)).toBe(0xffff);
    d.slot.write(R.Config, 1, 0x77);
    expect(d.slot.read(R.Config, 1)).toBe(0x02);
  });

  it('transmits each chain as one frame without its header, at the notify, and returns the chain at once', () => {
    const { d, sent, use } = setup();
    use(Q.TX);
    const a = frameOf(60);
    const hdr = d.alloc(VIRTIO_NET_HDR_BYTES);
    const body = d.alloc(a.length);
    d.fill(body, a);
    const headA = d.post([{ address: hdr, length: VIRTIO_NET_HDR_BYTES }, { address: body, length: a.length }]);
    // The header and the frame may share a buffer, split anywhere.
    const b = frameOf(100, 7);
    const both = d.alloc(VIRTIO_NET_HDR_BYTES + b.length);
    d.fill(both + VIRTIO_NET_HDR_BYTES, b);
    const headB = d.post([{ address: both, length: 20 }, { address: both + 20, length: VIRTIO_NET_HDR_BYTES + b.length - 20 }]);
    expect(sent).toEqual([]);
    d.notify(Q.TX);
    expect(sent).toEqual([a, b]);
    expect(d.takeUsed()).toEqual([
      { id: headA, len: 0 },
      { id: headB, len: 0 },
    ]);
    expect(d.r(R.InterruptStatus)).toBe(VirtioInterrupt.USED_BUFFER);
    expect(d.bhs).toEqual([]);
  });

  it('breaks the device, without throwing, for a transmit chain shorter than the header', () => {
    const { d, sent, use } = setup();
    use(Q.TX);
    d.post([{ address: d.alloc(8), length: 8 }]);
    d.notify(Q.TX);
    expect(sent).toEqual([]);
    expect(d.r(R.Status) & VirtioStatus.DEVICE_NEEDS_RESET).toBe(VirtioStatus.DEVICE_NEEDS_RESET);
    expect(d.r(R.InterruptStatus)).toBe(VirtioInterrupt.CONFIG_CHANGE);
  });

  it('refuses a frame while the receive queue has no buffer, then writes header and frame into the next one', () => {
    const { d, device, use } = setup();
    use(Q.RX);
    const frame = frameOf(42);
    expect(device.receive(frame)).toBe(false);
    expect(d.r(R.InterruptStatus)).toBe(0);
    const buf = d.alloc(1536);
    d.fill(buf, new Uint8Array(VIRTIO_NET_HDR_BYTES).fill(0xee));
    const head = d.post([{ address: buf, length: 1536, writable: true }]);
    expect(device.receive(frame)).toBe(true);
    const header = new Uint8Array(VIRTIO_NET_HDR_BYTES);
    header[10] = 1; // num_buffers = 1, everything else zero (no offloads)
    expect(d.bytes(buf, VIRTIO_NET_HDR_BYTES)).toEqual(header);
    expect(d.bytes(buf + VIRTIO_NET_HDR_BYTES, frame.length)).toEqual(frame);
    expect(d.takeUsed()).toEqual([{ id: head, len: VIRTIO_NET_HDR_BYTES + frame.length }]);
    expect(d.r(R.InterruptStatus)).toBe(VirtioInterrupt.USED_BUFFER);
    expect(device.receive(frame)).toBe(false);
  });

  it('fills receive buffers in ring order, across descriptors of one chain', () => {
    const { d, device, use } = setup();
    use(Q.RX);
    const hdrs = [d.alloc(VIRTIO_NET_HDR_BYTES), d.alloc(VIRTIO_NET_HDR_BYTES)];
    const bodies = [d.alloc(1514), d.alloc(1514)];
    const heads = [0, 1].map((i) => d.post([{ address: hdrs[i]!, length: VIRTIO_NET_HDR_BYTES, writable: true }, { address: bodies[i]!, length: 1514, writable: true }]));
    const frames = [frameOf(1514, 3), frameOf(64, 9)];
    expect(frames.map((f) => device.receive(f))).toEqual([true, true]);
    expect(d.bytes(bodies[0]!, 1514)).toEqual(frames[0]);
    expect(d.bytes(bodies[1]!, 64)).toEqual(frames[1]);
    expect(d.takeUsed()).toEqual([
      { id: heads[0], len: VIRTIO_NET_HDR_BYTES + 1514 },
      { id: heads[1], len: VIRTIO_NET_HDR_BYTES + 64 },
    ]);
  });

  it('drops a frame longer than its buffer: the buffer comes back empty and untouched', () => {
    const { d, device, use } = setup();
    use(Q.RX);
    const buf = d.alloc(100);
    d.fill(buf, new Uint8Array(100).fill(0x5a));
    const head = d.post([{ address: buf, length: 100, writable: true }]);
    expect(device.receive(frameOf(200))).toBe(true);
    expect(d.bytes(buf, 100)).toEqual(new Uint8Array(100).fill(0x5a));
    expect(d.takeUsed()).toEqual([{ id: head, len: 0 }]);
  });

  it('takes no frame before the driver makes the receive queue ready, nor once the device is broken', () => {
    const device = new VirtioNet({ transmit: () => {} }, macBytes(MAC));
    const d = new TestDriver(device);
    expect(device.receive(frameOf(60))).toBe(false);
    const { d: broken, device: brokenDevice, use } = setup();
    use(Q.RX);
    broken.post([{ address: broken.alloc(1536), length: 1536, writable: true }]);
    brokenDevice.receive(frameOf(60));
    use(Q.TX);
    broken.post([{ address: broken.alloc(4), length: 4 }]);
    broken.notify(Q.TX);
    use(Q.RX);
    broken.post([{ address: broken.alloc(1536), length: 1536, writable: true }]);
    expect(brokenDevice.receive(frameOf(60))).toBe(false);
    expect(d.r(R.Status)).toBe(0);
  });

  it('restores every saved field of the slot, both queues included', () => {
    const { d, device, use } = setup();
    use(Q.RX);
    d.post([{ address: d.alloc(1536), length: 1536, writable: true }]);
    device.receive(frameOf(60));
    expect(checkEveryFieldRestores(d.slot)).toBeGreaterThan(20);
  });
});
