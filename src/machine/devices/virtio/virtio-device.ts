import type { AccessSize } from '../../mmio-device.js';
import type { StateRecord } from '../../state.js';
import type { GuestMemory } from './guest-memory.js';
import type { DescriptorChain } from './split-queue.js';

/** Device IDs (VIRTIO 1.2 §5). 0 marks an empty virtio-mmio slot. */
export const VirtioDeviceId = {
  NONE: 0,
  NET: 1,
  BLOCK: 2,
  ENTROPY: 4,
  INPUT: 18,
  SOUND: 25,
} as const;

/** Device status bits (VIRTIO 1.2 §2.1). */
export const VirtioStatus = {
  ACKNOWLEDGE: 1,
  DRIVER: 2,
  DRIVER_OK: 4,
  FEATURES_OK: 8,
  DEVICE_NEEDS_RESET: 64,
  FAILED: 128,
} as const;

/** Reserved (device-independent) feature bit numbers (VIRTIO 1.2 §6). */
export const VirtioFeature = {
  INDIRECT_DESC: 28,
  EVENT_IDX: 29,
  VERSION_1: 32,
} as const;

/** InterruptStatus bits of virtio-mmio (VIRTIO 1.2 §4.2.2). */
export const VirtioInterrupt = {
  USED_BUFFER: 1,
  CONFIG_CHANGE: 2,
} as const;

/** Reads `size` bytes at `offset` of a device's configuration space `config` (little-endian), or -1 past its end. */
export function readConfigSpace(config: Uint8Array, offset: number, size: AccessSize): number {
  if (offset < 0 || offset + size > config.length) return -1;
  let v = 0;
  for (let i = size - 1; i >= 0; i--) v = (v << 8) | config[offset + i]!;
  return v >>> 0;
}

/**
 * What a device model sees of its transport: its queues, guest memory and the ways to notify
 * the driver. Implemented by `VirtioMmio`.
 */
export interface VirtioTransport {
  /** Guest memory for the device's buffers. */
  readonly memory: GuestMemory;
  /**
   * The next available descriptor chain of `queue`, or null when there is none, the queue is
   * not ready, or the device is broken. A malformed chain breaks the device (see `fail`) and
   * also yields null, so callers just stop.
   */
  pop(queue: number): DescriptorChain | null;
  /** Puts chain `head` in `queue`'s used ring with `writtenBytes`, and interrupts unless the driver suppressed it. */
  push(queue: number, head: number, writtenBytes: number): void;
  /** Sets DEVICE_NEEDS_RESET and sends a configuration change interrupt; queues stop until reset. */
  fail(): void;
  /** True when the driver accepted feature `bit` (FEATURES_OK was set with it). */
  negotiated(bit: number): boolean;
  /**
   * Asks for `onDeferred(tag, id)` to be called later, at a checkpoint the engine records (a
   * one-shot BH); returns the id it will carry. The only way a device runs code later.
   */
  defer(tag: number): number;
}

/** A virtio device model on top of the transport (blk, rng, ...). */
export interface VirtioDevice {
  /** Device ID read from the DeviceID register. */
  readonly deviceId: number;
  /** Short name for traces ("virtio-blk"). */
  readonly name: string;
  /** QueueNumMax of each of the device's queues (the length is the number of queues). */
  readonly queueNumMax: readonly number[];
  /** Device-specific feature bits as [bits 0..31, bits 32..63]; the transport adds its own. */
  readonly features: readonly [number, number];
  /** Called once by the transport that carries the device. */
  attach(transport: VirtioTransport): void;
  /** Reads `size` bytes of device configuration space at `offset` (little-endian), or -1 past its end. */
  readConfig(offset: number, size: AccessSize): number;
  /** Writes device configuration space (most devices ignore this). */
  writeConfig(offset: number, size: AccessSize, value: number): void;
  /** The driver notified `queue` (QueueNotify); the queue is ready and the device not broken. */
  queueNotify(queue: number): void;
  /** A BH the device asked for with `defer` runs now (devices that never defer leave it out). */
  onDeferred?(tag: number, id: number): void;
  /** Device reset (the driver wrote 0 to Status); the transport already reset the queues. */
  reset(): void;
  /** The device's own state (plain data). */
  save(): StateRecord;
  /** Copies back what `save` returned. */
  restore(s: StateRecord): void;
}
