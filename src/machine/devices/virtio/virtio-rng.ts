import type { AccessSize } from '../../mmio-device.js';
import type { StateRecord } from '../../state.js';
import { writeSegments } from './split-queue.js';
import { VirtioDeviceId, type VirtioDevice, type VirtioTransport } from './virtio-device.js';

/** Queue size offered by virtio-rng (QEMU: 8). */
export const VIRTIO_RNG_QUEUE_SIZE = 8;
/** Most entropy bytes given for one buffer; a larger buffer is filled this far and reported so in the used ring. */
export const VIRTIO_RNG_MAX_BYTES = 65536;

/**
 * virtio-rng (VIRTIO 1.2 §5.4): one request queue; each chain's device-writable buffers are
 * filled at once with bytes from `entropy(n)` (in the machine, the engine's recorded RANDOM
 * pull port), then returned in the used ring with an interrupt. Readable buffers are ignored.
 * No features and no configuration space. Holds no state of its own.
 */
export class VirtioRng implements VirtioDevice {
  readonly deviceId = VirtioDeviceId.ENTROPY;
  readonly name = 'virtio-rng';
  readonly queueNumMax = [VIRTIO_RNG_QUEUE_SIZE];
  readonly features = [0, 0] as const;
  private transport: VirtioTransport | null = null;

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
    if (t === null || queue !== 0) return;
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

  reset(): void {}

  save(): StateRecord {
    return {};
  }

  restore(_s: StateRecord): void {}
}
