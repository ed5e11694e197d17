import type { AccessSize } from '../../mmio-device.js';
import type { StateRecord } from '../../state.js';
import { AbsCode, BUTTON_CODES, EvType, KEY_CODES, LedCode, RelCode } from './evdev-codes.js';
import { writeSegments } from './split-queue.js';
import { readConfigBytes, VirtioDeviceId, type VirtioDevice, type VirtioTransport } from './virtio-device.js';

/** The input devices a board can have, by their index in an INPUT event's `device` field. */
export const INPUT_DEVICES = ['keyboard', 'mouse', 'tablet'] as const;
/** One kind of virtio-input device. */
export type InputDeviceKind = (typeof INPUT_DEVICES)[number];

/** `virtio_input_config.select` values (VIRTIO 1.2 §5.8.4). */
export const VirtioInputCfg = {
  UNSET: 0x00,
  ID_NAME: 0x01,
  ID_SERIAL: 0x02,
  ID_DEVIDS: 0x03,
  PROP_BITS: 0x10,
  EV_BITS: 0x11,
  ABS_INFO: 0x12,
} as const;

/** Offsets in `struct virtio_input_config`: select, subsel, size, 5 reserved bytes, then the 128-byte union. */
export const VirtioInputConfig = { select: 0, subsel: 1, size: 2, u: 8, END: 136 } as const;

/** The queues: eventq (device → driver) and statusq (driver → device). */
export const VirtioInputQueue = { EVENT: 0, STATUS: 1 } as const;

/** Queue size offered for both queues (QEMU: 64). */
export const VIRTIO_INPUT_QUEUE_SIZE = 64;
/** Bytes of one `struct virtio_input_event`: type le16, code le16, value le32. */
export const VIRTIO_INPUT_EVENT_BYTES = 8;
/** Largest absolute coordinate of the tablet (QEMU's INPUT_EVENT_ABS_MAX). */
export const TABLET_ABS_MAX = 0x7fff;

/** What each device reports through its configuration space (names and ids as QEMU's). */
const PROFILES: Record<InputDeviceKind, { name: string; product: number; bits: Map<number, number[]>; abs: number[] }> = {
  keyboard: {
    name: 'QEMU Virtio Keyboard',
    product: 1,
    bits: new Map([
      [EvType.EV_KEY, Object.values(KEY_CODES)],
      [EvType.EV_LED, Object.values(LedCode)],
    ]),
    abs: [],
  },
  mouse: {
    name: 'QEMU Virtio Mouse',
    product: 2,
    bits: new Map([
      [EvType.EV_KEY, Object.values(BUTTON_CODES)],
      [EvType.EV_REL, Object.values(RelCode)],
    ]),
    abs: [],
  },
  tablet: {
    name: 'QEMU Virtio Tablet',
    product: 3,
    bits: new Map([
      [EvType.EV_KEY, Object.values(BUTTON_CODES)],
      [EvType.EV_REL, [RelCode.REL_WHEEL]],
      [EvType.EV_ABS, Object.values(AbsCode)],
    ]),
    abs: Object.values(AbsCode),
  },
};

/** BUS_VIRTUAL and QEMU's vendor id, as `virtio_input_devids` reports them. */
const BUS_VIRTUAL = 0x06;
const VENDOR_QEMU = 0x0627;

/**
 * virtio-input (VIRTIO 1.2 §5.8): a keyboard, a mouse or a tablet. The driver discovers the
 * device through the select/subsel protocol of its configuration space and keeps eventq
 * stocked with 8-byte buffers; `deliver` writes evdev events (type, code, value triples) into
 * them, one event per buffer, and returns how many fitted. statusq buffers (LED changes) are
 * consumed and ignored. The device keeps no input of its own: what did not fit stays queued
 * on the host side, so nothing is dropped and replay delivers exactly what was recorded.
 */
export class VirtioInput implements VirtioDevice {
  readonly deviceId = VirtioDeviceId.INPUT;
  readonly name: string;
  readonly queueNumMax = [VIRTIO_INPUT_QUEUE_SIZE, VIRTIO_INPUT_QUEUE_SIZE];
  readonly features = [0, 0] as const;
  private transport: VirtioTransport | null = null;
  /** The configuration space as the driver reads it (select, subsel, size, union). */
  private readonly config = new Uint8Array(VirtioInputConfig.END);
  /** What the driver selected (`select`, `subsel`): the state; the rest of `config` derives from it. */
  private select = 0;
  private subsel = 0;

  constructor(readonly kind: InputDeviceKind) {
    this.name = `virtio-${kind}`;
  }

  attach(transport: VirtioTransport): void {
    this.transport = transport;
  }

  readConfig(offset: number, size: AccessSize): number {
    return readConfigBytes(this.config, offset, size);
  }

  /** Only select and subsel are writable; writing either refills size and the union. */
  writeConfig(offset: number, size: AccessSize, value: number): void {
    for (let i = 0; i < size; i++) {
      const byte = (value >>> (8 * i)) & 0xff;
      if (offset + i === VirtioInputConfig.select) this.select = byte;
      if (offset + i === VirtioInputConfig.subsel) this.subsel = byte;
    }
    this.fillSelection();
  }

  /** statusq: every buffer is taken and returned unread (LED state has nowhere to go). */
  queueNotify(queue: number): void {
    const t = this.transport;
    if (t === null || queue !== VirtioInputQueue.STATUS) return;
    for (let chain = t.pop(queue); chain !== null; chain = t.pop(queue)) t.push(queue, chain.head, 0);
  }

  /**
   * Writes evdev events (`events` holds type, code, value triples) into eventq buffers, one
   * per buffer, in order; returns how many events were written (fewer when the driver has
   * fewer buffers ready). A buffer shorter than one event breaks the device.
   */
  deliver(events: readonly number[]): number {
    const t = this.transport;
    if (t === null) return 0;
    const count = Math.floor(events.length / 3);
    const bytes = new Uint8Array(VIRTIO_INPUT_EVENT_BYTES);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < count; i++) {
      const chain = t.pop(VirtioInputQueue.EVENT);
      if (chain === null) return i;
      view.setUint16(0, events[3 * i]!, true);
      view.setUint16(2, events[3 * i + 1]!, true);
      view.setUint32(4, events[3 * i + 2]! >>> 0, true);
      if (chain.writableBytes < VIRTIO_INPUT_EVENT_BYTES || !writeSegments(t.memory, chain.segments, 0, bytes)) {
        t.fail();
        return i;
      }
      t.push(VirtioInputQueue.EVENT, chain.head, VIRTIO_INPUT_EVENT_BYTES);
    }
    return count;
  }

  reset(): void {
    this.select = this.subsel = 0;
    this.fillSelection();
  }

  save(): StateRecord {
    return { select: this.select, subsel: this.subsel };
  }

  restore(s: StateRecord): void {
    this.select = s.select as number;
    this.subsel = s.subsel as number;
    this.fillSelection();
  }

  /** Sets the configuration space for the current select/subsel (size 0: nothing there). */
  private fillSelection(): void {
    const c = this.config;
    c.fill(0);
    c[VirtioInputConfig.select] = this.select;
    c[VirtioInputConfig.subsel] = this.subsel;
    const data = this.selection(this.select, this.subsel);
    c.set(data, VirtioInputConfig.u);
    c[VirtioInputConfig.size] = data.length;
  }

  /** The bytes the union holds for a selection (empty when there are none). */
  private selection(select: number, subsel: number): Uint8Array {
    const profile = PROFILES[this.kind];
    switch (select) {
      case VirtioInputCfg.ID_NAME:
        return subsel === 0 ? new TextEncoder().encode(profile.name) : new Uint8Array(0);
      case VirtioInputCfg.ID_DEVIDS: {
        if (subsel !== 0) return new Uint8Array(0);
        const ids = new Uint8Array(8);
        const view = new DataView(ids.buffer);
        view.setUint16(0, BUS_VIRTUAL, true);
        view.setUint16(2, VENDOR_QEMU, true);
        view.setUint16(4, profile.product, true);
        view.setUint16(6, 1, true);
        return ids;
      }
      case VirtioInputCfg.EV_BITS: {
        const codes = profile.bits.get(subsel);
        return codes === undefined ? new Uint8Array(0) : bitmap(codes);
      }
      case VirtioInputCfg.ABS_INFO: {
        if (!profile.abs.includes(subsel)) return new Uint8Array(0);
        // min, max, fuzz, flat, res (le32 each).
        const info = new Uint8Array(20);
        new DataView(info.buffer).setUint32(4, TABLET_ABS_MAX, true);
        return info;
      }
      default:
        // ID_SERIAL and PROP_BITS are empty, as QEMU reports them.
        return new Uint8Array(0);
    }
  }
}

/** The bitmap with bit `code` set for each code, as short as the highest code allows. */
function bitmap(codes: readonly number[]): Uint8Array {
  const bytes = new Uint8Array((Math.max(...codes) >> 3) + 1);
  for (const code of codes) bytes[code >> 3]! |= 1 << (code & 7);
  return bytes;
}
