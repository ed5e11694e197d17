import { describe, expect, it } from 'vitest';
import type { BlockRequest } from '../../../../src/machine/devices/virtio/block-backend.js';
import {
  VIRTIO_BLK_ID_BYTES,
  VirtioBlk,
  VirtioBlkFeature as BF,
  VirtioBlkStatus as BS,
  VirtioBlkType as T,
  type VirtioBlkOptions,
} from '../../../../src/machine/devices/virtio/virtio-blk.js';
import { VirtioFeature, VirtioStatus } from '../../../../src/machine/devices/virtio/virtio-device.js';
import { VirtioMmioReg as R } from '../../../../src/machine/devices/virtio/virtio-mmio.js';
import { checkEveryFieldRestores, sameBytes, TestDriver, type Buf } from './virtio-test-driver.js';

const SECTORS = 64;
const NO_STATUS = 0xee;

function setup(options: Partial<VirtioBlkOptions> = {}, onStart?: (r: BlockRequest, blk: VirtioBlk) => void) {
  const started: BlockRequest[] = [];
  const blk: VirtioBlk = new VirtioBlk(
    { start: (r) => (started.push(r), onStart?.(r, blk)) },
    { sectors: SECTORS, ...options },
  );
  const d = new TestDriver(blk);
  d.start(32, 1 << BF.FLUSH);
  return { d, blk, started };
}

interface Posted {
  head: number;
  data: number;
  status: number;
}

/**
 * Posts a virtio_blk_req: header (readable), data (readable for OUT, `inBytes` writable
 * otherwise), status byte (writable). `split` cuts the data into 512-byte descriptors.
 */
function submit(
  d: TestDriver,
  type: number,
  sector: number,
  opts: { out?: Uint8Array; inBytes?: number; split?: boolean; indirect?: boolean } = {},
): Posted {
  const header = d.alloc(16);
  const h = new DataView(new ArrayBuffer(16));
  h.setUint32(0, type, true);
  h.setUint32(8, sector % 0x1_0000_0000, true);
  h.setUint32(12, Math.floor(sector / 0x1_0000_0000), true);
  d.fill(header, new Uint8Array(h.buffer));
  const bufs: Buf[] = [{ address: header, length: 16 }];
  const length = opts.out?.length ?? opts.inBytes ?? 0;
  const data = d.alloc(Math.max(length, 1));
  if (opts.out) d.fill(data, opts.out);
  const piece = opts.split ? 512 : Math.max(length, 1);
  for (let at = 0; at < length; at += piece) {
    bufs.push({ address: data + at, length: Math.min(piece, length - at), writable: opts.out === undefined });
  }
  const status = d.alloc(1);
  d.fill(status, Uint8Array.of(NO_STATUS));
  bufs.push({ address: status, length: 1, writable: true });
  const head = d.post(bufs, { indirect: opts.indirect ?? false });
  return { head, data, status };
}

const sectorBytes = (n: number, seed: number) => Uint8Array.from({ length: 512 * n }, (_, i) => (i * 31 + seed) & 0xff);

describe('VirtioBlk discovery and config', () => {
  it('is block device 2 with capacity in 512-byte sectors, seg_max and blk_size in config', () => {
    const d = new TestDriver(new VirtioBlk({ start: () => {} }, { sectors: 0x2_0000_0010 }));
    expect(d.r(R.DeviceID)).toBe(2);
    expect(d.r(R.QueueNumMax)).toBe(256);
    expect(d.slot.read(R.Config + 0, 4)).toBe(0x10);
    expect(d.slot.read(R.Config + 4, 4)).toBe(2);
    expect(d.slot.read(R.Config + 0x0c, 4)).toBe(254);
    expect(d.slot.read(R.Config + 0x14, 4)).toBe(512);
    expect(d.slot.read(R.Config + 0x18, 4)).toBe(0xffff_ffff);
    d.slot.write(R.Config, 4, 0);
    expect(d.slot.read(R.Config, 4)).toBe(0x10);
  });

  it('offers FLUSH, BLK_SIZE and SEG_MAX, and RO only for a read-only disk', () => {
    const rw = new TestDriver(new VirtioBlk({ start: () => {} }, { sectors: 8 })).deviceFeatures();
    const ro = new TestDriver(new VirtioBlk({ start: () => {} }, { sectors: 8, readOnly: true })).deviceFeatures();
    const bits = (1 << BF.FLUSH) | (1 << BF.BLK_SIZE) | (1 << BF.SEG_MAX) | (1 << VirtioFeature.INDIRECT_DESC);
    expect(rw).toEqual([bits, 1]);
    expect(ro).toEqual([(bits | (1 << BF.RO)) >>> 0, 1]);
  });
});

describe('VirtioBlk requests', () => {
  it('starts a read on the backend and touches guest memory only when it completes', () => {
    const { d, blk, started } = setup();
    const req = submit(d, T.IN, 2, { inBytes: 1024 });
    d.kick();
    expect(started).toEqual([{ id: 1, type: 'read', sector: 2, length: 1024 }]);
    expect(d.usedIdx()).toBe(0);
    expect(d.bytes(req.status, 1)[0]).toBe(NO_STATUS);
    expect(d.irq).toBe(false);
    expect(blk.pendingIds()).toEqual([1]);

    expect(blk.complete(1, BS.OK, sectorBytes(2, 5))).toBe(true);
    expect(d.bytes(req.data, 1024)).toEqual(sectorBytes(2, 5));
    expect(d.bytes(req.status, 1)[0]).toBe(BS.OK);
    expect(d.takeUsed()).toEqual([{ id: req.head, len: 1025 }]);
    expect(d.irq).toBe(true);
    expect(blk.pendingIds()).toEqual([]);
  });

  it('scatters read data over several descriptors and through an indirect table', () => {
    const { d, blk } = setup();
    const a = submit(d, T.IN, 0, { inBytes: 1536, split: true });
    const b = submit(d, T.IN, 8, { inBytes: 1024, split: true, indirect: true });
    d.kick();
    blk.complete(2, BS.OK, sectorBytes(2, 9));
    blk.complete(1, BS.OK, sectorBytes(3, 1));
    expect(d.bytes(a.data, 1536)).toEqual(sectorBytes(3, 1));
    expect(d.bytes(b.data, 1024)).toEqual(sectorBytes(2, 9));
    expect(d.takeUsed()).toEqual([{ id: b.head, len: 1025 }, { id: a.head, len: 1537 }]);
  });

  it('hands a write its data as they were at the notification', () => {
    const { d, blk, started } = setup();
    const data = sectorBytes(2, 3);
    const req = submit(d, T.OUT, 60, { out: data, split: true });
    d.kick();
    d.fill(req.data, new Uint8Array(1024)); // the guest scribbles after the kick
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({ id: 1, type: 'write', sector: 60, length: 1024 });
    expect(started[0]!.data).toEqual(data);
    expect(blk.complete(1, BS.OK)).toBe(true);
    expect(d.bytes(req.status, 1)[0]).toBe(BS.OK);
    expect(d.takeUsed()).toEqual([{ id: req.head, len: 1 }]);
  });

  it('starts a flush and passes its status through', () => {
    const { d, blk, started } = setup();
    const req = submit(d, T.FLUSH, 0);
    d.kick();
    expect(started).toEqual([{ id: 1, type: 'flush', sector: 0, length: 0 }]);
    blk.complete(1, BS.IOERR);
    expect(d.bytes(req.status, 1)[0]).toBe(BS.IOERR);
    expect(d.takeUsed()).toEqual([{ id: req.head, len: 1 }]);
  });

  it('answers GET_ID with the backend string, NUL-padded to 20 bytes', () => {
    const { d, blk, started } = setup();
    const req = submit(d, T.GET_ID, 0, { inBytes: VIRTIO_BLK_ID_BYTES });
    d.fill(req.data, new Uint8Array(20).fill(0x55));
    d.kick();
    expect(started).toEqual([{ id: 1, type: 'get-id', sector: 0, length: 20 }]);
    blk.complete(1, BS.OK, new TextEncoder().encode('rrvm-disk0'));
    expect(new TextDecoder().decode(d.bytes(req.data, 20))).toBe('rrvm-disk0\0\0\0\0\0\0\0\0\0\0');
    expect(d.bytes(req.status, 1)[0]).toBe(BS.OK);
  });

  it('completes several requests in flight in any order, each into its own buffers', () => {
    const { d, blk, started } = setup();
    const reqs = [0, 1, 2, 3].map((i) => submit(d, T.IN, 4 * i, { inBytes: 512 }));
    d.kick();
    expect(started.map((r) => [r.id, r.sector])).toEqual([[1, 0], [2, 4], [3, 8], [4, 12]]);
    for (const id of [3, 1, 4, 2]) expect(blk.complete(id, BS.OK, sectorBytes(1, id))).toBe(true);
    reqs.forEach((r, i) => expect(d.bytes(r.data, 512)).toEqual(sectorBytes(1, i + 1)));
    expect(d.takeUsed().map((u) => u.id)).toEqual([reqs[2]!.head, reqs[0]!.head, reqs[3]!.head, reqs[1]!.head]);
  });

  it('refuses completions of ids it never issued or already completed', () => {
    const { d, blk } = setup();
    submit(d, T.FLUSH, 0);
    d.kick();
    expect(blk.complete(2, BS.OK)).toBe(false);
    expect(blk.complete(0, BS.OK)).toBe(false);
    expect(blk.complete(1, BS.OK)).toBe(true);
    expect(blk.complete(1, BS.OK)).toBe(false);
    expect(d.takeUsed()).toHaveLength(1);
  });

  it('turns a read completed with the wrong amount of data into IOERR, leaving the buffer alone', () => {
    const { d, blk } = setup();
    const req = submit(d, T.IN, 0, { inBytes: 1024 });
    d.fill(req.data, new Uint8Array(1024).fill(7));
    d.kick();
    blk.complete(1, BS.OK, sectorBytes(1, 0));
    expect(d.bytes(req.status, 1)[0]).toBe(BS.IOERR);
    expect(d.bytes(req.data, 1024)).toEqual(new Uint8Array(1024).fill(7));
  });

  it('lets a synchronous backend complete a request from inside start', () => {
    const { d } = setup({}, (r, blk) => blk.complete(r.id, BS.OK, sectorBytes(1, r.id)));
    const req = submit(d, T.IN, 1, { inBytes: 512 });
    d.kick();
    expect(d.bytes(req.data, 512)).toEqual(sectorBytes(1, 1));
    expect(d.takeUsed()).toEqual([{ id: req.head, len: 513 }]);
  });
});

describe('VirtioBlk requests it answers itself', () => {
  const cases: [string, (d: TestDriver) => Posted, number, Partial<VirtioBlkOptions>][] = [
    ['a read past the end', (d) => submit(d, T.IN, SECTORS - 1, { inBytes: 1024 }), BS.IOERR, {}],
    ['a read at a sector above 2^32', (d) => submit(d, T.IN, 0x1_0000_0000, { inBytes: 512 }), BS.IOERR, {}],
    ['a read that is not whole sectors', (d) => submit(d, T.IN, 0, { inBytes: 100 }), BS.IOERR, {}],
    ['a write past the end', (d) => submit(d, T.OUT, SECTORS, { out: sectorBytes(1, 0) }), BS.IOERR, {}],
    ['a write to a read-only disk', (d) => submit(d, T.OUT, 0, { out: sectorBytes(1, 0) }), BS.IOERR, { readOnly: true }],
    ['an unknown request type', (d) => submit(d, 11, 0, { inBytes: 512 }), BS.UNSUPP, {}],
  ];

  it.each(cases)('fails %s at once without the backend', (_name, post, status, options) => {
    const { d, blk, started } = setup(options);
    const req = post(d);
    d.kick();
    expect(started).toEqual([]);
    expect(blk.pendingIds()).toEqual([]);
    expect(d.bytes(req.status, 1)[0]).toBe(status);
    expect(d.takeUsed()).toHaveLength(1);
    expect(d.irq).toBe(true);
  });

  it('accepts a read that ends exactly at the last sector', () => {
    const { d, started } = setup();
    submit(d, T.IN, SECTORS - 2, { inBytes: 1024 });
    d.kick();
    expect(started).toHaveLength(1);
  });

  it('breaks the device, without throwing, for a request without header or status byte', () => {
    const { d, started } = setup();
    d.post([{ address: d.alloc(8), length: 8 }, { address: d.alloc(1), length: 1, writable: true }]);
    expect(() => d.kick()).not.toThrow();
    expect(d.r(R.Status) & VirtioStatus.DEVICE_NEEDS_RESET).not.toBe(0);
    const e = setup();
    e.d.post([{ address: e.d.alloc(16), length: 16 }]);
    e.d.kick();
    expect(e.d.r(R.Status) & VirtioStatus.DEVICE_NEEDS_RESET).not.toBe(0);
    expect(started).toEqual([]);
  });
});

describe('VirtioBlk reset and state', () => {
  it('drops completions of requests started before a reset, and keeps counting ids', () => {
    const { d, blk, started } = setup();
    const old = submit(d, T.IN, 0, { inBytes: 512 });
    d.kick();
    d.w(R.Status, 0);
    d.availIdx = 0;
    d.usedSeen = 0;
    d.start();
    const fresh = submit(d, T.IN, 1, { inBytes: 512 });
    d.kick();
    expect(started.map((r) => r.id)).toEqual([1, 2]);
    expect(blk.complete(1, BS.OK, sectorBytes(1, 1))).toBe(true); // accepted, dropped
    expect(d.bytes(old.status, 1)[0]).toBe(NO_STATUS);
    expect(d.usedIdx()).toBe(0);
    expect(blk.complete(2, BS.OK, sectorBytes(1, 2))).toBe(true);
    expect(d.bytes(fresh.data, 512)).toEqual(sectorBytes(1, 2));
    expect(d.takeUsed()).toEqual([{ id: fresh.head, len: 513 }]);
  });

  it('restores every saved field, pending requests and the id counter included', () => {
    const { d } = setup();
    submit(d, T.IN, 0, { inBytes: 1024, split: true });
    submit(d, T.FLUSH, 0);
    d.kick();
    d.w(R.Status, 0); // both now dead
    d.availIdx = 0;
    d.usedSeen = 0;
    d.start();
    submit(d, T.IN, 3, { inBytes: 512 });
    submit(d, T.GET_ID, 0, { inBytes: 20 });
    d.kick();
    const saved = d.slot.save();
    const blkState = saved.device as { nextId: number; pending: { id: number; live: boolean }[] };
    expect(blkState.nextId).toBe(5);
    expect(blkState.pending.map((p) => [p.id, p.live])).toEqual([[1, false], [2, false], [3, true], [4, true]]);
    expect(checkEveryFieldRestores(d.slot, ['read', 'write', 'flush', 'get-id'])).toBeGreaterThan(40);
  });

  it('round-trips mid-request: a restored device completes the pending requests like the original', () => {
    const run = setup();
    const reqs = [submit(run.d, T.IN, 0, { inBytes: 1024, split: true }), submit(run.d, T.OUT, 5, { out: sectorBytes(1, 4) })];
    run.d.kick();
    const saved = run.d.slot.save();
    const ramCopy = run.d.ram.u8.slice();

    // Go on in the original, then come back to the saved point in the same device.
    run.blk.complete(2, BS.OK);
    run.d.slot.restore(saved);
    run.d.ram.u8.set(ramCopy);
    expect(run.blk.pendingIds()).toEqual([1, 2]);

    // And in a fresh device built from the saved state.
    const copy = setup();
    copy.d.adopt(run.d);
    copy.d.slot.restore(saved);
    for (const x of [run, copy]) {
      expect(x.blk.complete(2, BS.OK)).toBe(true);
      expect(x.blk.complete(1, BS.OK, sectorBytes(2, 8))).toBe(true);
      expect(x.blk.complete(1, BS.OK, sectorBytes(2, 8))).toBe(false);
      submit(x.d, T.FLUSH, 0);
      x.d.kick();
    }
    expect(copy.started).toEqual([{ id: 3, type: 'flush', sector: 0, length: 0 }]);
    expect(run.started.at(-1)).toEqual(copy.started[0]);
    expect(copy.d.bytes(reqs[0]!.data, 1024)).toEqual(sectorBytes(2, 8));
    expect(copy.d.takeUsed().map((u) => u.id)).toEqual([reqs[1]!.head, reqs[0]!.head]);
    expect(copy.d.slot.save()).toEqual(run.d.slot.save());
    expect(sameBytes(copy.d.ram.u8, run.d.ram.u8)).toBe(true);
  });
});
