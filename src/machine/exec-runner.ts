import type { Cpu } from './cpu/cpu.js';
import { dataPriv } from './cpu/mmu.js';
import { Op } from './cpu/op.js';
import { Priv } from './cpu/trap-cause.js';
import { AccessKind, amoResult, planAccess, type PlannedAccess } from './data-access.js';
import { BlockTracker } from './block-tracker.js';
import type { ExecObserver, ExecWants } from './exec-observer.js';
import { GuestCode } from './guest-code.js';
import { MemoryMap } from './memory-map.js';
import type { Ram } from './ram.js';
import { peekSv32 } from './sv32-peek.js';

/** What an ExecRunner drives. */
export interface RunTarget {
  readonly cpu: Cpu;
  readonly ram: Ram;
  readonly halted: unknown;
  readonly watchHit: number | null;
  /** Runs unobserved towards `limitIcount`; returns early after a trap entry once `trapTaken` is set. */
  runFree(limitIcount: number): void;
  /** Runs instrumented compiled code at the pc, if any (see Cpu.runTraced); returns the instructions it ran. */
  runTraced(limitIcount: number, jumpedHere: boolean, byJalr: boolean): number;
}

/** Masks of a value `size` bytes wide. */
const SIZE_MASK = [0, 0xff, 0xffff, 0, 0xffff_ffff];

/**
 * Runs the machine while an execution observer wants more than device accesses and traps.
 * For instructions, blocks and memory accesses it runs the instrumented variant of the
 * compiled code where hot code has one (it reports what it ran, see ExecTrace) and steps one
 * instruction at a time elsewhere; for pc samples it stops at every multiple of the period.
 * What it reports depends only on the icount, never on where slices end nor on which of the
 * two ran an instruction, so a recording and its replay report the same.
 */
export class ExecRunner {
  /** Set by the trap hook; a stepping run stops at it. */
  trapTaken = false;
  private readonly stepping: boolean;
  private readonly code: GuestCode;
  /** Cuts what runs into blocks, when blocks are observed. */
  private readonly blocks: BlockTracker | null;
  private readonly access: PlannedAccess = { kind: 0, address: 0, size: 4, rd: 0, operand: 0 };
  /** Device accesses seen, so that a load or store that reached a device is not reported as RAM. */
  private mmioSeen = 0;
  /** The icount of the last pc sample (so that a run resumed at a sample point does not sample twice). */
  private lastSample = -1;
  /** Control reached the pc by a jump, branch or trap (where code heats up), and by a JALR. */
  private jumpedHere = true;
  private byJalr = false;
  /** Where the last observed run ended (the machine may be elsewhere since: see Machine.suspendObservation). */
  private reachedIcount: number;

  constructor(
    private readonly target: RunTarget,
    private readonly observer: ExecObserver,
    private readonly wants: ExecWants,
  ) {
    this.stepping = wants.insns || wants.memory || wants.blocks;
    this.code = new GuestCode(target.cpu, target.ram);
    this.blocks = wants.blocks ? new BlockTracker(this.code, observer) : null;
    this.reachedIcount = target.cpu.icount;
  }

  /** The trap hook: reports the trap and, while stepping, ends the run right after trap entry. */
  onTrap(cause: number, tval: number, epc: number): void {
    const cpu = this.target.cpu;
    this.observer.trap(cpu.icount, cause, tval, epc);
    if (!this.stepping) return;
    this.trapTaken = true;
    cpu.sliceLimit = cpu.icount;
  }

  /** The device-access hook. */
  onMmio(write: boolean, device: string, offset: number, size: number, value: number): void {
    this.mmioSeen++;
    this.observer.mmio(this.target.cpu.icount, write, device, offset, size, value);
  }

  /** `Machine.run` under observation. */
  run(limitIcount: number): void {
    this.observeTo(limitIcount);
    this.reachedIcount = this.target.cpu.icount;
  }

  private observeTo(limitIcount: number): void {
    const period = this.wants.samplePeriod;
    if (period === 0) return this.runBody(limitIcount);
    const { cpu } = this.target;
    for (;;) {
      const icount = cpu.icount;
      if (icount % period === 0 && icount !== this.lastSample && this.target.halted === null) {
        this.lastSample = icount;
        this.observer.sample(icount, cpu.pc >>> 0);
      }
      if (icount >= limitIcount || this.target.halted !== null) return;
      const stop = Math.min(limitIcount, icount - (icount % period) + period);
      this.runBody(stop);
      // Stopped early: idle, a debugger stop, a halt.
      if (cpu.icount !== stop) return;
    }
  }

  /**
   * Takes over from the runner `previous` when what is observed changes mid-run (a tap
   * subscribed or unsubscribed at the end of a slice): the last sample point, and the open
   * block if this one reports blocks too (otherwise `previous` reports it now), so that a change
   * at a slice boundary reports nothing twice and cuts no block.
   */
  adopt(previous: ExecRunner): void {
    this.lastSample = previous.lastSample;
    if (this.blocks === null || previous.blocks === null) return previous.flush();
    this.blocks.adopt(previous.blocks);
  }

  /** Code in RAM changed: forgets every block shape read before. */
  forgetCode(): void {
    this.blocks?.forgetCode();
  }

  /** Reports the block still open as far as observed execution reached (call when the run ends or observation stops). */
  flush(): void {
    this.blocks?.flushAt(this.reachedIcount);
  }

  private runBody(limitIcount: number): void {
    if (this.stepping) this.runSteps(limitIcount);
    else this.target.runFree(limitIcount);
  }

  /** Runs instrumented compiled code where there is some, else one instruction at a time, until the limit, an idle hart, a stop or a halt. */
  private runSteps(limitIcount: number): void {
    const { target } = this;
    const { cpu } = target;
    while (target.halted === null && cpu.icount < limitIcount) {
      const icount = cpu.icount;
      const ran = target.runTraced(limitIcount, this.jumpedHere, this.byJalr);
      if (ran === 0) {
        if (!this.step()) return;
        continue;
      }
      this.reportTraced(icount, ran);
      this.jumpedHere = true;
      this.byJalr = cpu.leftByJalr;
      // A store into a watched range (a debugger stop) or into tohost (a halt) ends the run.
      if (target.halted !== null) this.blocks?.flushAt(cpu.icount);
      if (target.watchHit !== null || target.halted !== null) return;
    }
  }

  /** Steps one instruction and reports it; false when the run must stop here (idle, a debugger stop). */
  private step(): boolean {
    const { target, access } = this;
    const { cpu } = target;
    const icount = cpu.icount;
    const pc = cpu.pc;
    this.blocks?.at(icount, pc >>> 0);
    const bits = this.code.bitsAt(pc);
    let rd = 0;
    let op: number = Op.UNDECODED;
    let length = 4;
    access.kind = 0;
    if (bits !== 0) {
      const d = this.code.decode(bits);
      rd = d.rd;
      op = d.op;
      length = d.length;
      if (this.wants.memory) planAccess(d, cpu.x, access);
    }
    const mmioBefore = this.mmioSeen;
    this.trapTaken = false;
    target.runFree(icount + 1);
    if (cpu.icount > icount) {
      if (this.wants.insns) this.observer.insn(icount, pc >>> 0, bits >>> 0, rd, rd === 0 ? 0 : cpu.x[rd]! >>> 0);
      if (access.kind !== 0 && !this.trapTaken && this.mmioSeen === mmioBefore) this.reportAccess(icount, op);
    }
    const stopped = cpu.breakpointHit || target.watchHit !== null;
    // Idle in WFI: nothing ran and no trap moved the pc.
    const idle = cpu.icount === icount && cpu.pc === pc && !this.trapTaken;
    // A debugger stop leaves the block open: it goes on when execution does.
    if (this.trapTaken || target.halted !== null) this.blocks?.flushAt(cpu.icount);
    else this.blocks?.ran(cpu.icount);
    this.jumpedHere = this.trapTaken || cpu.pc !== ((pc + length) | 0);
    this.byJalr = op === Op.JALR && !this.trapTaken;
    return !stopped && !idle;
  }

  /** Reports the `n` instructions instrumented compiled code ran from icount `icount` (see ExecTrace). */
  private reportTraced(icount: number, n: number): void {
    const trace = this.target.cpu.execTrace!;
    const { id, value, address, pcs, bits, rds, kinds, sizes } = trace;
    const { observer, blocks, wants } = this;
    for (let i = 0; i < n; i++) {
      const insn = id[i]!;
      const at = icount + i;
      const pc = pcs[insn]!;
      if (blocks !== null) {
        blocks.at(at, pc);
        blocks.ran(at + 1);
      }
      if (wants.insns) {
        const rd = rds[insn]!;
        observer.insn(at, pc, bits[insn]!, rd, rd === 0 ? 0 : value[i]! >>> 0);
      }
      const kind = kinds[insn]!;
      if (wants.memory && kind !== 0) {
        const size = sizes[insn]!;
        observer.memory(at, kind === AccessKind.STORE, address[i]! >>> 0, size, (value[i]! & SIZE_MASK[size]!) >>> 0);
      }
    }
  }

  /** Reports the RAM access of the instruction `op` that just retired at `icount` (planned in `access`). */
  private reportAccess(icount: number, op: number): void {
    const a = this.access;
    const mask = SIZE_MASK[a.size]!;
    if ((a.kind & AccessKind.LOAD) !== 0) {
      const loaded = a.rd !== 0 ? this.target.cpu.x[a.rd]! & mask : this.readData(a.address, a.size, a.kind === AccessKind.LOAD);
      this.observer.memory(icount, false, a.address, a.size, loaded >>> 0);
      if (a.kind === AccessKind.LOAD) return;
      this.observer.memory(icount, true, a.address, a.size, amoResult(op, loaded, a.operand));
      return;
    }
    // SC stores only when it succeeds, which it reports with rd = 0.
    if (op === Op.SC_W && a.rd !== 0 && this.target.cpu.x[a.rd] !== 0) return;
    this.observer.memory(icount, true, a.address, a.size, (a.operand & mask) >>> 0);
  }

  /** A loaded value that went to x0: read again from RAM (`exact` false: an AMO's old value is gone). */
  private readData(address: number, size: number, exact: boolean): number {
    if (!exact) return 0;
    const cpu = this.target.cpu;
    const physical = dataPriv(cpu) !== Priv.M && cpu.satp < 0 ? peekSv32(this.target.ram, cpu.satp, address) : address;
    const off = physical - MemoryMap.RAM;
    return physical >= 0 && off >= 0 && this.target.ram.contains(off, size) ? this.target.ram.read(off, size) : 0;
  }
}
