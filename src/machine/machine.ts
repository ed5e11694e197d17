import { Bus } from './bus.js';
import { Cpu } from './cpu/cpu.js';
import { Clint } from './devices/clint.js';
import { GoldfishRtc } from './devices/goldfish-rtc.js';
import { Plic } from './devices/plic.js';
import { TestFinisher } from './devices/test-finisher.js';
import { Uart16550 } from './devices/uart-16550.js';
import type { ElfImage } from './elf-image.js';
import type { HaltReason } from '../core/halt-reason.js';
import type { HostPorts } from './host-ports.js';
import { Irq, MemoryMap, MmioSize } from './memory-map.js';
import { ChunkFlag, CHUNK_SHIFT, Ram } from './ram.js';
import type { TimedDevice } from './timed-device.js';
import { VirtualClock } from './virtual-clock.js';

/** What a machine is built from; everything the log header must pin to replay it. */
export interface MachineConfig {
  /** Guest RAM size in bytes (a multiple of 4 KiB, at most 2 GiB). */
  ramBytes: number;
  /** Virtual ns per instruction = 2^icountShift. */
  icountShift: number;
}

/**
 * The whole deterministic computer: hart, RAM, bus and the devices of the `virt` board.
 * Pure and synchronous; everything from outside arrives through `HostPorts` or `deliverSerial`.
 */
export class Machine {
  readonly ram: Ram;
  readonly bus: Bus;
  readonly clock: VirtualClock;
  readonly cpu: Cpu;
  readonly uart: Uart16550;
  readonly clint: Clint;
  readonly plic: Plic;
  readonly rtc: GoldfishRtc;
  /** Why the machine stopped for good, or null while it runs. */
  halted: HaltReason | null = null;
  private readonly timedDevices: TimedDevice[];
  /** RAM offset of the HTIF `tohost` word, or -1. */
  private tohostOffset = -1;

  constructor(
    readonly config: MachineConfig,
    ports: HostPorts,
  ) {
    this.ram = new Ram(config.ramBytes);
    this.bus = new Bus(this.ram);
    this.clock = new VirtualClock(() => this.cpu.icount, config.icountShift);
    const halt = (reason: HaltReason): void => this.halt(reason);
    this.cpu = new Cpu(this.ram, this.bus, this.clock, halt);
    this.plic = new Plic(this.cpu);
    this.clint = new Clint(this.clock, this.cpu);
    this.uart = new Uart16550(this.plic, Irq.UART0);
    this.rtc = new GoldfishRtc(ports, this.clock, this.plic, Irq.RTC);
    this.timedDevices = [this.clint, this.rtc];
    this.bus.map(MemoryMap.TEST_FINISHER, MmioSize.TEST_FINISHER, new TestFinisher(halt));
    this.bus.map(MemoryMap.RTC, MmioSize.RTC, this.rtc);
    this.bus.map(MemoryMap.CLINT, MmioSize.CLINT, this.clint);
    this.bus.map(MemoryMap.PLIC, MmioSize.PLIC, this.plic);
    this.bus.map(MemoryMap.UART0, MmioSize.UART0, this.uart);
    // A store that moves a device deadline or makes an interrupt pending ends the slice, so the
    // engine recomputes deadlines and the hart takes the interrupt before its next instruction.
    // Other stores (console output, most of them) run on.
    this.bus.onMmioWrite = (device) => {
      const cpu = this.cpu;
      if ((cpu.mip & cpu.mie) !== 0 || device === this.clint || device === this.rtc) cpu.endSlice();
    };
    this.ram.onFlaggedStore = (offset, size) => this.onFlaggedStore(offset, size);
  }

  /** Instructions executed so far. */
  get icount(): number {
    return this.cpu.icount;
  }

  /** Copies an ELF image into RAM and points the hart at its entry. */
  load(image: ElfImage): void {
    for (const segment of image.segments) {
      this.ram.load(segment.address - MemoryMap.RAM, segment.data);
    }
    this.cpu.pc = image.entry | 0;
    if (image.tohost !== undefined) {
      this.tohostOffset = image.tohost - MemoryMap.RAM;
      this.ram.chunkFlags[this.tohostOffset >>> CHUNK_SHIFT]! |= ChunkFlag.WATCH;
    }
  }

  /** The earliest icount at which a device changes state by itself (Infinity if none). */
  nextDeadline(): number {
    let deadline = Infinity;
    for (const device of this.timedDevices) deadline = Math.min(deadline, device.deadlineIcount());
    return deadline;
  }

  /**
   * Runs until icount reaches `limitIcount`, the machine halts, or the hart idles in WFI with
   * nothing pending. Never runs past a device deadline without updating that device.
   */
  run(limitIcount: number): void {
    const cpu = this.cpu;
    while (this.halted === null && cpu.icount < limitIcount) {
      this.updateDevices();
      cpu.run(Math.min(limitIcount, Math.max(this.nextDeadline(), cpu.icount + 1)));
      if (cpu.waiting) {
        this.updateDevices();
        if ((cpu.mip & cpu.mie) === 0) return;
      }
    }
  }

  /** Advances virtual time by `ns` while the hart idles (a WARP), then updates the devices. */
  warp(ns: number): void {
    this.clock.biasNs += ns;
    this.updateDevices();
  }

  /** Virtual ns from now until the next device deadline (Infinity if none). */
  nsUntilDeadline(): number {
    const deadline = this.nextDeadline();
    return deadline === Infinity ? Infinity : (deadline - this.cpu.icount) * this.clock.nsPerInsn;
  }

  /** Bytes the guest wrote to the console since the last call. */
  takeConsoleOutput(): Uint8Array {
    return this.uart.takeOutput();
  }

  /** Offers serial input to the UART; returns how many bytes it accepted (the rest stays queued). */
  deliverSerial(bytes: Uint8Array): number {
    return this.uart.deliver(bytes);
  }

  /** Brings every timed device (CLINT, RTC alarm) up to date with the current icount. */
  private updateDevices(): void {
    for (const device of this.timedDevices) device.update();
  }

  private halt(reason: HaltReason): void {
    if (this.halted !== null) return;
    this.halted = reason;
    this.cpu.sliceLimit = this.cpu.icount;
  }

  private onFlaggedStore(offset: number, size: number): void {
    this.cpu.invalidateCode(offset, size);
    const tohost = this.tohostOffset;
    if (tohost >= 0 && offset < tohost + 4 && offset + size > tohost) {
      const value = this.ram.i32[tohost >> 2]!;
      // HTIF exit: value 1 = pass, any other odd value = fail with code value >> 1.
      if ((value & 1) === 1) this.halt(value === 1 ? { kind: 'pass' } : { kind: 'fail', code: value >>> 1 });
    }
  }
}
