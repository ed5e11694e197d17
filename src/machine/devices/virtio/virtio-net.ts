import type { AccessSize } from '../../mmio-device.js';
import type { StateRecord } from '../../state.js';
import { readChain, writeSegments } from './split-queue.js';
import { readConfigBytes, VirtioDeviceId, type VirtioDevice, type VirtioTransport } from './virtio-device.js';

/** virtio-net feature bits offered (VIRTIO 1.2 §5.1.3): no offloads, no mergeable buffers. */
export const VirtioNetFeature = {
  MAC: 5,
  STATUS: 16,
} as const;

/** Offsets in `struct virtio_net_config` (§5.1.4); fields past `status` are not offered. */
export const VirtioNetConfig = {
  mac: 0x00,
  status: 0x06, // le16
  END: 0x08,
} as const;

/** `status` bits of the configuration space (§5.1.4). */
export const VIRTIO_NET_S_LINK_UP = 1;
/** `struct virtio_net_hdr` under VERSION_1 (§5.1.6): flags, gso_type, hdr_len, gso_size, csum_start, csum_offset, num_buffers. */
export const VIRTIO_NET_HDR_BYTES = 12;
/** Offset of `num_buffers` (le16) in the header. */
const NUM_BUFFERS = 10;
/** Queue size offered for each queue (QEMU's default rx/tx queue size). */
export const VIRTIO_NET_QUEUE_SIZE = 256;
/** Largest frame carried, in bytes (a UDP datagram holds at most 65507: larger tx frames are dropped). */
export const VIRTIO_NET_MAX_FRAME = 65_507;
/** The receive and transmit queues (no control queue). */
export const VirtioNetQueue = { RX: 0, TX: 1 } as const;

/** A MAC address written as six hex pairs separated by colons ("52:54:00:12:34:56"). */
export const MAC_PATTERN = /^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}$/;

/** The six bytes of a MAC address in MAC_PATTERN form (the caller checked it). */
export function macBytes(mac: string): Uint8Array {
  return Uint8Array.from(mac.split(':'), (pair) => parseInt(pair, 16));
}

/** Where a virtio-net device sends its frames (the machine's `netTx` port). */
export interface NetBackend {
  /** Hands one transmitted Ethernet frame (without the virtio header) to the host. */
  transmit(frame: Uint8Array): void;
}

/**
 * virtio-net (VIRTIO 1.2 §5.1), device ID 1: receive queue 0, transmit queue 1; features MAC
 * and STATUS (the link is always up). Transmit is synchronous: when the driver notifies the
 * transmit queue, each chain's frame (its readable bytes after the 12-byte header) goes to the
 * backend and the chain is returned at once, so sending needs no event. Receive is the NET_RX
 * event being applied: `receive` writes a zeroed header (num_buffers = 1) and the frame into
 * the next receive buffer, or refuses when there is none (the frame then waits on the host
 * side). A frame longer than its buffer is dropped (the buffer comes back with used length 0),
 * as QEMU drops it without mergeable buffers.
 */
export class VirtioNet implements VirtioDevice {
  readonly deviceId = VirtioDeviceId.NET;
  readonly name = 'virtio-net';
  readonly queueNumMax = [VIRTIO_NET_QUEUE_SIZE, VIRTIO_NET_QUEUE_SIZE];
  readonly features = [(1 << VirtioNetFeature.MAC) | (1 << VirtioNetFeature.STATUS), 0] as const;
  private readonly config = new Uint8Array(VirtioNetConfig.END);
  private transport: VirtioTransport | null = null;

  /** `mac`: the 6-byte MAC address the configuration space reports. */
  constructor(
    private readonly backend: NetBackend,
    mac: Uint8Array,
  ) {
    this.config.set(mac.subarray(0, 6), VirtioNetConfig.mac);
    this.config[VirtioNetConfig.status] = VIRTIO_NET_S_LINK_UP;
  }

  attach(transport: VirtioTransport): void {
    this.transport = transport;
  }

  readConfig(offset: number, size: AccessSize): number {
    return readConfigBytes(this.config, offset, size);
  }

  writeConfig(_offset: number, _size: AccessSize, _value: number): void {
    // The MAC is read-only without VIRTIO_NET_F_CTRL_MAC_ADDR (not offered).
  }

  queueNotify(queue: number): void {
    const t = this.transport;
    if (t === null || queue !== VirtioNetQueue.TX) return;
    for (let chain = t.pop(VirtioNetQueue.TX); chain !== null; chain = t.pop(VirtioNetQueue.TX)) {
      // §5.1.6.2: the header comes first; a chain without one is a driver bug (QEMU: virtio_error).
      if (chain.readableBytes < VIRTIO_NET_HDR_BYTES) {
        t.fail();
        return;
      }
      const length = chain.readableBytes - VIRTIO_NET_HDR_BYTES;
      if (length <= VIRTIO_NET_MAX_FRAME) {
        const frame = readChain(t.memory, chain, VIRTIO_NET_HDR_BYTES, length);
        if (frame === null) {
          t.fail();
          return;
        }
        this.backend.transmit(frame);
      }
      t.push(VirtioNetQueue.TX, chain.head, 0);
    }
  }

  /**
   * Offers a received frame (a NET_RX event being applied): true when the device took it —
   * written into the next receive buffer, or dropped because that buffer is too small — and
   * false when the driver has no receive buffer available (the frame stays queued).
   */
  receive(frame: Uint8Array): boolean {
    const t = this.transport;
    if (t === null) return false;
    const chain = t.pop(VirtioNetQueue.RX);
    if (chain === null) return false;
    const length = VIRTIO_NET_HDR_BYTES + frame.length;
    if (chain.writableBytes < length) {
      t.push(VirtioNetQueue.RX, chain.head, 0);
      return true;
    }
    const packet = new Uint8Array(length);
    packet[NUM_BUFFERS] = 1;
    packet.set(frame, VIRTIO_NET_HDR_BYTES);
    if (!writeSegments(t.memory, chain.segments, 0, packet)) {
      t.fail();
      return true;
    }
    t.push(VirtioNetQueue.RX, chain.head, length);
    return true;
  }

  reset(): void {}

  save(): StateRecord {
    return {};
  }

  restore(_s: StateRecord): void {}
}
