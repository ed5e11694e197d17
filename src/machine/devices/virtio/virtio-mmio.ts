import type { IrqSink } from '../../irq-sink.js';
import type { AccessSize, MmioDevice } from '../../mmio-device.js';
import type { StateRecord } from '../../state.js';
import type { GuestMemory } from './guest-memory.js';
import { BROKEN, SplitQueue, type DescriptorChain } from './split-queue.js';
import {
  VirtioFeature,
  VirtioInterrupt,
  VirtioStatus,
  type VirtioDevice,
  type VirtioTransport,
} from './virtio-device.js';

/** Register offsets of the virtio-mmio transport, version 2 (VIRTIO 1.2 §4.2.2, table 4.1). */
export const VirtioMmioReg = {
  MagicValue: 0x000,
  Version: 0x004,
  DeviceID: 0x008,
  VendorID: 0x00c,
  DeviceFeatures: 0x010,
  DeviceFeaturesSel: 0x014,
  DriverFeatures: 0x020,
  DriverFeaturesSel: 0x024,
  QueueSel: 0x030,
  QueueNumMax: 0x034,
  QueueNum: 0x038,
  QueueReady: 0x044,
  QueueNotify: 0x050,
  InterruptStatus: 0x060,
  InterruptACK: 0x064,
  Status: 0x070,
  QueueDescLow: 0x080,
  QueueDescHigh: 0x084,
  QueueDriverLow: 0x090,
  QueueDriverHigh: 0x094,
  QueueDeviceLow: 0x0a0,
  QueueDeviceHigh: 0x0a4,
  ConfigGeneration: 0x0fc,
  Config: 0x100,
} as const;

/** "virt" in little-endian ASCII. */
export const VIRTIO_MMIO_MAGIC = 0x7472_6976;
/** The modern (non-legacy) transport version. */
export const VIRTIO_MMIO_VERSION = 2;
/** "QEMU" in little-endian ASCII, QEMU's VIRT_VENDOR. */
export const VIRTIO_MMIO_VENDOR = 0x554d_4551;

const R = VirtioMmioReg;

/** The deferrer of a slot built without one: its device must not defer. */
function noDeferral(): number {
  throw new Error('this virtio slot was built without a deferrer');
}
/** Feature bits every device gets from the transport: [bits 0..31, bits 32..63]. */
const TRANSPORT_FEATURES = [1 << VirtioFeature.INDIRECT_DESC, 1 << (VirtioFeature.VERSION_1 - 32)] as const;

/**
 * One virtio-mmio slot of the `virt` board (modern transport only, as QEMU with
 * `force-legacy=false`). With no device it answers like QEMU's empty slot: magic, version 2,
 * vendor, DeviceID 0, everything else 0. Registers below the config space take only aligned
 * 32-bit accesses (others read 0 and are ignored, as in QEMU); the interrupt line is high
 * while InterruptStatus is non-zero.
 */
export class VirtioMmio implements MmioDevice, VirtioTransport {
  readonly name: string;

  private status = 0;
  private deviceFeaturesSel = 0;
  private driverFeaturesSel = 0;
  private readonly driverFeatures = [0, 0];
  private queueSel = 0;
  private interruptStatus = 0;
  private irqLevel = false;
  private configGeneration = 0;
  private readonly queues: SplitQueue[];

  constructor(
    readonly memory: GuestMemory,
    private readonly irq: IrqSink,
    private readonly irqNumber: number,
    private readonly device: VirtioDevice | null = null,
    /** Schedules a BH for this slot (the engine's `defer` port); see `VirtioTransport.defer`. */
    private readonly deferrer: (tag: number) => number = noDeferral,
  ) {
    this.name = device ? device.name : 'virtio-empty';
    this.queues = (device?.queueNumMax ?? []).map((max) => new SplitQueue(max));
    device?.attach(this);
  }

  read(offset: number, size: AccessSize): number {
    const device = this.device;
    if (offset >= R.Config) {
      if (device === null) return 0;
      const value = device.readConfig(offset - R.Config, size);
      // Past the end of config space QEMU reads all ones (virtio_config_modern_read*).
      return value < 0 ? (size === 4 ? 0xffff_ffff : (1 << (8 * size)) - 1) : value;
    }
    if (size !== 4 || offset & 3) return 0;
    switch (offset) {
      case R.MagicValue:
        return VIRTIO_MMIO_MAGIC;
      case R.Version:
        return VIRTIO_MMIO_VERSION;
      case R.VendorID:
        return VIRTIO_MMIO_VENDOR;
    }
    if (device === null) return 0;
    const queue = this.queues[this.queueSel];
    switch (offset) {
      case R.DeviceID:
        return device.deviceId;
      case R.DeviceFeatures:
        return this.deviceFeatures(this.deviceFeaturesSel);
      case R.QueueNumMax:
        return queue?.numMax ?? 0;
      case R.QueueReady:
        return queue?.ready ? 1 : 0;
      case R.QueueDescLow:
        return queue?.descLow ?? 0;
      case R.QueueDescHigh:
        return queue?.descHigh ?? 0;
      case R.QueueDriverLow:
        return queue?.driverLow ?? 0;
      case R.QueueDriverHigh:
        return queue?.driverHigh ?? 0;
      case R.QueueDeviceLow:
        return queue?.deviceLow ?? 0;
      case R.QueueDeviceHigh:
        return queue?.deviceHigh ?? 0;
      case R.InterruptStatus:
        return this.interruptStatus;
      case R.Status:
        return this.status;
      case R.ConfigGeneration:
        return this.configGeneration;
      default:
        // Write-only registers (selectors, QueueNum, QueueNotify, InterruptACK) read 0, as in QEMU.
        return 0;
    }
  }

  write(offset: number, size: AccessSize, value: number): void {
    const device = this.device;
    if (device === null) return;
    if (offset >= R.Config) {
      device.writeConfig(offset - R.Config, size, value);
      return;
    }
    if (size !== 4 || offset & 3) return;
    const v = value >>> 0;
    const queue = this.queues[this.queueSel];
    switch (offset) {
      case R.DeviceFeaturesSel:
        this.deviceFeaturesSel = v;
        return;
      case R.DriverFeaturesSel:
        this.driverFeaturesSel = v;
        return;
      case R.DriverFeatures:
        // Features are fixed once FEATURES_OK is accepted (§3.1.1).
        if (this.driverFeaturesSel < 2 && !(this.status & VirtioStatus.FEATURES_OK)) this.driverFeatures[this.driverFeaturesSel] = v;
        return;
      case R.QueueSel:
        this.queueSel = v;
        return;
      case R.QueueNum:
        if (queue && v <= queue.numMax) queue.num = v;
        return;
      case R.QueueReady:
        if (queue) queue.ready = (v & 1) !== 0;
        return;
      case R.QueueNotify:
        if (v < this.queues.length && this.queues[v]!.ready && !this.broken()) device.queueNotify(v);
        return;
      case R.InterruptACK:
        this.interruptStatus &= ~v;
        this.updateIrq();
        return;
      case R.Status:
        this.writeStatus(v & 0xff);
        return;
      case R.QueueDescLow:
        if (queue) queue.descLow = v;
        return;
      case R.QueueDescHigh:
        if (queue) queue.descHigh = v;
        return;
      case R.QueueDriverLow:
        if (queue) queue.driverLow = v;
        return;
      case R.QueueDriverHigh:
        if (queue) queue.driverHigh = v;
        return;
      case R.QueueDeviceLow:
        if (queue) queue.deviceLow = v;
        return;
      case R.QueueDeviceHigh:
        if (queue) queue.deviceHigh = v;
        return;
      default:
        return;
    }
  }

  pop(queue: number): DescriptorChain | null {
    const q = this.queues[queue];
    if (q === undefined || !q.ready || this.broken()) return null;
    const chain = q.pop(this.memory);
    if (chain === BROKEN) {
      this.fail();
      return null;
    }
    return chain;
  }

  push(queue: number, head: number, writtenBytes: number): void {
    const q = this.queues[queue];
    if (q === undefined || this.broken()) return;
    if (!q.push(this.memory, head, writtenBytes)) {
      this.fail();
      return;
    }
    if (q.wantsInterrupt(this.memory)) this.raise(VirtioInterrupt.USED_BUFFER);
  }

  fail(): void {
    if (this.broken()) return;
    this.status |= VirtioStatus.DEVICE_NEEDS_RESET;
    // §2.1.2: a device that sets DEVICE_NEEDS_RESET sends a configuration change notification.
    this.raise(VirtioInterrupt.CONFIG_CHANGE);
  }

  defer(tag: number): number {
    return this.deferrer(tag);
  }

  /** A BH of this slot's device runs (the engine applies its BH event). */
  runDeferred(tag: number, id: number): void {
    this.device?.onDeferred?.(tag, id);
  }

  negotiated(bit: number): boolean {
    if (!(this.status & VirtioStatus.FEATURES_OK)) return false;
    return ((this.driverFeatures[bit >>> 5]! >>> (bit & 31)) & 1) === 1;
  }

  /** The transport's registers, every queue, and the device's own state. */
  save(): StateRecord {
    return {
      status: this.status,
      deviceFeaturesSel: this.deviceFeaturesSel,
      driverFeaturesSel: this.driverFeaturesSel,
      driverFeaturesLow: this.driverFeatures[0]!,
      driverFeaturesHigh: this.driverFeatures[1]!,
      queueSel: this.queueSel,
      interruptStatus: this.interruptStatus,
      irqLevel: this.irqLevel,
      configGeneration: this.configGeneration,
      queues: this.queues.map((q) => q.save()),
      device: this.device ? this.device.save() : null,
    };
  }

  /** Copies back what `save` returned. */
  restore(s: StateRecord): void {
    this.status = s.status as number;
    this.deviceFeaturesSel = s.deviceFeaturesSel as number;
    this.driverFeaturesSel = s.driverFeaturesSel as number;
    this.driverFeatures[0] = s.driverFeaturesLow as number;
    this.driverFeatures[1] = s.driverFeaturesHigh as number;
    this.queueSel = s.queueSel as number;
    this.interruptStatus = s.interruptStatus as number;
    this.irqLevel = s.irqLevel as boolean;
    this.configGeneration = s.configGeneration as number;
    const queues = s.queues as StateRecord[];
    this.queues.forEach((q, i) => q.restore(queues[i]!));
    if (this.device) this.device.restore(s.device as StateRecord);
  }

  /** The device's feature word `sel` plus the transport's (VERSION_1, INDIRECT_DESC). */
  private deviceFeatures(sel: number): number {
    if (sel > 1 || this.device === null) return 0;
    return (this.device.features[sel]! | TRANSPORT_FEATURES[sel]!) >>> 0;
  }

  private writeStatus(value: number): void {
    if (value === 0) {
      this.reset();
      return;
    }
    if (value & VirtioStatus.FEATURES_OK && !(this.status & VirtioStatus.FEATURES_OK) && !this.featuresAcceptable()) {
      // §3.1.1: the device refuses the subset; the driver sees FEATURES_OK clear when it reads back.
      value &= ~VirtioStatus.FEATURES_OK;
    }
    this.status = value | (this.status & VirtioStatus.DEVICE_NEEDS_RESET);
  }

  /** The driver took VERSION_1 (no legacy interface here) and nothing the device did not offer. */
  private featuresAcceptable(): boolean {
    const [low, high] = this.driverFeatures as [number, number];
    if (((high >>> (VirtioFeature.VERSION_1 - 32)) & 1) === 0) return false;
    return (low & ~this.deviceFeatures(0)) === 0 && (high & ~this.deviceFeatures(1)) === 0;
  }

  /** Device reset (§4.2.3.1: writing 0 to Status): registers, queues, interrupt and the device. */
  private reset(): void {
    this.status = 0;
    this.deviceFeaturesSel = 0;
    this.driverFeaturesSel = 0;
    this.driverFeatures[0] = 0;
    this.driverFeatures[1] = 0;
    this.queueSel = 0;
    this.interruptStatus = 0;
    for (const q of this.queues) q.reset();
    this.updateIrq();
    this.device?.reset();
  }

  private broken(): boolean {
    return (this.status & VirtioStatus.DEVICE_NEEDS_RESET) !== 0;
  }

  private raise(bit: number): void {
    this.interruptStatus |= bit;
    this.updateIrq();
  }

  private updateIrq(): void {
    const level = this.interruptStatus !== 0;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq.setIrq(this.irqNumber, level);
    }
  }
}

