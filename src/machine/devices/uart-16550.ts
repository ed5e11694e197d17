import type { IrqSink } from '../irq-sink.js';
import type { AccessSize, MmioDevice } from '../mmio-device.js';
import type { StateRecord } from '../state.js';

/**
 * Register offsets of the NS16550A UART (TI PC16550D datasheet, table 2; QEMU hw/char/serial.c).
 * Offsets 0 and 1 are DLL/DLM while LCR.DLAB is set. Registers are one byte wide.
 */
export const UartReg = {
  RBR: 0, // read: receiver buffer
  THR: 0, // write: transmitter holding
  DLL: 0, // DLAB = 1: divisor latch low
  IER: 1,
  DLM: 1, // DLAB = 1: divisor latch high
  IIR: 2, // read
  FCR: 2, // write
  LCR: 3,
  MCR: 4,
  LSR: 5,
  MSR: 6,
  SCR: 7,
} as const;

/** Bits of IER, IIR, FCR, LCR, MCR, LSR and MSR used by the model (serial.c `UART_*`). */
export const UartBit = {
  IER_ERBFI: 0x01, // received data available
  IER_ETBEI: 0x02, // THR empty
  IER_ELSI: 0x04, // receiver line status
  IER_EDSSI: 0x08, // modem status
  IIR_NO_INT: 0x01,
  IIR_THRI: 0x02,
  IIR_RDI: 0x04,
  IIR_RLSI: 0x06,
  IIR_ID: 0x06,
  IIR_FE: 0xc0, // FIFOs enabled
  FCR_FE: 0x01,
  FCR_RFR: 0x02,
  FCR_XFR: 0x04,
  LCR_DLAB: 0x80,
  MCR_OUT2: 0x08,
  MCR_LOOP: 0x10,
  LSR_DR: 0x01,
  LSR_OE: 0x02,
  LSR_BI: 0x10,
  LSR_THRE: 0x20,
  LSR_TEMT: 0x40,
  LSR_INT_ANY: 0x1e,
  MSR_CTS: 0x10,
  MSR_DSR: 0x20,
  MSR_DCD: 0x80,
} as const;

/** Depth of the receive FIFO when FCR.FE is set. */
export const UART_FIFO_BYTES = 16;

const B = UartBit;

/**
 * NS16550A as QEMU models it. Transmission is instant (THR always empty); received bytes enter
 * only through `deliver`, which never takes more than `rxRoom()` bytes (DESIGN §4 backpressure).
 * Not modelled: baud timing, hence the character-timeout interrupt (data below the FIFO trigger
 * level is reported at once as RDA) and modem-status changes (MSR is constant DCD|DSR|CTS).
 */
export class Uart16550 implements MmioDevice {
  readonly name = 'uart';

  private ier = 0;
  private lcr = 0;
  private mcr: number = B.MCR_OUT2;
  private lsr: number = B.LSR_TEMT | B.LSR_THRE;
  private readonly msr = B.MSR_DCD | B.MSR_DSR | B.MSR_CTS;
  private scr = 0;
  private fcr = 0;
  private divider = 0x0c;
  private iirId: number = B.IIR_NO_INT;
  private thrIpending = false;
  private irqLevel = false;
  /** Non-FIFO receive holding register. */
  private rbr = 0;
  /** Receive FIFO as a ring buffer. */
  private readonly rxFifo = new Uint8Array(UART_FIFO_BYTES);
  private rxHead = 0;
  private rxCount = 0;
  /** Transmitted bytes not yet taken by the engine. */
  private readonly output: number[] = [];

  constructor(
    private readonly irq: IrqSink,
    private readonly irqNumber: number,
  ) {}

  read(offset: number, _size: AccessSize): number {
    switch (offset) {
      case UartReg.RBR:
        return this.lcr & B.LCR_DLAB ? this.divider & 0xff : this.readRbr();
      case UartReg.IER:
        return this.lcr & B.LCR_DLAB ? this.divider >>> 8 : this.ier;
      case UartReg.IIR: {
        // NB: reading IIR while it reports THRE clears the THRE interrupt (serial.c).
        const iir = this.iir();
        if ((iir & B.IIR_ID) === B.IIR_THRI) {
          this.thrIpending = false;
          this.updateIrq();
        }
        return iir;
      }
      case UartReg.LCR:
        return this.lcr;
      case UartReg.MCR:
        return this.mcr;
      case UartReg.LSR: {
        // NB: reading LSR clears the overrun and break indications.
        const lsr = this.lsr;
        if (lsr & (B.LSR_BI | B.LSR_OE)) {
          this.lsr &= ~(B.LSR_BI | B.LSR_OE);
          this.updateIrq();
        }
        return lsr;
      }
      case UartReg.MSR:
        return this.mcr & B.MCR_LOOP ? loopbackMsr(this.mcr) : this.msr;
      case UartReg.SCR:
        return this.scr;
      default:
        return 0;
    }
  }

  write(offset: number, _size: AccessSize, value: number): void {
    const v = value & 0xff;
    switch (offset) {
      case UartReg.THR:
        if (this.lcr & B.LCR_DLAB) this.divider = (this.divider & 0xff00) | v;
        else this.writeThr(v);
        return;
      case UartReg.IER:
        if (this.lcr & B.LCR_DLAB) this.divider = (this.divider & 0x00ff) | (v << 8);
        else this.writeIer(v);
        return;
      case UartReg.FCR:
        this.writeFcr(v);
        return;
      case UartReg.LCR:
        this.lcr = v;
        return;
      case UartReg.MCR:
        this.mcr = v & 0x1f;
        return;
      case UartReg.SCR:
        this.scr = v;
        return;
      default:
        // LSR and MSR are read-only; offsets past 7 are not decoded.
        return;
    }
  }

  /** How many received bytes the UART can take now: FIFO free space, or 1 if RBR is empty. */
  rxRoom(): number {
    if (this.fcr & B.FCR_FE) return UART_FIFO_BYTES - this.rxCount;
    return this.lsr & B.LSR_DR ? 0 : 1;
  }

  /** Puts at most `rxRoom()` of `bytes` into the receiver; returns how many it took. */
  deliver(bytes: Uint8Array): number {
    const n = Math.min(bytes.length, this.rxRoom());
    for (let i = 0; i < n; i++) this.receive(bytes[i]!);
    if (n > 0) this.updateIrq();
    return n;
  }

  /** Appends bytes to the console output as if transmitted (the HTIF write syscall). */
  emit(bytes: Uint8Array): void {
    for (const byte of bytes) this.output.push(byte);
  }

  /** Drains the bytes the guest has transmitted since the last call. */
  takeOutput(): Uint8Array {
    const out = Uint8Array.from(this.output);
    this.output.length = 0;
    return out;
  }

  private readRbr(): number {
    let byte: number;
    if (this.fcr & B.FCR_FE) {
      byte = 0;
      if (this.rxCount > 0) {
        byte = this.rxFifo[this.rxHead]!;
        this.rxHead = (this.rxHead + 1) % UART_FIFO_BYTES;
        this.rxCount--;
      }
      if (this.rxCount === 0) this.lsr &= ~(B.LSR_DR | B.LSR_BI);
    } else {
      byte = this.rbr;
      this.lsr &= ~(B.LSR_DR | B.LSR_BI);
    }
    this.updateIrq();
    return byte;
  }

  private writeThr(byte: number): void {
    if (this.mcr & B.MCR_LOOP) {
      // Loopback: the transmitter feeds the receiver; nothing reaches the host (serial_xmit).
      this.receive(byte);
    } else {
      this.output.push(byte);
    }
    // Writing THR clears the THRE interrupt, but the byte leaves at once, so THR is empty
    // again and QEMU's serial_xmit re-arms it before the guest can observe the gap.
    this.thrIpending = true;
    this.updateIrq();
  }

  private writeIer(v: number): void {
    const changed = (this.ier ^ v) & 0x0f;
    this.ier = v & 0x0f;
    // Enabling ETBEI while THR is empty raises THRE even if IIR was read before (serial.c).
    if (changed & B.IER_ETBEI) {
      this.thrIpending = (this.ier & B.IER_ETBEI) !== 0 && (this.lsr & B.LSR_THRE) !== 0;
    }
    if (changed) this.updateIrq();
  }

  private writeFcr(v: number): void {
    // Toggling FIFO enable flushes both FIFOs, dropping unread received bytes (serial.c).
    if ((v ^ this.fcr) & B.FCR_FE) v |= B.FCR_XFR | B.FCR_RFR;
    if (v & B.FCR_RFR) {
      this.lsr &= ~(B.LSR_DR | B.LSR_BI);
      this.rxHead = 0;
      this.rxCount = 0;
    }
    if (v & B.FCR_XFR) {
      this.lsr |= B.LSR_THRE;
      this.thrIpending = true;
    }
    this.fcr = v & 0xc9;
    this.updateIrq();
  }

  /** One byte arriving at the receiver (from `deliver` or loopback); overruns set LSR.OE. */
  private receive(byte: number): void {
    if (this.fcr & B.FCR_FE) {
      if (this.rxCount < UART_FIFO_BYTES) {
        this.rxFifo[(this.rxHead + this.rxCount) % UART_FIFO_BYTES] = byte;
        this.rxCount++;
      } else {
        this.lsr |= B.LSR_OE;
      }
    } else {
      if (this.lsr & B.LSR_DR) this.lsr |= B.LSR_OE;
      this.rbr = byte;
    }
    this.lsr |= B.LSR_DR;
  }

  private iir(): number {
    return (this.fcr & B.FCR_FE ? B.IIR_FE : 0) | this.iirId;
  }

  /** Recomputes the IIR interrupt ID by priority (serial_update_irq) and drives the line on change. */
  private updateIrq(): void {
    let id: number = B.IIR_NO_INT;
    if (this.ier & B.IER_ELSI && this.lsr & B.LSR_INT_ANY) id = B.IIR_RLSI;
    else if (this.ier & B.IER_ERBFI && this.lsr & B.LSR_DR) id = B.IIR_RDI;
    else if (this.ier & B.IER_ETBEI && this.thrIpending) id = B.IIR_THRI;
    this.iirId = id;
    const level = id !== B.IIR_NO_INT;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq.setIrq(this.irqNumber, level);
    }
  }

  /** The UART's registers, receive FIFO, interrupt state and output not yet taken. */
  save(): StateRecord {
    return {
      ier: this.ier,
      lcr: this.lcr,
      mcr: this.mcr,
      lsr: this.lsr,
      scr: this.scr,
      fcr: this.fcr,
      divider: this.divider,
      iirId: this.iirId,
      thrIpending: this.thrIpending,
      irqLevel: this.irqLevel,
      rbr: this.rbr,
      rxFifo: this.rxFifo.slice(),
      rxHead: this.rxHead,
      rxCount: this.rxCount,
      output: Uint8Array.from(this.output),
    };
  }

  /** Copies back what `save` returned. */
  restore(s: StateRecord): void {
    this.ier = s.ier as number;
    this.lcr = s.lcr as number;
    this.mcr = s.mcr as number;
    this.lsr = s.lsr as number;
    this.scr = s.scr as number;
    this.fcr = s.fcr as number;
    this.divider = s.divider as number;
    this.iirId = s.iirId as number;
    this.thrIpending = s.thrIpending as boolean;
    this.irqLevel = s.irqLevel as boolean;
    this.rbr = s.rbr as number;
    this.rxFifo.set(s.rxFifo as Uint8Array);
    this.rxHead = s.rxHead as number;
    this.rxCount = s.rxCount as number;
    this.output.length = 0;
    for (const byte of s.output as Uint8Array) this.output.push(byte);
  }
}

/** MSR in loopback mode: the modem outputs (MCR) wired to the inputs (serial.c). */
function loopbackMsr(mcr: number): number {
  return ((mcr & 0x0c) << 4) | ((mcr & 0x02) << 3) | ((mcr & 0x01) << 5);
}
