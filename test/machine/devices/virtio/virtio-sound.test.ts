import { describe, expect, it } from 'vitest';
import { VirtioStatus } from '../../../../src/machine/devices/virtio/virtio-device.js';
import { VirtioMmioReg as R } from '../../../../src/machine/devices/virtio/virtio-mmio.js';
import { PcmState, VirtioSndCode as C, VirtioSndQueue as Q, VirtioSound } from '../../../../src/machine/devices/virtio/virtio-sound.js';
import { checkEveryFieldRestores, TestDriver } from './virtio-test-driver.js';

/** The driver-side geometry of one queue, so one TestDriver can drive the device's four queues. */
type QueueSide = Pick<TestDriver, 'num' | 'desc' | 'avail' | 'used' | 'availIdx' | 'usedSeen'> & { nextDesc: number };
const FIELDS = ['num', 'desc', 'avail', 'used', 'availIdx', 'usedSeen', 'nextDesc'] as const;

/** A sound device with all four queues set up; `on(q)` makes the driver's post/takeUsed act on queue q. */
function setup() {
  const started: [number, number, number, boolean][] = [];
  const device = new VirtioSound({ stream: (...args) => started.push(args) });
  const d = new TestDriver(device);
  d.negotiate();
  const sides = new Map<number, QueueSide>();
  let current = -1;
  const raw = d as unknown as Record<string, number>;
  const on = (q: number): void => {
    if (current >= 0) sides.set(current, Object.fromEntries(FIELDS.map((f) => [f, raw[f]])) as unknown as QueueSide);
    const side = sides.get(q);
    if (side !== undefined) for (const f of FIELDS) raw[f] = side[f];
    current = q;
  };
  for (const q of [Q.CONTROL, Q.EVENT, Q.TX, Q.RX]) {
    on(q);
    raw.nextDesc = 0;
    raw.availIdx = 0;
    raw.usedSeen = 0;
    d.setupQueue(16, q);
  }
  /** Sends a control request; returns the reply bytes. */
  const control = (words: number[], bytes: number[] = [], replyBytes = 4): Uint8Array => {
    on(Q.CONTROL);
    const request = new Uint8Array(4 * words.length + bytes.length);
    const view = new DataView(request.buffer);
    words.forEach((w, i) => view.setUint32(4 * i, w, true));
    request.set(bytes, 4 * words.length);
    const req = d.alloc(request.length);
    d.fill(req, request);
    const reply = d.alloc(replyBytes);
    d.post([{ address: req, length: request.length, writable: false }, { address: reply, length: replyBytes, writable: true }]);
    d.notify(Q.CONTROL);
    const [used] = d.takeUsed();
    return d.bytes(reply, used!.len);
  };
  const statusOf = (reply: Uint8Array): number => new DataView(reply.buffer, reply.byteOffset).getUint32(0, true);
  /** SET_PARAMS for `stream`: buffer, period, channels, format, rate index. */
  const setParams = (stream: number, channels = 2, format = 5, rate = 7): number =>
    statusOf(control([C.R_PCM_SET_PARAMS, stream, 4 * 1920, 1920, 0], [channels, format, rate, 0]));
  const pcm = (code: number, stream: number): number => statusOf(control([code, stream]));
  /** Queues a transfer on txq (samples) or rxq (room for `bytes`); returns its head, data and status addresses. */
  const transfer = (stream: number, data: Uint8Array | number, q: number = stream === 0 ? Q.TX : Q.RX) => {
    on(q);
    const header = d.alloc(4);
    d.fill(header, Uint8Array.of(stream, 0, 0, 0));
    const length = typeof data === 'number' ? data : data.length;
    const buffer = d.alloc(length);
    if (typeof data !== 'number') d.fill(buffer, data);
    const status = d.alloc(8);
    const head = d.post([
      { address: header, length: 4, writable: false },
      { address: buffer, length, writable: stream === 1 },
      { address: status, length: 8, writable: true },
    ]);
    d.notify(q);
    return { head, buffer, status };
  };
  const used = (q: number) => {
    on(q);
    return d.takeUsed();
  };
  return { device, d, started, control, statusOf, setParams, pcm, transfer, used };
}

const ramp = (n: number, from = 0): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);

describe('VirtioSound', () => {
  it('is sound device 25 with four queues and a config of no jacks, two streams, no channel maps', () => {
    const d = new TestDriver(new VirtioSound({ stream: () => {} }));
    expect(d.r(R.DeviceID)).toBe(25);
    for (const q of [0, 1, 2, 3]) {
      d.w(R.QueueSel, q);
      expect(d.r(R.QueueNumMax)).toBe(64);
    }
    d.w(R.QueueSel, 4);
    expect(d.r(R.QueueNumMax)).toBe(0);
    expect([0, 4, 8].map((o) => d.slot.read(R.Config + o, 4))).toEqual([0, 2, 0]);
  });

  it('describes an output and an input stream: S16, 8–48 kHz, 1–2 channels', () => {
    const { control, statusOf } = setup();
    const reply = control([C.R_PCM_INFO, 0, 2, 32], [], 4 + 64);
    expect(statusOf(reply)).toBe(C.S_OK);
    for (const s of [0, 1]) {
      const info = reply.subarray(4 + 32 * s);
      expect(info[8]).toBe(1 << 5);
      expect(info[16]).toBe(0b1111_1110);
      expect([info[24], info[25], info[26]]).toEqual([s, 1, 2]);
    }
    expect(statusOf(control([C.R_PCM_INFO, 1, 2, 32], [], 4 + 64))).toBe(C.S_BAD_MSG);
    expect(statusOf(control([C.R_JACK_INFO, 0, 0, 0]))).toBe(C.S_OK);
    expect(statusOf(control([0x999]))).toBe(C.S_NOT_SUPP);
  });

  it('refuses formats, rates and channel counts it does not offer, and steps out of order', () => {
    const { setParams, pcm } = setup();
    expect(setParams(0, 2, 3)).toBe(C.S_NOT_SUPP); // S8
    expect(setParams(0, 2, 5, 8)).toBe(C.S_NOT_SUPP); // 64 kHz
    expect(setParams(0, 2, 5, 0)).toBe(C.S_NOT_SUPP); // 5512 Hz
    expect(setParams(0, 3)).toBe(C.S_NOT_SUPP);
    expect(setParams(2)).toBe(C.S_BAD_MSG);
    expect(pcm(C.R_PCM_PREPARE, 0)).toBe(C.S_BAD_MSG);
    expect(setParams(0, 1, 5, 1)).toBe(C.S_OK);
    expect(pcm(C.R_PCM_START, 0)).toBe(C.S_BAD_MSG);
    expect(pcm(C.R_PCM_STOP, 0)).toBe(C.S_BAD_MSG);
  });

  it('tells the host when a stream starts and stops, at its rate and channel count', () => {
    const { setParams, pcm, started } = setup();
    expect(setParams(1, 1, 5, 3)).toBe(C.S_OK);
    expect(pcm(C.R_PCM_PREPARE, 1)).toBe(C.S_OK);
    expect(pcm(C.R_PCM_START, 1)).toBe(C.S_OK);
    expect(pcm(C.R_PCM_STOP, 1)).toBe(C.S_OK);
    expect(started).toEqual([[1, 16000, 1, true], [1, 16000, 1, false]]);
  });

  it('plays tx buffers in order as the host consumes frames, returning each once played', () => {
    const { device, setParams, pcm, transfer, used, d } = setup();
    setParams(0);
    pcm(C.R_PCM_PREPARE, 0);
    const a = transfer(0, ramp(16));
    const b = transfer(0, ramp(16, 16));
    expect(device.play(2).frames).toBe(0); // not started yet
    pcm(C.R_PCM_START, 0);
    const first = device.play(3); // 12 of a's 16 bytes
    expect(first).toEqual({ frames: 3, offset: 0, bytes: ramp(12) });
    expect(used(Q.TX)).toEqual([]);
    const second = device.play(3); // a's last frame, then 8 bytes of b
    expect(second).toEqual({ frames: 3, offset: 12, bytes: ramp(12, 12) });
    expect(used(Q.TX)).toEqual([{ id: a.head, len: 8 }]);
    expect(new DataView(d.bytes(a.status, 4).buffer).getUint32(0, true)).toBe(C.S_OK);
    expect(device.play(100)).toEqual({ frames: 2, offset: 24, bytes: ramp(8, 24) });
    expect(used(Q.TX)).toEqual([{ id: b.head, len: 8 }]);
    expect(device.play(1).frames).toBe(0);
  });

  it('fills rx buffers in order with captured samples and returns each when full', () => {
    const { device, setParams, pcm, transfer, used, d } = setup();
    setParams(1);
    pcm(C.R_PCM_PREPARE, 1);
    const a = transfer(1, 8);
    const b = transfer(1, 8);
    expect(device.capture(ramp(4))).toBe(0);
    pcm(C.R_PCM_START, 1);
    expect(device.capture(ramp(12))).toBe(12);
    expect(used(Q.RX)).toEqual([{ id: a.head, len: 8 + 8 }]);
    expect(d.bytes(a.buffer, 8)).toEqual(ramp(8));
    expect(device.capture(ramp(8, 12))).toBe(4);
    expect(used(Q.RX)).toEqual([{ id: b.head, len: 8 + 8 }]);
    expect(d.bytes(b.buffer, 8)).toEqual(ramp(8, 8));
  });

  it('returns the held transfers of a stream on RELEASE, and rejects a transfer for the wrong stream', () => {
    const { setParams, pcm, transfer, used, d } = setup();
    setParams(0);
    pcm(C.R_PCM_PREPARE, 0);
    const a = transfer(0, ramp(8));
    const wrong = transfer(1, 8, Q.TX); // a transfer for the input stream, on the tx queue
    expect(used(Q.TX)).toEqual([{ id: wrong.head, len: 8 }]);
    expect(new DataView(d.bytes(wrong.status, 4).buffer).getUint32(0, true)).toBe(C.S_BAD_MSG);
    expect(pcm(C.R_PCM_RELEASE, 0)).toBe(C.S_OK);
    expect(used(Q.TX)).toEqual([{ id: a.head, len: 8 }]);
  });

  it('breaks on a transfer without room for its status', () => {
    const { d, used } = setup();
    used(Q.TX);
    const header = d.alloc(4);
    d.post([{ address: header, length: 4, writable: false }]);
    d.notify(Q.TX);
    expect(d.r(R.Status) & VirtioStatus.DEVICE_NEEDS_RESET).toBe(VirtioStatus.DEVICE_NEEDS_RESET);
  });

  it('saves its streams and the transfers in flight: a restored device plays on exactly the same', () => {
    const { device, setParams, pcm, transfer } = setup();
    setParams(0);
    pcm(C.R_PCM_PREPARE, 0);
    transfer(0, ramp(16));
    transfer(0, ramp(16, 16));
    pcm(C.R_PCM_START, 0);
    device.play(3);
    expect(checkEveryFieldRestores(device)).toBeGreaterThan(10);
    const saved = device.save();
    const later = device.play(4);
    device.restore(saved);
    expect(device.play(4)).toEqual(later);
    expect(device.save().pcms).toEqual([[PcmState.RUNNING, 48000, 2, 4 * 1920, 1920], [PcmState.NONE, 0, 0, 0, 0]]);
  });
});
