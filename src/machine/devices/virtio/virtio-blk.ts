import type { AccessSize } from '../../mmio-device.js';
import type { StateRecord } from '../../state.js';
import type { BlockBackend, BlockRequestType } from './block-backend.js';
import { getU32, readChain, writeSegments, type DescriptorChain, type Segment } from './split-queue.js';
import { readConfigSpace, VirtioDeviceId, type VirtioDevice, type VirtioTransport } from './virtio-device.js';

/** virtio-blk feature bits offered (VIRTIO 1.2 §5.2.3). */
export const VirtioBlkFeature = {
  SEG_MAX: 2,
  RO: 5,
  BLK_SIZE: 6,
  FLUSH: 9,
} as const;

/** Request types (`struct virtio_blk_req.type`, §5.2.6). */
export const VirtioBlkType = {
  IN: 0,
  OUT: 1,
  FLUSH: 4,
  GET_ID: 8,
} as const;

/** Request status byte values (§5.2.6). */
export const VirtioBlkStatus = {
  OK: 0,
  IOERR: 1,
  UNSUPP: 2,
} as const;

/** Offsets in `struct virtio_blk_config` (§5.2.4); fields past blk_size are not offered. */
export const VirtioBlkConfig = {
  capacity: 0x00, // le64, in 512-byte sectors
  size_max: 0x08,
  seg_max: 0x0c,
  geometry: 0x10,
  blk_size: 0x14,
  END: 0x18,
} as const;

/** Bytes per sector: capacity and request sectors always count 512 bytes (§5.2.4). */
export const VIRTIO_BLK_SECTOR_BYTES = 512;
/** Length of the GET_ID string, NUL-padded (VIRTIO_BLK_ID_BYTES). */
export const VIRTIO_BLK_ID_BYTES = 20;
/** Queue size offered (QEMU's default `queue-size`). */
export const VIRTIO_BLK_QUEUE_SIZE = 256;
/** `struct virtio_blk_req` header: type le32, reserved le32, sector le64. */
const HEADER_BYTES = 16;

/** How a virtio-blk device is configured (from the command line / the log header). */
export interface VirtioBlkOptions {
  /** Disk size in 512-byte sectors. */
  readonly sectors: number;
  /** Offer VIRTIO_BLK_F_RO and fail writes with IOERR. */
  readonly readOnly?: boolean;
}

/** A request handed to the backend and not yet completed. */
interface PendingRequest {
  readonly id: number;
  readonly type: BlockRequestType;
  readonly head: number;
  /** Data bytes expected back (read: the data buffers; get-id: at most 20); 0 otherwise. */
  readonly length: number;
  /** Size of the chain's writable part; the status byte is its last byte. */
  readonly inLen: number;
  /** The chain's writable segments, where data and status go on completion. */
  readonly segments: Segment[];
  /** False once the device was reset: the completion is then accepted and dropped. */
  live: boolean;
}

/**
 * virtio-blk (VIRTIO 1.2 §5.2), one request queue. A request is validated when the driver
 * notifies and, if valid, started on the backend with a deterministic id; the data, the status
 * byte, the used-ring entry and the interrupt happen only in `complete(id, ...)`, in whatever
 * order completions come. Invalid requests (out of range, unaligned, writes to a read-only
 * disk, unknown types) complete at once without reaching the backend. A chain without a
 * 16-byte header or a status byte breaks the device (DEVICE_NEEDS_RESET), as in QEMU.
 */
export class VirtioBlk implements VirtioDevice {
  readonly deviceId = VirtioDeviceId.BLOCK;
  readonly name = 'virtio-blk';
  readonly queueNumMax = [VIRTIO_BLK_QUEUE_SIZE];
  readonly features: readonly [number, number];
  private readonly config = new Uint8Array(VirtioBlkConfig.END);
  private readonly sectors: number;
  private readonly readOnly: boolean;
  private transport: VirtioTransport | null = null;
  /** Id of the next request started; never reset, so a late completion cannot match a newer request. */
  private nextId = 1;
  private readonly pending = new Map<number, PendingRequest>();

  constructor(
    private readonly backend: BlockBackend,
    options: VirtioBlkOptions,
  ) {
    this.sectors = options.sectors;
    this.readOnly = options.readOnly ?? false;
    const F = VirtioBlkFeature;
    this.features = [(1 << F.SEG_MAX) | (1 << F.BLK_SIZE) | (1 << F.FLUSH) | (this.readOnly ? 1 << F.RO : 0), 0];
    const c = this.config;
    const view = new DataView(c.buffer);
    view.setUint32(VirtioBlkConfig.capacity, this.sectors % 0x1_0000_0000, true);
    view.setUint32(VirtioBlkConfig.capacity + 4, Math.floor(this.sectors / 0x1_0000_0000), true);
    view.setUint32(VirtioBlkConfig.seg_max, VIRTIO_BLK_QUEUE_SIZE - 2, true);
    view.setUint32(VirtioBlkConfig.blk_size, VIRTIO_BLK_SECTOR_BYTES, true);
  }

  attach(transport: VirtioTransport): void {
    this.transport = transport;
  }

  readConfig(offset: number, size: AccessSize): number {
    return readConfigSpace(this.config, offset, size);
  }

  writeConfig(_offset: number, _size: AccessSize, _value: number): void {
    // Every offered field is read-only (no CONFIG_WCE).
  }

  queueNotify(queue: number): void {
    const t = this.transport;
    if (t === null || queue !== 0) return;
    for (let chain = t.pop(0); chain !== null; chain = t.pop(0)) {
      if (!this.accept(t, chain)) return;
    }
  }

  /**
   * Completes request `id` with `status` (a VirtioBlkStatus) and, for a successful read or
   * get-id, its `data`. False if the device never issued `id` or already completed it (the
   * engine reports a divergence). A read whose data has the wrong length completes with IOERR.
   */
  complete(id: number, status: number, data?: Uint8Array): boolean {
    const req = this.pending.get(id);
    if (req === undefined) return false;
    this.pending.delete(id);
    const t = this.transport;
    if (!req.live || t === null) return true;
    let result = status & 0xff;
    if (result === VirtioBlkStatus.OK && (req.type === 'read' || req.type === 'get-id')) {
      const given = data ?? new Uint8Array(0);
      let bytes: Uint8Array | null = null;
      if (req.type === 'get-id') {
        bytes = new Uint8Array(req.length);
        bytes.set(given.subarray(0, req.length));
      } else if (given.length === req.length) {
        bytes = given;
      }
      if (bytes === null) result = VirtioBlkStatus.IOERR;
      else if (!writeSegments(t.memory, req.segments, 0, bytes)) {
        t.fail();
        return true;
      }
    }
    this.finish(t, req.head, req.segments, req.inLen, result);
    return true;
  }

  /** Ids of the requests started and not yet completed, oldest first. */
  pendingIds(): number[] {
    return [...this.pending.keys()];
  }

  reset(): void {
    // In-flight host I/O cannot be cancelled: its completion will still come, and is dropped.
    for (const req of this.pending.values()) {
      req.live = false;
      req.segments.length = 0;
    }
  }

  /** The request-id counter and every pending request (with where its data will go). */
  save(): StateRecord {
    return {
      nextId: this.nextId,
      pending: [...this.pending.values()].map((r) => ({
        id: r.id,
        type: r.type,
        head: r.head,
        length: r.length,
        inLen: r.inLen,
        live: r.live,
        segments: Uint32Array.from(r.segments.flatMap((s) => [s.address, s.length])),
      })),
    };
  }

  restore(s: StateRecord): void {
    this.nextId = s.nextId as number;
    this.pending.clear();
    for (const r of s.pending as StateRecord[]) {
      const flat = r.segments as Uint32Array;
      const segments: Segment[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) segments.push({ address: flat[i]!, length: flat[i + 1]!, writable: true });
      const req: PendingRequest = {
        id: r.id as number,
        type: r.type as BlockRequestType,
        head: r.head as number,
        length: r.length as number,
        inLen: r.inLen as number,
        segments,
        live: r.live as boolean,
      };
      this.pending.set(req.id, req);
    }
  }

  /** Validates one request and starts or answers it; false if the chain broke the device. */
  private accept(t: VirtioTransport, chain: DescriptorChain): boolean {
    if (chain.readableBytes < HEADER_BYTES || chain.writableBytes < 1) {
      t.fail();
      return false;
    }
    const header = readChain(t.memory, chain, 0, HEADER_BYTES);
    if (header === null) {
      t.fail();
      return false;
    }
    const type = getU32(header, 0);
    const sector = getU32(header, 8) + getU32(header, 12) * 0x1_0000_0000;
    const segments = chain.segments.filter((s) => s.writable);
    const inLen = chain.writableBytes;
    const dataIn = inLen - 1;
    const S = VirtioBlkStatus;
    switch (type) {
      case VirtioBlkType.IN:
        if (!this.inRange(sector, dataIn)) break;
        this.start(chain.head, segments, inLen, 'read', sector, dataIn);
        return true;
      case VirtioBlkType.OUT: {
        const dataOut = chain.readableBytes - HEADER_BYTES;
        if (this.readOnly || !this.inRange(sector, dataOut)) break;
        // The data are taken now, at the notify, so the guest's later stores cannot change them.
        const data = readChain(t.memory, chain, HEADER_BYTES, dataOut);
        if (data === null) {
          t.fail();
          return false;
        }
        this.start(chain.head, segments, inLen, 'write', sector, dataOut, data);
        return true;
      }
      case VirtioBlkType.FLUSH:
        this.start(chain.head, segments, inLen, 'flush', 0, 0);
        return true;
      case VirtioBlkType.GET_ID:
        this.start(chain.head, segments, inLen, 'get-id', 0, Math.min(VIRTIO_BLK_ID_BYTES, dataIn));
        return true;
      default:
        this.finish(t, chain.head, segments, inLen, S.UNSUPP);
        return true;
    }
    this.finish(t, chain.head, segments, inLen, S.IOERR);
    return true;
  }

  /** Whole sectors, all below capacity (QEMU virtio_blk_sect_range_ok). */
  private inRange(sector: number, bytes: number): boolean {
    return bytes % VIRTIO_BLK_SECTOR_BYTES === 0 && sector + bytes / VIRTIO_BLK_SECTOR_BYTES <= this.sectors;
  }

  private start(
    head: number,
    segments: Segment[],
    inLen: number,
    type: BlockRequestType,
    sector: number,
    length: number,
    data?: Uint8Array,
  ): void {
    const id = this.nextId++;
    const expected = type === 'read' || type === 'get-id' ? length : 0;
    // Pending before `start`, so a synchronous backend may complete it from inside.
    this.pending.set(id, { id, type, head, length: expected, inLen, segments, live: true });
    this.backend.start(data === undefined ? { id, type, sector, length } : { id, type, sector, length, data });
  }

  /** Writes the status byte (the chain's last writable byte) and returns the chain to the driver. */
  private finish(t: VirtioTransport, head: number, segments: Segment[], inLen: number, status: number): void {
    if (!writeSegments(t.memory, segments, inLen - 1, Uint8Array.of(status))) {
      t.fail();
      return;
    }
    t.push(0, head, inLen);
  }
}
