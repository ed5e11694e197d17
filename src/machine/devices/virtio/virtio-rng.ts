import type { AccessSize } from '../../mmio-device.js';
import type { StateRecord } from '../../state.js';
import { writeSegments } from './split-queue.js';
import { VirtioDeviceId, type VirtioDevice, type VirtioTransport } from './virtio-device.js';

/** Queue size offered by virtio-rng (QEMU: 8). */
export const VIRTIO_RNG_QUEUE_SIZE = 8;
/** Most entropy bytes given for one buffer; a larger buffer is filled this far and reported so in the used ring. */
export const VIRTIO_RNG_MAX_BYTES = 65536;

/** The BH tags of virtio-rng. */
export const VirtioRngBh = {
  /** Fill every available buffer with entropy. */
  FILL: 1,
} as const;

/** No fill BH pending. */
const NONE = -1;

/**
 * virtio-rng (VIRTIO 1.2 §5.4): one request queue. A notify does not fill anything itself: it
 * defers a fill (one BH, as QEMU's rng backend answers later), and when that BH runs each
 * chain's device-writable buffers are filled with bytes from `entropy(n)` (in the machine, the
 * engine's recorded RANDOM pull port), then returned in the used ring with an interrupt.
 * Readable buffers are ignored. No features and no configuration space.
 */
export class VirtioRng implements VirtioDevice {
  readonly deviceId = VirtioDeviceId.ENTROPY;
  readonly name = 'virtio-rng';
  readonly queueNumMax = [VIRTIO_RNG_QUEUE_SIZE];
  readonly features = [0, 0] as const;
  private transport: VirtioTransport | null = null;
  /** Id of the fill BH asked for and not yet run (NONE: no fill pending). */
  private fillBh = NONE;

  /** `entropy(n)` returns n bytes from outside the machine (fewer are tolerated and reported). */
  constructor(private readonly entropy: (n: number) => Uint8Array) {}

  attach(transport: VirtioTransport): void {
    this.transport = transport;
  }

  readConfig(_offset: number, _size: AccessSize): number {
    return -1;
  }

  writeConfig(_offset: number, _size: AccessSize, _value: number): void {}

  queueNotify(queue: number): void {
    const t = this.transport;
    if (t === null || queue !== 0 || this.fillBh !== NONE) return;
    this.fillBh = t.defer(VirtioRngBh.FILL);
  }

  /** The fill BH runs: every buffer available now is filled (a BH from before a reset is ignored). */
  onDeferred(tag: number, id: number): void {
    const t = this.transport;
    if (t === null || tag !== VirtioRngBh.FILL || id !== this.fillBh) return;
    this.fillBh = NONE;
    for (let chain = t.pop(0); chain !== null; chain = t.pop(0)) {
      const wanted = Math.min(chain.writableBytes, VIRTIO_RNG_MAX_BYTES);
      let bytes = wanted > 0 ? this.entropy(wanted) : new Uint8Array(0);
      if (bytes.length > wanted) bytes = bytes.subarray(0, wanted);
      if (!writeSegments(t.memory, chain.segments, 0, bytes)) {
        t.fail();
        return;
      }
      t.push(0, chain.head, bytes.length);
    }
  }

  reset(): void {
    this.fillBh = NONE;
  }

  save(): StateRecord {
    return { fillBh: this.fillBh };
  }

  restore(s: StateRecord): void {
    this.fillBh = s.fillBh as number;
  }
}
