import type { Bus } from '../bus.js';
import { ChunkFlag, CHUNK_SHIFT, type Ram } from '../ram.js';
import type { VirtualClock } from '../virtual-clock.js';
import type { HaltSink } from '../../core/halt-reason.js';
import { decode16, decode32, lengthOf, opOf, packDecoded, rdOf, rs1Of, rs2Of, type Decoded } from './decode.js';
import { Op } from './op.js';
import { Exception, Priv } from './trap-cause.js';
import { execCold } from './cold-ops.js';
import { interruptDue, raiseException, takePendingInterrupt } from './trap.js';
import { loadTranslated, storeTranslated, translate, translationMode } from './mmu.js';
import { Pmp } from './pmp.js';
import { Access, Tlb } from './tlb.js';
import { DataPages } from './data-pages.js';
import { div, divu, mulh, mulhsu, mulhu, rem, remu } from './alu.js';
import { FLAGGED_LENGTH_SHIFT, type BlockInstruction } from './instruction-source.js';
import { BlockCache, HOST_RECHECK, LOOP_HEAT_THRESHOLD, TRACE_HEAT_THRESHOLD, type CodeReader } from './block-cache.js';
import type { StateRecord } from '../state.js';
import { ExecTrace, TRACE_CAPACITY } from './exec-trace.js';

/** XOR with this turns a physical address into a RAM offset (RAM is at 0x8000_0000). */
const RAM_BASE_XOR = -0x8000_0000;
/** What `fetchOffset` returns after raising a fetch fault. */
const FETCH_FAULT = -1;

/**
 * One RV32IMAC hart: registers, CSR state and the hot interpreter loop over a predecode
 * cache of RAM. Cold work (CSRs, traps, atomics, MMIO) lives in cold-ops.ts and trap.ts.
 */
export class Cpu {
  /** x0..x31, plus x32: a sink that absorbs writes to x0. */
  readonly x = new Int32Array(33);
  /** Program counter (int32; compare with `>>> 0`). */
  pc = 0;
  /** Instructions executed since reset (an instruction that traps counts). */
  icount = 0;
  /** Current privilege level (`Priv`). */
  priv: number = Priv.M;

  // Machine-mode CSR state (privileged spec chapter 3).
  mstatus = 0;
  mie = 0;
  /** Interrupt-pending bits; M-level bits are driven by the CLINT and PLIC through `setPin`. */
  mip = 0;
  mtvec = 0;
  mscratch = 0;
  mepc = 0;
  mcause = 0;
  mtval = 0;
  mcounteren = 0;
  medeleg = 0;
  mideleg = 0;

  // Supervisor CSR state (privileged spec chapter 4); sstatus, sie and sip are views of the M ones.
  stvec = 0;
  sscratch = 0;
  sepc = 0;
  scause = 0;
  stval = 0;
  /** Sv32 is on (below M-mode) when MODE, the sign bit, is set: `satp < 0`. */
  satp = 0;
  scounteren = 0;
  /** minstret = icount + instretOffset (writes to minstret move the offset). */
  instretOffset = 0;
  /** mcycle = icount + cycleOffset. */
  cycleOffset = 0;
  /** Physical memory protection (pmpcfg0..3, pmpaddr0..15). */
  readonly pmp = new Pmp();
  /** Cached Sv32 translations; derived state, flushed on restore. */
  readonly tlb = new Tlb();
  /** Virtual pages paged compiled blocks access directly; derived state, emptied with the fetch page. */
  readonly dataPages = new DataPages();
  /**
   * 0 on the fast path (M-mode, no MPRV, no locked PMP entry: addresses are physical and
   * compiled blocks run); 1 when every fetch, load and store is translated and checked.
   */
  xlate = 0;

  /** LR/SC reservation: address, or -1 when none. */
  reservation = -1;
  /** True after WFI while no enabled interrupt is pending. */
  waiting = false;
  /** Set by the trap code when the current instruction raised an exception. */
  excepted = false;
  /** The icount at which `run` returns; lowered to end a slice early. */
  sliceLimit = 0;
  /** icount when the current `run` call started (compiled blocks derive the icount from it). */
  runBase = 0;
  /**
   * True when the last `run` used up its whole budget: the next one starts wherever that
   * happened to fall, which is no reason to compile code there.
   */
  private stoppedAtLimit = false;
  /** Set by compiled code that left by a JALR: the interpreter goes on at a JALR's target (see BlockCache.compile). */
  leftByJalr = false;
  /** RAM offset of a store compiled code made into a flagged chunk and left before counting (-1: none); see finishFlaggedStore. */
  flaggedStore = -1;
  /** That store's size and length (see FLAGGED_LENGTH_SHIFT). */
  flaggedInfo = 0;
  /** Set when `run` stopped before executing an instruction at a breakpoint; the debugger clears it. */
  breakpointHit = false;
  /** Hears every trap entry while an execution tap listens (null: nobody). */
  onTrap: ((cause: number, tval: number, epc: number) => void) | null = null;

  /** Predecoded instruction per RAM halfword (0 = not decoded), see decode.ts for the packing. */
  private readonly decodedWord: Int32Array;
  /** Immediate of each predecoded instruction. */
  private readonly decodedImm: Int32Array;
  private readonly scratch: Decoded = { op: Op.UNDECODED, rd: 0, rs1: 0, rs2: 0, imm: 0, length: 4 };
  /** Compiled blocks of hot code run in bare mode. */
  private readonly blocks: BlockCache;
  /** Compiled blocks of hot code run in translated mode. */
  private readonly pagedBlocks: BlockCache;
  /** How the compilers read guest code. */
  private readonly code: CodeReader;
  /** The instrumented variants of `blocks` and `pagedBlocks` and what their code reports (see runTraced); made at the first traced run. */
  private traced: { readonly trace: ExecTrace; readonly blocks: BlockCache; readonly pagedBlocks: BlockCache } | null = null;
  /** Every cache of compiled code: the plain pair, and the instrumented pair once made (a store into code drops from all of them). */
  private readonly caches: BlockCache[];
  /** RAM offsets of breakpoints: decoded as Op.BREAKPOINT, so they cost nothing elsewhere. */
  private readonly breakpoints = new Set<number>();
  /** RAM offset of a breakpoint being stepped over (decoded as its real instruction), or -1. */
  private steppingOver = -1;
  /** Translated mode: the virtual page number instructions were last fetched from, or -1 (see fetchOffset). */
  private fetchVpn = -1;
  /** The RAM offset of that page. */
  private fetchPageOffset = 0;

  constructor(
    readonly ram: Ram,
    readonly bus: Bus,
    readonly clock: VirtualClock,
    readonly halt: HaltSink,
  ) {
    // One slot more than RAM has halfwords: the cross-page slot, see fetchOffset.
    this.decodedWord = new Int32Array((ram.bytes >>> 1) + 1);
    this.decodedImm = new Int32Array((ram.bytes >>> 1) + 1);
    this.code = { instructionAt: (off) => this.blockInstructionAt(off), branchesBackTo: (entry, end) => this.branchesBackTo(entry, end) };
    this.blocks = new BlockCache(ram.bytes, false, this, this.code);
    this.pagedBlocks = new BlockCache(ram.bytes, true, this, this.code);
    this.caches = [this.blocks, this.pagedBlocks];
  }

  /** What instrumented compiled code reported in the last `runTraced` (null before the first). */
  get execTrace(): ExecTrace | null {
    return this.traced?.trace ?? null;
  }

  /** True when a compiled block (a `paged` one: for translated mode) starts at physical address `address` (for tests and profiling). */
  hasCompiledBlockAt(address: number, paged = false): boolean {
    const off = ((address >>> 0) - 0x8000_0000) >>> 0;
    return off < this.ram.bytes && (paged ? this.pagedBlocks : this.blocks).ids[off >>> 1]! > 0;
  }

  /** True when the code compiled at physical address `address` (for translated mode with `paged`) is a region, not a trace (for tests). */
  hasRegionAt(address: number, paged = false): boolean {
    const off = ((address >>> 0) - 0x8000_0000) >>> 0;
    const cache = paged ? this.pagedBlocks : this.blocks;
    return off < this.ram.bytes && cache.isRegion(cache.ids[off >>> 1]!);
  }

  /** The hart's architectural state: registers, pc, icount, privilege, every M and S CSR, PMP, the reservation, WFI (not the TLB). */
  save(): StateRecord {
    return {
      x: this.x.slice(0, 32),
      pc: this.pc,
      icount: this.icount,
      priv: this.priv,
      mstatus: this.mstatus,
      mie: this.mie,
      mip: this.mip,
      mtvec: this.mtvec,
      mscratch: this.mscratch,
      mepc: this.mepc,
      mcause: this.mcause,
      mtval: this.mtval,
      mcounteren: this.mcounteren,
      medeleg: this.medeleg,
      mideleg: this.mideleg,
      stvec: this.stvec,
      sscratch: this.sscratch,
      sepc: this.sepc,
      scause: this.scause,
      stval: this.stval,
      satp: this.satp,
      scounteren: this.scounteren,
      instretOffset: this.instretOffset,
      cycleOffset: this.cycleOffset,
      pmpcfg: this.pmp.cfg.slice(),
      pmpaddr: this.pmp.addr.slice(),
      reservation: this.reservation,
      waiting: this.waiting,
    };
  }

  /** Copies back what `save` returned, into the same register arrays (compiled code holds them). */
  restore(s: StateRecord): void {
    this.x.set(s.x as Int32Array);
    this.x[32] = 0;
    this.pc = s.pc as number;
    this.icount = s.icount as number;
    this.priv = s.priv as number;
    this.mstatus = s.mstatus as number;
    this.mie = s.mie as number;
    this.mip = s.mip as number;
    this.mtvec = s.mtvec as number;
    this.mscratch = s.mscratch as number;
    this.mepc = s.mepc as number;
    this.mcause = s.mcause as number;
    this.mtval = s.mtval as number;
    this.mcounteren = s.mcounteren as number;
    this.medeleg = s.medeleg as number;
    this.mideleg = s.mideleg as number;
    this.stvec = s.stvec as number;
    this.sscratch = s.sscratch as number;
    this.sepc = s.sepc as number;
    this.scause = s.scause as number;
    this.stval = s.stval as number;
    this.satp = s.satp as number;
    this.scounteren = s.scounteren as number;
    this.instretOffset = s.instretOffset as number;
    this.cycleOffset = s.cycleOffset as number;
    this.pmp.cfg.set(s.pmpcfg as Int32Array);
    this.pmp.addr.set(s.pmpaddr as Int32Array);
    this.pmp.summarize();
    this.tlb.flushAll();
    this.xlate = translationMode(this);
    this.forgetFetchPage();
    this.reservation = s.reservation as number;
    this.waiting = s.waiting as boolean;
    this.excepted = false;
    this.breakpointHit = false;
  }

  /** Makes `run` stop before executing the instruction at physical `address` (RAM only). */
  setBreakpoint(address: number): void {
    const off = ramOffset(address, this.ram.bytes);
    if (off < 0 || this.breakpoints.has(off)) return;
    this.breakpoints.add(off);
    this.forgetCodeAt(off);
  }

  /** Removes a breakpoint set by `setBreakpoint`. */
  removeBreakpoint(address: number): void {
    const off = ramOffset(address, this.ram.bytes);
    if (!this.breakpoints.delete(off)) return;
    this.forgetCodeAt(off);
  }

  /**
   * Executes exactly one instruction (or takes a pending interrupt and executes the handler's
   * first one) even when a breakpoint sits at pc; other breakpoints stay armed.
   */
  stepOverBreakpoint(run: () => void): void {
    const off = ramOffset(this.pc, this.ram.bytes);
    if (off < 0 || !this.breakpoints.has(off)) return run();
    this.steppingOver = off;
    this.forgetCodeAt(off);
    // One interpreted step must not compile a block here while the breakpoint is lifted.
    for (const cache of this.caches) cache.heat[off >>> 1] = 0;
    try {
      run();
    } finally {
      this.steppingOver = -1;
      this.forgetCodeAt(off);
    }
  }

  /** Drops the decoded instruction and every compiled block covering RAM offset `off`. */
  private forgetCodeAt(off: number): void {
    this.ram.chunkFlags[off >>> CHUNK_SHIFT]! |= ChunkFlag.CODE;
    this.invalidateCode(off, 2);
  }

  /** Sets or clears one `mip` bit (an interrupt line from the CLINT or PLIC). */
  setPin(bit: number, level: boolean): void {
    this.mip = level ? this.mip | (1 << bit) : this.mip & ~(1 << bit);
  }

  /** Ends the current slice after the instruction being executed. */
  endSlice(): void {
    this.sliceLimit = this.icount + 1;
  }

  /** Forgets every predecoded instruction in the 64-byte chunks covering `[offset, offset+size)`. */
  invalidateCode(offset: number, size: number): void {
    const flags = this.ram.chunkFlags;
    const last = (offset + size - 1) >>> CHUNK_SHIFT;
    for (let chunk = offset >>> CHUNK_SHIFT; chunk <= last; chunk++) {
      if ((flags[chunk]! & ChunkFlag.CODE) === 0) continue;
      flags[chunk]! &= ~ChunkFlag.CODE;
      // A 32-bit instruction starting in the previous chunk's last halfword also covers this one.
      const first = Math.max(0, (chunk << (CHUNK_SHIFT - 1)) - 1);
      this.decodedWord.fill(0, first, (chunk + 1) << (CHUNK_SHIFT - 1));
      for (const cache of this.caches) cache.drop(chunk << CHUNK_SHIFT, (chunk + 1) << CHUNK_SHIFT);
    }
  }

  /** The decoded instruction at RAM offset `off` for the block compiler, or null if it cannot be fetched. */
  private blockInstructionAt(off: number): BlockInstruction | null {
    const w = this.decodedWord[off >>> 1] || this.decodeAt(off);
    if (w === 0) return null;
    return { pc: (off + 0x8000_0000) | 0, op: opOf(w) as Op, rd: rdOf(w), rs1: rs1Of(w), rs2: rs2Of(w), imm: this.decodedImm[off >>> 1]!, length: lengthOf(w), word: w };
  }

  /** True when a predecoded branch or JAL at RAM offsets `[entry, end)` targets `entry`. */
  private branchesBackTo(entry: number, end: number): boolean {
    const words = this.decodedWord;
    const imms = this.decodedImm;
    for (let slot = entry >>> 1; slot < end >>> 1; slot++) {
      const op = words[slot]! & 0xff;
      if ((op === Op.JAL || (op >= Op.BEQ && op <= Op.BGEU)) && slot * 2 + imms[slot]! === entry) return true;
    }
    return false;
  }

  /** Decodes the instruction at RAM offset `off` into the cache; returns the packed word. */
  private decodeAt(off: number): number {
    const ram = this.ram;
    const low = ram.u16[off >>> 1]!;
    const d = this.scratch;
    if ((low & 3) !== 3) decode16(low, d);
    else if (off + 4 > ram.bytes) return 0; // a 32-bit instruction running off the end of RAM
    else decode32((low | (ram.u16[(off >>> 1) + 1]! << 16)) | 0, d);
    let w = packDecoded(d);
    if (this.breakpoints.size > 0 && this.breakpoints.has(off) && off !== this.steppingOver) w = (w & ~0xff) | Op.BREAKPOINT;
    this.decodedWord[off >>> 1] = w;
    this.decodedImm[off >>> 1] = d.imm;
    ram.chunkFlags[off >>> CHUNK_SHIFT]! |= ChunkFlag.CODE;
    ram.chunkFlags[(off + d.length - 1) >>> CHUNK_SHIFT]! |= ChunkFlag.CODE;
    return w;
  }

  /**
   * Translated mode: the RAM offset of the instruction at virtual `pc` as an int32 (read it
   * with `>>> 1`), or FETCH_FAULT after raising a fault. A 32-bit instruction whose upper half
   * lies on the next virtual page is decoded apart from the cache, into the extra slot after
   * RAM's halfwords, whose offset is returned.
   */
  private fetchOffset(pc: number): number {
    const remembered = this.fetchPageOffsetOf(pc, -1);
    if (remembered >= 0) return remembered;
    const inPage = pc & 0xfff;
    const ram = this.ram;
    const off = this.fetchPhysical(pc);
    // Remember the page while PMP gives every address of it the same answer.
    if (off !== FETCH_FAULT && this.pmp.uniformAnswer()) {
      this.fetchVpn = pc >>> 12;
      this.fetchPageOffset = off - inPage;
    }
    if (off === FETCH_FAULT || inPage !== 0xffe || (ram.u16[off >>> 1]! & 3) !== 3) return off;
    const high = this.fetchPhysical((pc + 2) | 0);
    if (high === FETCH_FAULT) return FETCH_FAULT;
    const d = this.scratch;
    decode32((ram.u16[off >>> 1]! | (ram.u16[high >>> 1]! << 16)) | 0, d);
    const slot = ram.bytes >>> 1;
    this.decodedWord[slot] = packDecoded(d);
    this.decodedImm[slot] = d.imm;
    return ram.bytes | 0;
  }

  /**
   * Forgets the page remembered by `fetchOffset` and the data pages of paged blocks: called
   * whenever a translation may have changed (privilege, mstatus, satp, PMP, TLB flushes,
   * restore).
   */
  forgetFetchPage(): void {
    this.fetchVpn = -1;
    this.dataPages.clear();
  }

  /**
   * The RAM offset of the instruction at virtual `pc` when it lies on the remembered fetch page
   * (and not in its last halfword, which may start an instruction that straddles two pages);
   * `none` otherwise. Looks nothing up and raises nothing.
   */
  private fetchPageOffsetOf(pc: number, none: number): number {
    const inPage = pc & 0xfff;
    return pc >>> 12 === this.fetchVpn && inPage !== 0xffe ? this.fetchPageOffset + inPage : none;
  }

  /** The RAM offset of the instruction halfword at virtual `va`, or FETCH_FAULT after raising a fault. */
  private fetchPhysical(va: number): number {
    const pa = translate(this, va, Access.FETCH, 2);
    if (pa < 0) return FETCH_FAULT;
    const off = pa - 0x8000_0000;
    if (off >= 0 && off < this.ram.bytes) return off | 0;
    raiseException(this, Exception.INSTRUCTION_ACCESS_FAULT, va);
    return FETCH_FAULT;
  }

  /** Runs a cold op for compiled code (which set pc and icount), as the interpreter does. */
  execColdOp(word: number, imm: number): void {
    execCold(this, word, imm);
  }

  /** Load through the bus (MMIO, misaligned, out of RAM, or translated); on a fault raises the exception. */
  loadSlow(addr: number, size: 1 | 2 | 4): number {
    if (this.xlate !== 0) return loadTranslated(this, addr, size);
    const bus = this.bus;
    const v = bus.read(addr, size);
    if (bus.faulted) {
      bus.faulted = false;
      raiseException(this, Exception.LOAD_ACCESS_FAULT, addr);
    }
    return v;
  }

  /** Store through the bus (MMIO, misaligned, out of RAM, or translated); on a fault raises the exception. */
  storeSlow(addr: number, size: 1 | 2 | 4, value: number): void {
    if (this.xlate !== 0) return storeTranslated(this, addr, size, value);
    const bus = this.bus;
    bus.write(addr, size, value);
    if (bus.faulted) {
      bus.faulted = false;
      raiseException(this, Exception.STORE_ACCESS_FAULT, addr);
    }
  }

  /**
   * Executes instructions until `icount` reaches `limitIcount` exactly, or earlier when the
   * slice is ended (an MMIO store, WFI, a halt). Takes a pending enabled interrupt first.
   * Compiled blocks run hot code; the interpreter runs the rest up to the next block start.
   */
  run(limitIcount: number): void {
    this.sliceLimit = limitIcount;
    if (this.waiting) {
      if ((this.mip & this.mie) === 0) return;
      this.waiting = false;
    }
    takePendingInterrupt(this);
    // Everything that changes translation refreshes it as it happens (refreshTranslation,
    // restore), so the fetch page and data pages stay valid from one slice to the next.
    this.xlate = translationMode(this);
    // Count in an int32 local (slices are short) so the loop does no float arithmetic.
    const base = this.icount;
    this.runBase = base;
    const ramBytes = this.ram.bytes;
    // A change of translation mode ends the slice, so this holds for the whole loop.
    const bare = this.xlate === 0;
    const { ids, fns, entries, lengths, vpcs } = bare ? this.blocks : this.pagedBlocks;
    let n = 0;
    let budget = sliceBudget(this.sliceLimit, base);
    const resumedAtLimit = this.stoppedAtLimit;
    // NB: this loop stays small and sees every path early, so V8 optimizes it once and for
    // all; the big interpreter switch may deoptimize on a rare op without slowing it down.
    while (n < budget) {
      const pc = this.pc;
      // Translated mode: a paged block may start at pc when pc is on the page instructions were
      // last fetched from (its fetch was permitted) and the block was compiled for this address.
      const off = bare ? (pc ^ RAM_BASE_XOR) >>> 0 : this.fetchPageOffsetOf(pc, ramBytes);
      let id = off < ramBytes ? ids[off >>> 1]! : 0;
      if (!bare && id > 0 && vpcs[id] !== pc) id = 0;
      if (id > 0 && lengths[id]! <= budget - n) {
        // Only the JALR that ends this call counts (see interpret).
        this.leftByJalr = false;
        n += fns[id]!(n, budget - n, entries[id]!);
        if (this.flaggedStore >= 0) n = this.finishFlaggedStore(base, n);
      }
      // On a page it has not fetched from, the interpreter looks up the page and may hand straight back.
      else n = this.interpret(n, budget, !bare && off === ramBytes, n > 0 || !resumedAtLimit);
      budget = sliceBudget(this.sliceLimit, base);
    }
    this.icount = base + n;
    this.stoppedAtLimit = this.icount === limitIcount;
  }

  /**
   * Runs the instrumented compiled code that starts at `pc`, if any, towards `limitIcount` (at
   * most TRACE_CAPACITY instructions): what it executes is in `execTrace`, one entry per
   * instruction. Returns how many it executed: 0 when no such code starts at `pc` (or it does
   * not fit, or an interrupt is due, or the hart waits), and the caller steps one instruction
   * instead. `jumpedHere` says control arrived at `pc` by a jump, branch or trap (`byJalr`: a
   * JALR), which is where code heats up and gets compiled, as in `run`. Runs with no device
   * deadline before `limitIcount`; never traps and never reaches a device.
   */
  runTraced(limitIcount: number, jumpedHere: boolean, byJalr: boolean): number {
    if (this.waiting || interruptDue(this) !== 0) return 0;
    this.xlate = translationMode(this);
    const bare = this.xlate === 0;
    const traced = (this.traced ??= this.makeTraced());
    const cache = bare ? traced.blocks : traced.pagedBlocks;
    const pc = this.pc;
    const ramBytes = this.ram.bytes;
    const off = bare ? (pc ^ RAM_BASE_XOR) >>> 0 : this.fetchPageOffsetOf(pc, ramBytes);
    if (off >= ramBytes) return 0;
    let id = cache.ids[off >>> 1]!;
    if (id === 0 && jumpedHere) {
      cache.arrive(off, bare ? 0 : pc - ((off + 0x8000_0000) | 0), byJalr);
      id = cache.ids[off >>> 1]!;
    }
    const budget = Math.min(limitIcount - this.icount, TRACE_CAPACITY);
    if (id <= 0 || (!bare && cache.vpcs[id] !== pc) || cache.lengths[id]! > budget) return 0;
    this.sliceLimit = limitIcount;
    const base = this.icount;
    this.runBase = base;
    this.leftByJalr = false;
    // Its slow paths sync the icount as they go: it is this when it returns.
    let done = cache.fns[id]!(0, budget, cache.entries[id]!);
    if (this.flaggedStore >= 0) done = this.finishFlaggedStore(base, done);
    this.icount = base + done;
    return done;
  }

  /**
   * Finishes a store compiled code made into a flagged chunk (it left with pc at the store,
   * `n` instructions done, not counting it): tells RAM at the store's icount, as the
   * interpreter does (a watch or a halt may end the slice), then counts it and moves past it.
   */
  private finishFlaggedStore(base: number, n: number): number {
    const offset = this.flaggedStore;
    const info = this.flaggedInfo;
    this.flaggedStore = -1;
    this.icount = base + n;
    this.ram.onFlaggedStore(offset, info & ((1 << FLAGGED_LENGTH_SHIFT) - 1));
    this.pc = (this.pc + (info >>> FLAGGED_LENGTH_SHIFT)) | 0;
    return n + 1;
  }

  private makeTraced(): { trace: ExecTrace; blocks: BlockCache; pagedBlocks: BlockCache } {
    const trace = new ExecTrace(this.ram);
    const traced = { trace, blocks: new BlockCache(this.ram.bytes, false, this, this.code, trace), pagedBlocks: new BlockCache(this.ram.bytes, true, this, this.code, trace) };
    this.caches.push(traced.blocks, traced.pagedBlocks);
    return traced;
  }

  /**
   * The interpreter: executes from `this.pc`, with `start` instructions of this `run` call
   * done, until the budget is used up or it reaches the start of a compiled block that fits
   * (it executes at least one instruction, unless `newPage` — translated mode, `run` found no
   * fetch page for pc — and a block starts at pc once its page is fetched from). Returns the
   * instructions done so far.
   */
  private interpret(start: number, budgetIn: number, newPage: boolean, boundary: boolean): number {
    const x = this.x;
    const words = this.decodedWord;
    const imms = this.decodedImm;
    const ram = this.ram;
    const u8 = ram.u8;
    const i8 = ram.i8;
    const u16 = ram.u16;
    const i16 = ram.i16;
    const i32 = ram.i32;
    const flags = ram.chunkFlags;
    const ramBytes = ram.bytes;
    // Translated mode: no compiled blocks, and every load and store takes the slow path.
    const bare = this.xlate === 0;
    const dataBytes = bare ? ramBytes : 0;
    const blocks = bare ? this.blocks : this.pagedBlocks;
    const blockIds = blocks.ids;
    const blockLengths = blocks.lengths;
    const blockVpcs = blocks.vpcs;
    const heat = blocks.heat;
    let pc = this.pc;
    const base = this.runBase;
    let n = start;
    let budget = budgetIn;
    let sequential = !boundary;
    // A JALR brought control here: compiled code left by one, or the interpreter ran one.
    let jumped = this.leftByJalr;
    this.leftByJalr = false;
    for (; n < budget; n++) {
      let off = pc ^ RAM_BASE_XOR;
      if (!bare || off >>> 0 >= ramBytes) {
        this.pc = pc;
        this.icount = base + n;
        off = bare ? FETCH_FAULT : this.fetchOffset(pc);
        if (off === FETCH_FAULT) {
          if (bare) raiseException(this, Exception.INSTRUCTION_ACCESS_FAULT, pc);
          // The fault is taken: compiled code must not see it as its own slow path's.
          this.excepted = false;
          pc = this.pc;
          budget = sliceBudget(this.sliceLimit, base);
          continue;
        }
      }
      const slot = off >>> 1;
      // Translated mode: the cross-page slot has no block; a block compiled for another virtual
      // address of this code does not run here.
      let id = off < ramBytes ? blockIds[slot]! : -1;
      if (!bare && id > 0 && blockVpcs[id] !== pc) id = -1;
      let fresh = false;
      const hot = !sequential;
      const byJalr = jumped;
      sequential = false;
      jumped = false;
      if (id === 0 && hot) {
        const h = ++heat[slot];
        // Between the thresholds only a JALR's target may find a region to join (see compile).
        if (h % HOST_RECHECK === 0 && h <= TRACE_HEAT_THRESHOLD && (byJalr || h === LOOP_HEAT_THRESHOLD || h === TRACE_HEAT_THRESHOLD)) {
          blocks.compile(off, bare ? 0 : pc - ((off + 0x8000_0000) | 0), h, byJalr);
          id = blockIds[slot]!;
          fresh = true;
        }
      }
      // Hand over to a compiled block that fits, unless `run` sent us here because it does not
      // (rather than because it could not look the block up, which it now can).
      if (id > 0 && (n > start || fresh || (newPage && pc >>> 12 === this.fetchVpn)) && blockLengths[id]! <= budget - n) break;
      let w = words[slot]!;
      if (w === 0) {
        w = this.decodeAt(off);
        if (w === 0) {
          this.pc = pc;
          this.icount = base + n;
          raiseException(this, Exception.INSTRUCTION_ACCESS_FAULT, pc);
          this.excepted = false;
          pc = this.pc;
          budget = sliceBudget(this.sliceLimit, base);
          continue;
        }
      }
      const imm = imms[slot]!;
      switch (w & 0xff) {
        case Op.LUI:
          x[(w >> 8) & 63] = imm;
          break;
        case Op.AUIPC:
          x[(w >> 8) & 63] = pc + imm;
          break;
        case Op.JAL:
          x[(w >> 8) & 63] = pc + (w >>> 24);
          pc = (pc + imm) | 0;
          continue;
        case Op.JALR: {
          const target = (x[(w >> 14) & 31]! + imm) & ~1;
          x[(w >> 8) & 63] = pc + (w >>> 24);
          pc = target;
          jumped = true;
          continue;
        }
        case Op.BEQ:
          if (x[(w >> 14) & 31] === x[(w >> 19) & 31]) {
            pc = (pc + imm) | 0;
            continue;
          }
          break;
        case Op.BNE:
          if (x[(w >> 14) & 31] !== x[(w >> 19) & 31]) {
            pc = (pc + imm) | 0;
            continue;
          }
          break;
        case Op.BLT:
          if (x[(w >> 14) & 31]! < x[(w >> 19) & 31]!) {
            pc = (pc + imm) | 0;
            continue;
          }
          break;
        case Op.BGE:
          if (x[(w >> 14) & 31]! >= x[(w >> 19) & 31]!) {
            pc = (pc + imm) | 0;
            continue;
          }
          break;
        case Op.BLTU:
          if (x[(w >> 14) & 31]! >>> 0 < x[(w >> 19) & 31]! >>> 0) {
            pc = (pc + imm) | 0;
            continue;
          }
          break;
        case Op.BGEU:
          if (x[(w >> 14) & 31]! >>> 0 >= x[(w >> 19) & 31]! >>> 0) {
            pc = (pc + imm) | 0;
            continue;
          }
          break;
        case Op.LB: {
          const a = (x[(w >> 14) & 31]! + imm) | 0;
          const o = a ^ RAM_BASE_XOR;
          if (o >>> 0 < dataBytes) x[(w >> 8) & 63] = i8[o]!;
          else {
            this.pc = pc;
            this.icount = base + n;
            const v = this.loadSlow(a, 1);
            if (this.excepted) {
              this.excepted = false;
              pc = this.pc;
              budget = sliceBudget(this.sliceLimit, base);
              continue;
            }
            x[(w >> 8) & 63] = (v << 24) >> 24;
          }
          break;
        }
        case Op.LBU: {
          const a = (x[(w >> 14) & 31]! + imm) | 0;
          const o = a ^ RAM_BASE_XOR;
          if (o >>> 0 < dataBytes) x[(w >> 8) & 63] = u8[o]!;
          else {
            this.pc = pc;
            this.icount = base + n;
            const v = this.loadSlow(a, 1);
            if (this.excepted) {
              this.excepted = false;
              pc = this.pc;
              budget = sliceBudget(this.sliceLimit, base);
              continue;
            }
            x[(w >> 8) & 63] = v;
          }
          break;
        }
        case Op.LH: {
          const a = (x[(w >> 14) & 31]! + imm) | 0;
          const o = a ^ RAM_BASE_XOR;
          if (o >>> 0 < dataBytes && (o & 1) === 0) x[(w >> 8) & 63] = i16[o >> 1]!;
          else {
            this.pc = pc;
            this.icount = base + n;
            const v = this.loadSlow(a, 2);
            if (this.excepted) {
              this.excepted = false;
              pc = this.pc;
              budget = sliceBudget(this.sliceLimit, base);
              continue;
            }
            x[(w >> 8) & 63] = (v << 16) >> 16;
          }
          break;
        }
        case Op.LHU: {
          const a = (x[(w >> 14) & 31]! + imm) | 0;
          const o = a ^ RAM_BASE_XOR;
          if (o >>> 0 < dataBytes && (o & 1) === 0) x[(w >> 8) & 63] = u16[o >> 1]!;
          else {
            this.pc = pc;
            this.icount = base + n;
            const v = this.loadSlow(a, 2);
            if (this.excepted) {
              this.excepted = false;
              pc = this.pc;
              budget = sliceBudget(this.sliceLimit, base);
              continue;
            }
            x[(w >> 8) & 63] = v;
          }
          break;
        }
        case Op.LW: {
          const a = (x[(w >> 14) & 31]! + imm) | 0;
          const o = a ^ RAM_BASE_XOR;
          if (o >>> 0 < dataBytes && (o & 3) === 0) x[(w >> 8) & 63] = i32[o >> 2]!;
          else {
            this.pc = pc;
            this.icount = base + n;
            const v = this.loadSlow(a, 4);
            if (this.excepted) {
              this.excepted = false;
              pc = this.pc;
              budget = sliceBudget(this.sliceLimit, base);
              continue;
            }
            x[(w >> 8) & 63] = v;
          }
          break;
        }
        case Op.SB: {
          const a = (x[(w >> 14) & 31]! + imm) | 0;
          const o = a ^ RAM_BASE_XOR;
          if (o >>> 0 < dataBytes) {
            u8[o] = x[(w >> 19) & 31]!;
            if (flags[o >> CHUNK_SHIFT] !== 0) {
              this.pc = pc;
              this.icount = base + n;
              ram.onFlaggedStore(o, 1);
              budget = sliceBudget(this.sliceLimit, base);
            }
          } else {
            this.pc = pc;
            this.icount = base + n;
            this.storeSlow(a, 1, x[(w >> 19) & 31]!);
            budget = sliceBudget(this.sliceLimit, base);
            if (this.excepted) {
              this.excepted = false;
              pc = this.pc;
              continue;
            }
          }
          break;
        }
        case Op.SH: {
          const a = (x[(w >> 14) & 31]! + imm) | 0;
          const o = a ^ RAM_BASE_XOR;
          if (o >>> 0 < dataBytes && (o & 1) === 0) {
            u16[o >> 1] = x[(w >> 19) & 31]!;
            if (flags[o >> CHUNK_SHIFT] !== 0) {
              this.pc = pc;
              this.icount = base + n;
              ram.onFlaggedStore(o, 2);
              budget = sliceBudget(this.sliceLimit, base);
            }
          } else {
            this.pc = pc;
            this.icount = base + n;
            this.storeSlow(a, 2, x[(w >> 19) & 31]!);
            budget = sliceBudget(this.sliceLimit, base);
            if (this.excepted) {
              this.excepted = false;
              pc = this.pc;
              continue;
            }
          }
          break;
        }
        case Op.SW: {
          const a = (x[(w >> 14) & 31]! + imm) | 0;
          const o = a ^ RAM_BASE_XOR;
          if (o >>> 0 < dataBytes && (o & 3) === 0) {
            i32[o >> 2] = x[(w >> 19) & 31]!;
            if (flags[o >> CHUNK_SHIFT] !== 0) {
              this.pc = pc;
              this.icount = base + n;
              ram.onFlaggedStore(o, 4);
              budget = sliceBudget(this.sliceLimit, base);
            }
          } else {
            this.pc = pc;
            this.icount = base + n;
            this.storeSlow(a, 4, x[(w >> 19) & 31]!);
            budget = sliceBudget(this.sliceLimit, base);
            if (this.excepted) {
              this.excepted = false;
              pc = this.pc;
              continue;
            }
          }
          break;
        }
        case Op.ADDI:
          x[(w >> 8) & 63] = x[(w >> 14) & 31]! + imm;
          break;
        case Op.SLTI:
          x[(w >> 8) & 63] = x[(w >> 14) & 31]! < imm ? 1 : 0;
          break;
        case Op.SLTIU:
          x[(w >> 8) & 63] = x[(w >> 14) & 31]! >>> 0 < imm >>> 0 ? 1 : 0;
          break;
        case Op.XORI:
          x[(w >> 8) & 63] = x[(w >> 14) & 31]! ^ imm;
          break;
        case Op.ORI:
          x[(w >> 8) & 63] = x[(w >> 14) & 31]! | imm;
          break;
        case Op.ANDI:
          x[(w >> 8) & 63] = x[(w >> 14) & 31]! & imm;
          break;
        case Op.SLLI:
          x[(w >> 8) & 63] = x[(w >> 14) & 31]! << imm;
          break;
        case Op.SRLI:
          x[(w >> 8) & 63] = x[(w >> 14) & 31]! >>> imm;
          break;
        case Op.SRAI:
          x[(w >> 8) & 63] = x[(w >> 14) & 31]! >> imm;
          break;
        case Op.ADD:
          x[(w >> 8) & 63] = x[(w >> 14) & 31]! + x[(w >> 19) & 31]!;
          break;
        case Op.SUB:
          x[(w >> 8) & 63] = x[(w >> 14) & 31]! - x[(w >> 19) & 31]!;
          break;
        case Op.SLL:
          x[(w >> 8) & 63] = x[(w >> 14) & 31]! << x[(w >> 19) & 31]!;
          break;
        case Op.SLT:
          x[(w >> 8) & 63] = x[(w >> 14) & 31]! < x[(w >> 19) & 31]! ? 1 : 0;
          break;
        case Op.SLTU:
          x[(w >> 8) & 63] = x[(w >> 14) & 31]! >>> 0 < x[(w >> 19) & 31]! >>> 0 ? 1 : 0;
          break;
        case Op.XOR:
          x[(w >> 8) & 63] = x[(w >> 14) & 31]! ^ x[(w >> 19) & 31]!;
          break;
        case Op.SRL:
          x[(w >> 8) & 63] = x[(w >> 14) & 31]! >>> x[(w >> 19) & 31]!;
          break;
        case Op.SRA:
          x[(w >> 8) & 63] = x[(w >> 14) & 31]! >> x[(w >> 19) & 31]!;
          break;
        case Op.OR:
          x[(w >> 8) & 63] = x[(w >> 14) & 31]! | x[(w >> 19) & 31]!;
          break;
        case Op.AND:
          x[(w >> 8) & 63] = x[(w >> 14) & 31]! & x[(w >> 19) & 31]!;
          break;
        case Op.MUL:
          x[(w >> 8) & 63] = Math.imul(x[(w >> 14) & 31]!, x[(w >> 19) & 31]!);
          break;
        case Op.MULH:
          x[(w >> 8) & 63] = mulh(x[(w >> 14) & 31]!, x[(w >> 19) & 31]!);
          break;
        case Op.MULHSU:
          x[(w >> 8) & 63] = mulhsu(x[(w >> 14) & 31]!, x[(w >> 19) & 31]!);
          break;
        case Op.MULHU:
          x[(w >> 8) & 63] = mulhu(x[(w >> 14) & 31]!, x[(w >> 19) & 31]!);
          break;
        case Op.DIV:
          x[(w >> 8) & 63] = div(x[(w >> 14) & 31]!, x[(w >> 19) & 31]!);
          break;
        case Op.DIVU:
          x[(w >> 8) & 63] = divu(x[(w >> 14) & 31]!, x[(w >> 19) & 31]!);
          break;
        case Op.REM:
          x[(w >> 8) & 63] = rem(x[(w >> 14) & 31]!, x[(w >> 19) & 31]!);
          break;
        case Op.REMU:
          x[(w >> 8) & 63] = remu(x[(w >> 14) & 31]!, x[(w >> 19) & 31]!);
          break;
        case Op.FENCE:
          break;
        default:
          // Cold ops (CSRs, system, atomics, illegal): they set this.pc themselves.
          this.pc = pc;
          this.icount = base + n;
          if ((w & 0xff) === Op.BREAKPOINT) {
            // Stop before the instruction: it does not count, and the slice ends here.
            this.breakpointHit = true;
            this.sliceLimit = this.icount;
            return n;
          }
          execCold(this, w, imm);
          this.excepted = false;
          pc = this.pc;
          budget = sliceBudget(this.sliceLimit, base);
          continue;
      }
      pc = (pc + (w >>> 24)) | 0;
      sequential = true;
    }
    this.pc = pc;
    this.icount = base + n;
    return n;
  }
}

/** The RAM offset of physical `address`, or -1 outside RAM. */
function ramOffset(address: number, ramBytes: number): number {
  const off = ((address >>> 0) - 0x8000_0000) >>> 0;
  return off < ramBytes ? off : -1;
}

/** Instructions left before `limit`, as an int32 (slices never come near 2^30 instructions). */
function sliceBudget(limit: number, base: number): number {
  return Math.min(limit - base, 0x3fff_ffff) | 0;
}
