import { RrvmError } from '../core/rrvm-error.js';
import type { BlockRequest } from '../machine/devices/virtio/block-backend.js';
import { VirtioBlkStatus } from '../machine/devices/virtio/virtio-blk.js';
import type { Machine } from '../machine/machine.js';
import { SECTOR_BYTES } from './disk/overlay-file.js';
import type { DiskImage } from './disk/disk-image.js';

/** Drives per machine: a BLOCK_DONE's request number is `id * MAX_DRIVES + drive`. */
export const MAX_DRIVES = 8;

/** Block I/O state kept with a snapshot (see `BlockIo.save`). */
export interface SavedBlockIo {
  readonly pending: ReadonlyMap<number, PendingBlock>;
  readonly disks: readonly ReadonlyMap<number, Uint8Array>[];
}

/** A request started and not completed. */
export interface PendingBlock {
  drive: number;
  request: BlockRequest;
  data?: Uint8Array;
}

/** A drive as the engine serves it: its image and the id string GET_ID answers. */
export interface Drive {
  image: DiskImage;
  /** At most 20 ASCII bytes (QEMU's `serial=`; empty by default, as QEMU). */
  serial: string;
}

/**
 * The host side of block I/O (DESIGN §7). Live, a request starts asynchronous host I/O at
 * once and its completion is handed to `onDone` (which queues a BLOCK_DONE event); the data
 * read wait here until that event is applied. In replay the same I/O is performed
 * synchronously from base + overlay when the request starts, and its result waits for the
 * recorded BLOCK_DONE. The image runs requests in issue order in both modes, so they see the
 * disk in the same state whatever order the completions arrive in (`--chaos-io` shuffles it).
 */
export class BlockIo {
  /** Requests started and not yet completed, by request number. */
  private readonly pending = new Map<number, PendingBlock>();
  private running = 0;

  constructor(
    private readonly drives: readonly Drive[],
    private readonly live: boolean,
    private readonly onDone: (request: number, status: number) => void = () => {},
    /** `--chaos-io`: an extra delay before each completion is reported, in ms. */
    private readonly chaosDelayMs: (() => number) | null = null,
  ) {}

  /** Live: requests started whose host I/O has not finished (a completion is still coming). */
  get inFlight(): number {
    return this.running;
  }

  /** The request number a BLOCK_DONE event carries for `id` on `drive`. */
  static requestNumber(drive: number, id: number): number {
    return id * MAX_DRIVES + drive;
  }

  /** Starts `request` of `drive` (the machine's `blockIo` port). */
  start(drive: number, request: BlockRequest): void {
    const number = BlockIo.requestNumber(drive, request.id);
    const entry: PendingBlock = { drive, request };
    this.pending.set(number, entry);
    if (!this.live) {
      entry.data = this.performSync(drive, request);
      return;
    }
    this.running++;
    this.perform(drive, request).then(
      (data) => {
        if (data !== undefined) entry.data = data;
        this.finish(number, VirtioBlkStatus.OK);
      },
      () => this.finish(number, VirtioBlkStatus.IOERR),
    );
  }

  /**
   * The replay side's state for a snapshot: the requests started and not completed (with the
   * data their I/O produced) and every drive's in-memory writes. Entries are never changed
   * after they are made, so snapshots share them.
   */
  save(): SavedBlockIo {
    return { pending: new Map(this.pending), disks: this.drives.map((d) => d.image.saveMemory()) };
  }

  /** Returns to a state `save` returned. */
  restore(saved: SavedBlockIo): void {
    this.pending.clear();
    for (const [number, entry] of saved.pending) this.pending.set(number, entry);
    saved.disks.forEach((memory, i) => this.drives[i]!.image.restoreMemory(memory));
  }

  /** Completes request `number` in the device with `status`; false when no device issued it (a divergence in replay). */
  complete(machine: Machine, number: number, status: number): boolean {
    const entry = this.pending.get(number);
    if (entry === undefined) return false;
    this.pending.delete(number);
    return machine.completeBlock(entry.drive, entry.request.id, status, status === VirtioBlkStatus.OK ? entry.data : undefined);
  }

  /** Host I/O of request `number` ended: reports it, after the chaos delay if any. */
  private finish(number: number, status: number): void {
    const delayMs = this.chaosDelayMs?.() ?? 0;
    const report = (): void => {
      this.running--;
      this.onDone(number, status);
    };
    if (delayMs > 0) setTimeout(report, delayMs);
    else report();
  }

  private async perform(drive: number, request: BlockRequest): Promise<Uint8Array | undefined> {
    const { image, serial } = this.drive(drive);
    switch (request.type) {
      case 'read':
        return image.read(request.sector, request.length / SECTOR_BYTES);
      case 'write':
        await image.write(request.sector, request.data!);
        return undefined;
      case 'flush':
        await image.flush();
        return undefined;
      case 'get-id':
        return idBytes(serial, request.length);
    }
  }

  private performSync(drive: number, request: BlockRequest): Uint8Array | undefined {
    const { image, serial } = this.drive(drive);
    switch (request.type) {
      case 'read':
        return image.readSync(request.sector, request.length / SECTOR_BYTES);
      case 'write':
        image.writeSync(request.sector, request.data!);
        return undefined;
      case 'flush':
        image.flushSync();
        return undefined;
      case 'get-id':
        return idBytes(serial, request.length);
    }
  }

  private drive(index: number): Drive {
    const drive = this.drives[index];
    if (drive === undefined) throw new RrvmError('disk.missing', `the guest used drive ${index}, which is not attached`);
    return drive;
  }
}

/** The GET_ID answer: the serial's ASCII bytes, NUL-padded to `length`. */
function idBytes(serial: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  out.set(Buffer.from(serial, 'latin1').subarray(0, length));
  return out;
}
