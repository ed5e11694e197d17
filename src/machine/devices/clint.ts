import { MipBit, type InterruptPins } from '../interrupt-pins.js';
import type { AccessSize, EndSlice, MmioDevice } from '../mmio-device.js';
import type { TimedDevice } from '../timed-device.js';
import type { VirtualClock } from '../virtual-clock.js';
import type { StateRecord } from '../state.js';

/**
 * Register offsets of the CLINT for hart 0 (SiFive CLINT / RISC-V ACLINT spec §2-3; QEMU
 * hw/intc/riscv_aclint.c). 64-bit registers are split into their 32-bit halves.
 */
export const ClintReg = {
  MSIP: 0x0000,
  MTIMECMP_LO: 0x4000,
  MTIMECMP_HI: 0x4004,
  MTIME_LO: 0xbff8,
  MTIME_HI: 0xbffc,
} as const;

/** Virtual ns per mtime tick: the timebase is 10 MHz (QEMU virt `timebase-frequency`). */
export const NS_PER_MTIME_TICK = 100;

const TWO_32 = 2 ** 32;

/**
 * The core-local interruptor: software interrupt (MSIP) and machine timer (MTIP) of hart 0.
 * mtime is derived from the virtual clock, so timer interrupts need no recording.
 * Unlike QEMU, mtime is read-only: writes are ignored, because virtual time is a pure function
 * of icount and bias, and letting the guest move it would need a second, guest-owned offset.
 */
export class Clint implements MmioDevice, TimedDevice {
  readonly name = 'clint';

  private msip = 0;
  private mtimecmpLo = 0xffff_ffff;
  private mtimecmpHi = 0xffff_ffff;
  private mtip = false;

  constructor(
    private readonly clock: VirtualClock,
    private readonly pins: InterruptPins,
    /** Called after every write: msip and mtimecmp change interrupt lines and deadlines. */
    private readonly endSlice: EndSlice = () => {},
  ) {}

  read(offset: number, size: AccessSize): number {
    const shift = (offset & 3) * 8;
    const word = this.readWord(offset & ~3);
    return size === 4 ? word : (word >>> shift) & (size === 2 ? 0xffff : 0xff);
  }

  write(offset: number, size: AccessSize, value: number): void {
    this.endSlice();
    const aligned = offset & ~3;
    let word = value >>> 0;
    if (size !== 4) {
      // A narrow store changes only its bytes of the containing word.
      const shift = (offset & 3) * 8;
      const mask = (size === 2 ? 0xffff : 0xff) << shift;
      word = ((this.readWord(aligned) & ~mask) | ((value << shift) & mask)) >>> 0;
    }
    switch (aligned) {
      case ClintReg.MSIP:
        this.msip = word & 1;
        this.pins.setPin(MipBit.MSIP, this.msip !== 0);
        return;
      case ClintReg.MTIMECMP_LO:
        this.mtimecmpLo = word;
        this.update();
        return;
      case ClintReg.MTIMECMP_HI:
        this.mtimecmpHi = word;
        this.update();
        return;
      default:
        // mtime is read-only here (see the class comment); other offsets are not decoded.
        return;
    }
  }

  /** The current mtime in ticks: floor(virtualNs / 100). */
  mtime(): number {
    // Exact for integral ns below 2^53: the division's rounding error is under 1/100.
    return Math.floor(this.clock.nowNs() / NS_PER_MTIME_TICK);
  }

  deadlineIcount(): number {
    // Once MTIP is set nothing changes until mtimecmp is written (which calls update()).
    if (this.mtip) return Infinity;
    const cmp = this.mtimecmpHi * TWO_32 + this.mtimecmpLo;
    const ns = cmp * NS_PER_MTIME_TICK;
    if (ns > Number.MAX_SAFE_INTEGER) return Infinity;
    return this.clock.icountAtNs(ns);
  }

  update(): void {
    const level = this.timerReached();
    if (level !== this.mtip) {
      this.mtip = level;
      this.pins.setPin(MipBit.MTIP, level);
    }
  }

  /** mtime >= mtimecmp, compared by halves so that mtimecmp beyond 2^53 stays exact. */
  private timerReached(): boolean {
    const now = this.mtime();
    const hi = Math.floor(now / TWO_32);
    const lo = now - hi * TWO_32;
    return hi > this.mtimecmpHi || (hi === this.mtimecmpHi && lo >= this.mtimecmpLo);
  }

  private readWord(aligned: number): number {
    switch (aligned) {
      case ClintReg.MSIP:
        return this.msip;
      case ClintReg.MTIMECMP_LO:
        return this.mtimecmpLo;
      case ClintReg.MTIMECMP_HI:
        return this.mtimecmpHi;
      case ClintReg.MTIME_LO: {
        const now = this.mtime();
        return now - Math.floor(now / TWO_32) * TWO_32;
      }
      case ClintReg.MTIME_HI:
        return Math.floor(this.mtime() / TWO_32);
      default:
        return 0;
    }
  }

  /** The device's state: msip, mtimecmp and the timer line as last driven. */
  save(): StateRecord {
    return { msip: this.msip, mtimecmpLo: this.mtimecmpLo, mtimecmpHi: this.mtimecmpHi, mtip: this.mtip };
  }

  /** Copies back what `save` returned. */
  restore(s: StateRecord): void {
    this.msip = s.msip as number;
    this.mtimecmpLo = s.mtimecmpLo as number;
    this.mtimecmpHi = s.mtimecmpHi as number;
    this.mtip = s.mtip as boolean;
  }
}
