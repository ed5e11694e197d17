import type { Cpu } from './cpu/cpu.js';
import { decode16, decode32, type Decoded } from './cpu/decode.js';
import { dataPriv } from './cpu/mmu.js';
import { Op } from './cpu/op.js';
import { Priv } from './cpu/trap-cause.js';
import { AccessKind, amoResult, planAccess, type PlannedAccess } from './data-access.js';
import type { ExecObserver, ExecWants } from './exec-observer.js';
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
}

/** Most instructions in one reported block. */
const MAX_BLOCK_INSNS = 64;
const PAGE_MASK = ~0xfff;

/** The instructions of a block, as the code reads before it runs. */
interface BlockShape {
  /** Instructions planned (at least 1). */
  insns: number;
  /** `offsets[k]`: bytes of the first k instructions (k = 0..insns). */
  offsets: number[];
}

/** Ops after which a block ends: control transfers, and whatever may change privilege, translation or the code. */
function endsBlock(op: number): boolean {
  switch (op) {
    case Op.JAL:
    case Op.JALR:
    case Op.BEQ:
    case Op.BNE:
    case Op.BLT:
    case Op.BGE:
    case Op.BLTU:
    case Op.BGEU:
    case Op.CSRRW:
    case Op.CSRRS:
    case Op.CSRRC:
    case Op.CSRRWI:
    case Op.CSRRSI:
    case Op.CSRRCI:
    case Op.ECALL:
    case Op.EBREAK:
    case Op.MRET:
    case Op.SRET:
    case Op.WFI:
    case Op.FENCE_I:
    case Op.SFENCE_VMA:
    case Op.ILLEGAL:
    case Op.UNDECODED:
      return true;
    default:
      return false;
  }
}

/**
 * Runs the machine while an execution observer wants more than device accesses and traps:
 * one instruction at a time for instructions and memory accesses, one basic block at a time
 * for blocks (compiled code still runs inside a block), and stopping at every multiple of the
 * sample period for pc samples. What it reports depends only on the icount, never on where
 * slices end, so a recording and its replay report the same.
 */
export class ExecRunner {
  /** Set by the trap hook; a stepping run stops at it. */
  trapTaken = false;
  private readonly stepping: boolean;
  private readonly stopsAtTraps: boolean;
  private readonly decoded: Decoded = { op: Op.UNDECODED, rd: 0, rs1: 0, rs2: 0, imm: 0, length: 4 };
  private readonly access: PlannedAccess = { kind: 0, address: 0, size: 4, rd: 0, operand: 0 };
  /** Device accesses seen, so that a load or store that reached a device is not reported as RAM. */
  private mmioSeen = 0;
  /** The shape of the block open across slices (cut by the end of one, continued by the next), or null. */
  private pending: BlockShape | null = null;
  /** The current block: its pc, the icount of its first instruction, the physical address of its pc (-1: unreadable). */
  private blockPc = 0;
  private blockIcount = 0;
  private blockPhysical = -1;
  /** True when the current block's shape came from the cache. */
  private blockKnown = false;
  /** The icount of the last pc sample (so that a run resumed at a sample point does not sample twice). */
  private lastSample = -1;
  /** Block shapes by physical address, of blocks that ran whole (so the CPU watches their code for stores). */
  private readonly shapes = new Map<number, BlockShape>();

  constructor(
    private readonly target: RunTarget,
    private readonly observer: ExecObserver,
    private readonly wants: ExecWants,
  ) {
    this.stepping = wants.insns || wants.memory;
    this.stopsAtTraps = this.stepping || wants.blocks;
  }

  /** The trap hook: reports the trap and, while stepping, ends the run right after trap entry. */
  onTrap(cause: number, tval: number, epc: number): void {
    const cpu = this.target.cpu;
    this.observer.trap(cpu.icount, cause, tval, epc);
    if (!this.stopsAtTraps) return;
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
    if (!this.wants.blocks || !previous.wants.blocks) return previous.flush();
    this.pending = previous.pending;
    this.blockPc = previous.blockPc;
    this.blockIcount = previous.blockIcount;
    this.blockPhysical = previous.blockPhysical;
    this.blockKnown = previous.blockKnown;
    for (const [address, shape] of previous.shapes) this.shapes.set(address, shape);
  }

  /** Code in RAM changed: forgets every block shape read before. */
  forgetCode(): void {
    this.shapes.clear();
  }

  /** Reports the block still open (call when the run ends or observation stops). */
  flush(): void {
    const shape = this.pending;
    this.pending = null;
    if (shape !== null) this.reportBlock(shape, this.target.cpu.icount - this.blockIcount);
  }

  private runBody(limitIcount: number): void {
    if (this.wants.blocks) this.runBlocks(limitIcount);
    else if (this.stepping) this.runSteps(limitIcount);
    else this.target.runFree(limitIcount);
  }

  private runBlocks(limitIcount: number): void {
    const { target } = this;
    const { cpu } = target;
    while (target.halted === null && cpu.icount < limitIcount) {
      const icount = cpu.icount;
      const pc = cpu.pc >>> 0;
      let shape = this.pending;
      if (shape === null || this.blockPc + shape.offsets[icount - this.blockIcount]! !== pc) {
        this.flush();
        shape = this.startBlock(pc, icount);
      }
      this.pending = null;
      this.trapTaken = false;
      const end = Math.min(limitIcount, this.blockIcount + shape.insns);
      if (this.stepping) this.runSteps(end);
      else target.runFree(end);
      const done = cpu.icount - this.blockIcount;
      const stopped = cpu.breakpointHit || target.watchHit !== null;
      // Idle in WFI: nothing ran and no trap moved the pc.
      const idle = cpu.icount === icount && (cpu.pc >>> 0) === pc && !this.trapTaken;
      // Cached only once every instruction ran: the CPU then watches all of its code for stores.
      if (done >= shape.insns && !this.blockKnown && this.blockPhysical >= 0) this.shapes.set(this.blockPhysical, shape);
      if (this.trapTaken || done >= shape.insns || target.halted !== null || stopped || idle) this.reportBlock(shape, done);
      else this.pending = shape;
      if (stopped || idle) return;
    }
  }

  private reportBlock(shape: BlockShape, insns: number): void {
    if (insns > 0) this.observer.block(this.blockIcount, this.blockPc, insns, shape.offsets[Math.min(insns, shape.insns)]!);
  }

  /** Opens the block at `pc`: its shape from the cache, or read from the code in memory (up to its first block-ending instruction). */
  private startBlock(pc: number, icount: number): BlockShape {
    const base = this.codeAddress(pc);
    this.blockPc = pc;
    this.blockIcount = icount;
    this.blockPhysical = base;
    const known = base < 0 ? undefined : this.shapes.get(base);
    this.blockKnown = known !== undefined;
    if (known !== undefined) return known;
    const offsets = [0];
    const page = pc & PAGE_MASK;
    let at = 0;
    while (offsets.length <= MAX_BLOCK_INSNS) {
      const bits = base < 0 ? 0 : this.readCode(base + at);
      const length = bits === 0 ? 4 : (bits & 3) === 3 ? 4 : 2;
      // The next page may map elsewhere: a block stays in its page.
      if (offsets.length > 1 && (((pc + at + length - 1) & PAGE_MASK) !== page || bits === 0)) break;
      at += length;
      offsets.push(at);
      if (bits === 0 || endsBlock(this.decode(bits).op)) break;
    }
    return { insns: offsets.length - 1, offsets };
  }

  private runSteps(limitIcount: number): void {
    const { target } = this;
    const { cpu } = target;
    while (target.halted === null && cpu.icount < limitIcount) {
      const icount = cpu.icount;
      const pc = cpu.pc;
      const bits = this.instructionBits(pc);
      const access = this.access;
      access.kind = 0;
      if (bits !== 0) {
        const d = this.decode(bits);
        if (this.wants.memory) planAccess(d, cpu.x, access);
      }
      const mmioBefore = this.mmioSeen;
      this.trapTaken = false;
      target.runFree(icount + 1);
      if (cpu.icount > icount) {
        const rd = bits === 0 ? 0 : this.decoded.rd;
        if (this.wants.insns) this.observer.insn(icount, pc >>> 0, bits >>> 0, rd, rd === 0 ? 0 : cpu.x[rd]! >>> 0);
        if (access.kind !== 0 && !this.trapTaken && this.mmioSeen === mmioBefore) this.reportAccess(icount);
      }
      if (cpu.breakpointHit || target.watchHit !== null || (this.trapTaken && this.wants.blocks)) return;
      if (cpu.icount === icount && cpu.pc === pc && !this.trapTaken) return;
    }
  }

  /** Reports the RAM access of the instruction that just retired at `icount` (planned in `access`). */
  private reportAccess(icount: number): void {
    const a = this.access;
    const op = this.decoded.op;
    const mask = a.size === 4 ? 0xffff_ffff : a.size === 2 ? 0xffff : 0xff;
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

  private decode(bits: number): Decoded {
    if ((bits & 3) === 3) decode32(bits, this.decoded);
    else decode16(bits, this.decoded);
    return this.decoded;
  }

  /** The bits of the instruction at `pc` (0 when they cannot be read from RAM). */
  private instructionBits(pc: number): number {
    const physical = this.codeAddress(pc >>> 0);
    return physical < 0 ? 0 : this.readCode(physical);
  }

  /** The physical address of code at virtual `pc` (Sv32 below M-mode), or -1. */
  private codeAddress(pc: number): number {
    const cpu = this.target.cpu;
    return cpu.satp < 0 && cpu.priv !== Priv.M ? peekSv32(this.target.ram, cpu.satp, pc) : pc;
  }

  /** The instruction at physical `address` (its 16 bits when compressed), or 0 outside RAM. */
  private readCode(address: number): number {
    const ram = this.target.ram;
    const off = address - MemoryMap.RAM;
    if (off < 0 || !ram.contains(off, 2)) return 0;
    const low = ram.read(off, 2);
    if ((low & 3) !== 3) return low;
    return ram.contains(off, 4) ? ram.read(off, 4) : 0;
  }
}
