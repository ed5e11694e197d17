// A scripted DebugTarget for the stub and server tests: fixed registers and a little RAM,
// every call recorded in `calls`, and resume() answering from a queue of stop events (or,
// with the queue empty, waiting until interrupt() is called).
import type { DebugTarget, ResumeAction, StopEvent, WatchKind } from '../../src/engine/debug-target.js';

export const RAM_BASE = 0x8000_0000;

export class FakeTarget implements DebugTarget {
  icount = 0;
  readonly endIcount = 1000;
  /** x0..x31 then pc: xN = N * 0x01010101 (so byte order shows), pc = 0x80000010. */
  readonly registers = Int32Array.from({ length: 33 }, (_, n) => (n === 32 ? RAM_BASE + 0x10 : n * 0x01010101));
  /** 64 bytes of RAM at 0x80000000, byte i = i. */
  readonly ram = Uint8Array.from({ length: 64 }, (_, i) => i);
  readonly calls: string[] = [];
  /** What the next resumes return, in order. */
  readonly stops: StopEvent[] = [];
  private wake: (() => void) | null = null;

  readRegisters(): Int32Array {
    return this.registers.slice();
  }

  readRegister(regnum: number): number | null {
    if (regnum >= 0 && regnum < 33) return this.registers[regnum]!;
    if (regnum === 65 + 0x300) return 0x1800; // mstatus
    return null;
  }

  readMemory(address: number, length: number): Uint8Array | null {
    const offset = address - RAM_BASE;
    if (offset < 0 || offset + length > this.ram.length) return null;
    return this.ram.slice(offset, offset + length);
  }

  setBreakpoint(address: number): void {
    this.calls.push(`setBreakpoint ${hex(address)}`);
  }

  removeBreakpoint(address: number): void {
    this.calls.push(`removeBreakpoint ${hex(address)}`);
  }

  setWatchpoint(kind: WatchKind, address: number, length: number): void {
    this.calls.push(`setWatchpoint ${kind} ${hex(address)} ${length}`);
  }

  removeWatchpoint(kind: WatchKind, address: number, length: number): void {
    this.calls.push(`removeWatchpoint ${kind} ${hex(address)} ${length}`);
  }

  async resume(action: ResumeAction): Promise<StopEvent> {
    this.calls.push(`resume ${action}`);
    const next = this.stops.shift();
    if (next !== undefined) return next;
    await new Promise<void>((resolve) => (this.wake = resolve));
    return { reason: 'interrupted' };
  }

  interrupt(): void {
    this.calls.push('interrupt');
    this.wake?.();
    this.wake = null;
  }

  async seek(icount: number): Promise<StopEvent | null> {
    this.calls.push(`seek ${icount}`);
    if (icount > this.endIcount) {
      this.icount = this.endIcount;
      return { reason: 'end-of-log', message: `end of the recording at icount ${this.endIcount}: guest halted (pass)` };
    }
    this.icount = icount;
    return null;
  }

  describe(): string {
    return 'fake recording, icount 0 of 1000';
  }

  snapshot(): string {
    return `snapshot at icount ${this.icount}`;
  }
}

function hex(value: number): string {
  return '0x' + (value >>> 0).toString(16);
}
