import type { HostPorts } from '../host-ports.js';
import type { IrqSink } from '../irq-sink.js';
import type { AccessSize, EndSlice, MmioDevice } from '../mmio-device.js';
import type { TimedDevice } from '../timed-device.js';
import type { VirtualClock } from '../virtual-clock.js';
import type { StateRecord } from '../state.js';

/**
 * Register offsets of the Android goldfish RTC (GOLDFISH-VIRTUAL-HARDWARE.TXT "goldfish_rtc";
 * QEMU hw/rtc/goldfish_rtc.c). Time and alarm are 64-bit ns since the Unix epoch.
 */
export const GoldfishRtcReg = {
  TIME_LOW: 0x00,
  TIME_HIGH: 0x04,
  ALARM_LOW: 0x08,
  ALARM_HIGH: 0x0c,
  IRQ_ENABLED: 0x10,
  CLEAR_ALARM: 0x14,
  ALARM_STATUS: 0x18,
  CLEAR_INTERRUPT: 0x1c,
} as const;

const TWO_32 = 2 ** 32;

/**
 * The goldfish RTC: the machine's only view of wall-clock time, read through `ports.clock('rtc')`
 * (so it is recorded and replayed). The alarm is kept in virtual time: when armed, the remaining
 * wall-clock ns are converted once into a virtual-ns deadline, so it fires at an exact icount.
 * As in QEMU, ALARM_STATUS reads 1 while an alarm is armed and 0 once it fired or was cleared;
 * the interrupt line is (alarm fired and not cleared) AND IRQ_ENABLED.
 * Guest writes to TIME_LOW/TIME_HIGH shift the device's time by an offset, as QEMU's tick_offset.
 * Accesses are 32-bit registers; the access width is not checked.
 */
export class GoldfishRtc implements MmioDevice, TimedDevice {
  readonly name = 'rtc';

  /** Guest-set offset from host time, kept as two integral parts: offsetHi * 2^32 + offsetLo. */
  private offsetHi = 0;
  private offsetLo = 0;
  private timeHigh = 0;
  private alarmLow = 0;
  private alarmHigh = 0;
  private alarmRunning = false;
  /** Virtual ns at which the armed alarm fires. */
  private alarmVirtualNs = Infinity;
  private irqPending = false;
  private irqEnabled = false;
  private irqLevel = false;

  constructor(
    private readonly ports: HostPorts,
    private readonly clock: VirtualClock,
    private readonly irq: IrqSink,
    private readonly irqNumber: number,
    /** Called after every write: the alarm registers move the deadline. */
    private readonly endSlice: EndSlice = () => {},
  ) {}

  read(offset: number, _size: AccessSize): number {
    switch (offset) {
      case GoldfishRtcReg.TIME_LOW: {
        // NB: one host clock read; latches the high half for the following TIME_HIGH read.
        const [hi, lo] = this.count();
        this.timeHigh = hi;
        return lo;
      }
      case GoldfishRtcReg.TIME_HIGH:
        return this.timeHigh;
      case GoldfishRtcReg.ALARM_LOW:
        return this.alarmLow;
      case GoldfishRtcReg.ALARM_HIGH:
        return this.alarmHigh;
      case GoldfishRtcReg.IRQ_ENABLED:
        return this.irqEnabled ? 1 : 0;
      case GoldfishRtcReg.ALARM_STATUS:
        return this.alarmRunning ? 1 : 0;
      default:
        return 0;
    }
  }

  write(offset: number, _size: AccessSize, value: number): void {
    this.endSlice();
    const v = value >>> 0;
    switch (offset) {
      case GoldfishRtcReg.TIME_LOW: {
        const [, lo] = this.count();
        this.addOffset(0, v - lo);
        return;
      }
      case GoldfishRtcReg.TIME_HIGH: {
        const [hi] = this.count();
        this.addOffset(v - hi, 0);
        return;
      }
      case GoldfishRtcReg.ALARM_LOW:
        this.alarmLow = v;
        this.armAlarm();
        return;
      case GoldfishRtcReg.ALARM_HIGH:
        this.alarmHigh = v;
        return;
      case GoldfishRtcReg.IRQ_ENABLED:
        this.irqEnabled = (v & 1) !== 0;
        this.updateIrq();
        return;
      case GoldfishRtcReg.CLEAR_ALARM:
        this.disarm();
        return;
      case GoldfishRtcReg.CLEAR_INTERRUPT:
        this.irqPending = false;
        this.updateIrq();
        return;
      default:
        return;
    }
  }

  deadlineIcount(): number {
    if (!this.alarmRunning || this.alarmVirtualNs > Number.MAX_SAFE_INTEGER) return Infinity;
    return this.clock.icountAtNs(this.alarmVirtualNs);
  }

  update(): void {
    if (this.alarmRunning && this.clock.nowNs() >= this.alarmVirtualNs) this.fire();
  }

  /** Reads the host clock once; returns the device time as [high, low] uint32 halves. */
  private count(): [number, number] {
    const hostNs = this.ports.clock('rtc');
    const hostHi = Math.floor(hostNs / TWO_32);
    // Every term is an integer below 2^33, so the sums and the carry are exact.
    let lo = hostNs - hostHi * TWO_32 + this.offsetLo;
    const carry = Math.floor(lo / TWO_32);
    lo -= carry * TWO_32;
    const hi = (hostHi + this.offsetHi + carry) >>> 0;
    return [hi, lo];
  }

  /** Adds hi * 2^32 + lo to the time offset, modulo 2^64 like QEMU's uint64 tick_offset. */
  private addOffset(hi: number, lo: number): void {
    const sumLo = this.offsetLo + lo;
    const carry = Math.floor(sumLo / TWO_32);
    this.offsetLo = sumLo - carry * TWO_32;
    this.offsetHi = (this.offsetHi + hi + carry) >>> 0;
  }

  /** Arms the alarm at ALARM_HIGH:ALARM_LOW (goldfish_rtc_set_alarm); fires now if it has passed. */
  private armAlarm(): void {
    const [hi, lo] = this.count();
    const remainingNs = (this.alarmHigh - hi) * TWO_32 + (this.alarmLow - lo);
    if (remainingNs <= 0) {
      this.disarm();
      this.fire();
      return;
    }
    this.alarmRunning = true;
    this.alarmVirtualNs = this.clock.nowNs() + remainingNs;
  }

  private disarm(): void {
    this.alarmRunning = false;
    this.alarmVirtualNs = Infinity;
  }

  private fire(): void {
    this.disarm();
    this.irqPending = true;
    this.updateIrq();
  }

  private updateIrq(): void {
    const level = this.irqPending && this.irqEnabled;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq.setIrq(this.irqNumber, level);
    }
  }

  /** The device's state: time offset, latched high half, alarm and interrupt state. */
  save(): StateRecord {
    return {
      offsetHi: this.offsetHi,
      offsetLo: this.offsetLo,
      timeHigh: this.timeHigh,
      alarmLow: this.alarmLow,
      alarmHigh: this.alarmHigh,
      alarmRunning: this.alarmRunning,
      alarmVirtualNs: this.alarmVirtualNs,
      irqPending: this.irqPending,
      irqEnabled: this.irqEnabled,
      irqLevel: this.irqLevel,
    };
  }

  /** Copies back what `save` returned. */
  restore(s: StateRecord): void {
    this.offsetHi = s.offsetHi as number;
    this.offsetLo = s.offsetLo as number;
    this.timeHigh = s.timeHigh as number;
    this.alarmLow = s.alarmLow as number;
    this.alarmHigh = s.alarmHigh as number;
    this.alarmRunning = s.alarmRunning as boolean;
    this.alarmVirtualNs = s.alarmVirtualNs as number;
    this.irqPending = s.irqPending as boolean;
    this.irqEnabled = s.irqEnabled as boolean;
    this.irqLevel = s.irqLevel as boolean;
  }
}
