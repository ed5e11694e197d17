import { type Decoded, X0_SINK } from './decode.js';
import { Op } from './op.js';
import type { Ram } from '../ram.js';
import { DATA_PAGE_SET_BITS, NO_PAGE, type DataPages } from './data-pages.js';

/**
 * A compiled block: `run(done, budget, entry)` executes at most `budget` instructions starting
 * at the first one of its entry number `entry` (0: the address it was compiled for; a region
 * that took in JALR targets has more, see RegionGraph.roots), leaves `cpu.pc` at the next
 * instruction (or a trap handler) and returns how many instructions it executed (a trapping
 * one counts; a store into a flagged chunk does not yet: see `BlockContext.flaggedStore`).
 * `done` is how many the current `Cpu.run` call executed before: the icount is
 * `cpu.runBase + done` (both int32-safe small numbers are passed, so the hot call never boxes
 * a double).
 */
export type BlockFn = (done: number, budget: number, entry: number) => number;

/** `BlockContext.flaggedInfo` holds a flagged store's size in its low bits and its length from this bit on. */
export const FLAGGED_LENGTH_SHIFT = 3;

/** What a compiled block needs from the hart: registers, RAM views and the slow paths. */
export interface BlockContext {
  readonly x: Int32Array;
  pc: number;
  icount: number;
  /**
   * Set by compiled code that stored into a flagged chunk and left before counting the store
   * (pc at it): the RAM offset, or -1 when none; `flaggedInfo` its size and length.
   */
  flaggedStore: number;
  flaggedInfo: number;
  /** icount when the current `Cpu.run` call started. */
  runBase: number;
  excepted: boolean;
  /** Set when compiled code leaves by a JALR. */
  leftByJalr: boolean;
  loadSlow(addr: number, size: 1 | 2 | 4): number;
  storeSlow(addr: number, size: 1 | 2 | 4, value: number): void;
  readonly ram: Ram;
  readonly dataPages: DataPages;
  /** Executes a cold op (CSR access) as the interpreter does: pc and icount must be set; traps set `excepted`. */
  execColdOp(word: number, imm: number): void;
}

/** One instruction of a block: its guest address, decoded fields and packed predecode word. */
export interface BlockInstruction extends Decoded {
  pc: number;
  word: number;
}

/**
 * True for what compiled code may contain: everything up to FENCE, and CSR reads (CSRRS and
 * CSRRC with rs1 = x0, CSRRSI and CSRRCI with uimm 0: counters, time, most CSRs), which change
 * neither control flow nor translation. Anything else (CSR writes, system ops, atomics) ends
 * compiled code before it.
 */
export function isBlockOp(d: Decoded): boolean {
  return (d.op >= Op.LUI && d.op <= Op.FENCE) || isCsrRead(d);
}

/** A CSR instruction that only reads its CSR. */
function isCsrRead(d: Decoded): boolean {
  if (d.op === Op.CSRRS || d.op === Op.CSRRC) return d.rs1 === 0;
  return (d.op === Op.CSRRSI || d.op === Op.CSRRCI) && d.rs1 === 0;
}

const LOADS: Record<number, { size: 1 | 2 | 4; view: string; align: number; shift: number; fix: string }> = {
  [Op.LB]: { size: 1, view: 'i8', align: 0, shift: 0, fix: '(v << 24) >> 24' },
  [Op.LBU]: { size: 1, view: 'u8', align: 0, shift: 0, fix: 'v' },
  [Op.LH]: { size: 2, view: 'i16', align: 1, shift: 1, fix: '(v << 16) >> 16' },
  [Op.LHU]: { size: 2, view: 'u16', align: 1, shift: 1, fix: 'v' },
  [Op.LW]: { size: 4, view: 'i32', align: 3, shift: 2, fix: 'v | 0' },
};
const STORES: Record<number, { size: 1 | 2 | 4; view: string; align: number; shift: number }> = {
  [Op.SB]: { size: 1, view: 'u8', align: 0, shift: 0 },
  [Op.SH]: { size: 2, view: 'u16', align: 1, shift: 1 },
  [Op.SW]: { size: 4, view: 'i32', align: 3, shift: 2 },
};
export const BRANCHES: Record<number, (a: string, b: string) => string> = {
  [Op.BEQ]: (a, b) => `${a} === ${b}`,
  [Op.BNE]: (a, b) => `${a} !== ${b}`,
  [Op.BLT]: (a, b) => `${a} < ${b}`,
  [Op.BGE]: (a, b) => `${a} >= ${b}`,
  [Op.BLTU]: (a, b) => `(${a} >>> 0) < (${b} >>> 0)`,
  [Op.BGEU]: (a, b) => `(${a} >>> 0) >= (${b} >>> 0)`,
};
/** ALU ops as JS expressions over operand expressions `a`, `b` and immediate `i`. */
const ALU: Record<number, (a: string, b: string, i: number) => string> = {
  [Op.LUI]: (_a, _b, i) => `${i}`,
  [Op.ADDI]: (a, _b, i) => `(${a} + ${i}) | 0`,
  [Op.SLTI]: (a, _b, i) => `${a} < ${i} ? 1 : 0`,
  [Op.SLTIU]: (a, _b, i) => `(${a} >>> 0) < ${i >>> 0} ? 1 : 0`,
  [Op.XORI]: (a, _b, i) => `${a} ^ ${i}`,
  [Op.ORI]: (a, _b, i) => `${a} | ${i}`,
  [Op.ANDI]: (a, _b, i) => `${a} & ${i}`,
  [Op.SLLI]: (a, _b, i) => `${a} << ${i}`,
  [Op.SRLI]: (a, _b, i) => `(${a} >>> ${i}) | 0`,
  [Op.SRAI]: (a, _b, i) => `${a} >> ${i}`,
  [Op.ADD]: (a, b) => `(${a} + ${b}) | 0`,
  [Op.SUB]: (a, b) => `(${a} - ${b}) | 0`,
  [Op.SLL]: (a, b) => `${a} << ${b}`,
  [Op.SLT]: (a, b) => `${a} < ${b} ? 1 : 0`,
  [Op.SLTU]: (a, b) => `(${a} >>> 0) < (${b} >>> 0) ? 1 : 0`,
  [Op.XOR]: (a, b) => `${a} ^ ${b}`,
  [Op.SRL]: (a, b) => `(${a} >>> ${b}) | 0`,
  [Op.SRA]: (a, b) => `${a} >> ${b}`,
  [Op.OR]: (a, b) => `${a} | ${b}`,
  [Op.AND]: (a, b) => `${a} & ${b}`,
  [Op.MUL]: (a, b) => `Math.imul(${a}, ${b})`,
  [Op.MULH]: (a, b) => `mulh(${a}, ${b})`,
  [Op.MULHSU]: (a, b) => `mulhsu(${a}, ${b})`,
  [Op.MULHU]: (a, b) => `mulhu(${a}, ${b})`,
  [Op.DIV]: (a, b) => `div(${a}, ${b})`,
  [Op.DIVU]: (a, b) => `divu(${a}, ${b})`,
  [Op.REM]: (a, b) => `rem(${a}, ${b})`,
  [Op.REMU]: (a, b) => `remu(${a}, ${b})`,
};

/**
 * How generated code reaches guest address `a` in RAM: `locate` declares what `hit` (true when
 * the fast path applies: RAM, and aligned) and `offset` (the RAM offset) use. A bare access
 * treats `a` as physical (RAM is at 0x8000_0000; with a power-of-two RAM size one mask tests
 * range and alignment at once); a paged one adds the delta DataPages holds for a's virtual page
 * (loads and stores apart; NO_PAGE when the page's set holds another page or none), whose odd
 * NO_PAGE fails the alignment test of wider accesses. Each paged access site `memo` keeps the
 * last page it looked up and that page's delta in two locals of the compiled function
 * (`mp<memo>`, `md<memo>`): while it stays on one page, it reads no table, so a chain of
 * dependent loads (a list walk) waits on no table load. The tables only change when a
 * translation may change, which ends the compiled call, or when a slow path fills them, after
 * which the site looks again (see instructionSource).
 */
function ramAccess(paged: boolean, store: boolean, align: number, ramBytes: number, memo: string): { locate: string; hit: string; offset: string } {
  if (!paged) {
    const pow2 = (ramBytes & (ramBytes - 1)) === 0;
    const hit = pow2 ? `(o & ${~(ramBytes - 1) | align}) === 0` : `o >>> 0 < ${ramBytes}${align === 0 ? '' : ` && (a & ${align}) === 0`}`;
    return { locate: 'const o = a ^ -0x80000000;', hit, offset: 'o' };
  }
  const [page, delta] = [`mp${memo}`, `md${memo}`];
  const table = store ? 'storePages' : 'loadPages';
  const set = `(${page} & ${(1 << DATA_PAGE_SET_BITS) - 1}) << 1`;
  return {
    locate: `if ((a >>> 12) !== ${page}) { ${page} = a >>> 12; const j = ${set}; ${delta} = ${table}[j] === ${page} ? ${table}[j + 1] : ${NO_PAGE}; }`,
    hit: align === 0 ? `${delta} !== ${NO_PAGE}` : `((${delta} | a) & ${align}) === 0`,
    offset: `(a + ${delta}) | 0`,
  };
}

/** Source of a register read: x0 is the constant 0, others are locals of the compiled function. */
export const reg = (r: number): string => (r === 0 ? '0' : `r${r}`);

/**
 * The JS of one instruction that does not end a basic block (ALU, loads, stores, FENCE), as
 * the i-th of its block in compiled code where guest registers are locals `r1..r31`, `k`
 * counts the instructions done before the block (so instruction i's icount is
 * `cpu.runBase + done + k + i`), and `break out` leaves with `next` as the pc. Slow paths
 * (MMIO, misaligned, outside RAM, translation misses) call the hart; a trap or a store that
 * may have changed code, watched memory or the slice leaves after the instruction.
 *
 * With a `traceId` (≥ 0: the instrumented variant, see ExecTrace) the instruction also writes
 * its trace entry `k + i`, and leaves before itself (`next` its pc) wherever it would take a
 * slow path or run a cold op: instrumented code never traps nor reaches a device.
 *
 * A paged load or store appends the name of its access site to `memos`: the compiled function
 * declares the site's locals (see ramAccess).
 */
export function instructionSource(d: BlockInstruction, i: number, paged: boolean, ramBytes: number, traceId = -1, memos: string[] = []): string {
  const dest = d.rd === 0 || d.rd === X0_SINK ? null : `r${d.rd}`;
  const a = reg(d.rs1);
  const b = reg(d.rs2);
  const after = (d.pc + d.length) | 0;
  const sync = `cpu.pc = ${d.pc}; cpu.icount = cpu.runBase + done + k + ${i};`;
  // A trap already pointed cpu.pc at the handler; the trapping instruction counts.
  const trapExit = `if (cpu.excepted) { cpu.excepted = false; next = cpu.pc; k += ${i + 1}; break out; }`;
  const leave = `{ next = ${after}; k += ${i + 1}; break out; }`;
  const traced = traceId >= 0;
  const record = (value: string | null, address: string | null): string =>
    traced ? ` ti[k + ${i}] = ${traceId};${value === null ? '' : ` tv[k + ${i}] = ${value};`}${address === null ? '' : ` ta[k + ${i}] = ${address};`}` : '';
  const before = `{ next = ${d.pc}; k += ${i}; break out; }`;
  const site = (): string => {
    const memo = String(memos.length);
    if (paged) memos.push(memo);
    return memo;
  };
  const aluOp = ALU[d.op];
  if (aluOp !== undefined) return (dest === null ? '' : `${dest} = ${aluOp(a, b, d.imm)};`) + record(dest, null);
  if (d.op === Op.AUIPC) return (dest === null ? '' : `${dest} = ${(d.pc + d.imm) | 0};`) + record(dest, null);
  const load = LOADS[d.op];
  if (load !== undefined) {
    const memo = site();
    const ram = ramAccess(paged, false, load.align, ramBytes, memo);
    const to = dest === null ? '' : `${dest} = `;
    if (traced) {
      return [
        `{ const a = (${a} + ${d.imm}) | 0; ${ram.locate}`,
        `  if (${ram.hit}) { const v = ${load.view}[(${ram.offset}) >> ${load.shift}]; ${to}v;${record('v', 'a')} }`,
        `  else ${before} }`,
      ].join('\n');
    }
    return [
      `{ const a = (${a} + ${d.imm}) | 0; ${ram.locate}`,
      `  if (${ram.hit}) ${to}${load.view}[(${ram.offset}) >> ${load.shift}];`,
      // The slow path may have filled the tables: the site looks its page up again.
      `  else { ${sync} const v = cpu.loadSlow(a, ${load.size});${paged ? ` mp${memo} = -1;` : ''} ${trapExit} ${dest === null ? '' : `${dest} = ${load.fix};`} } }`,
    ].join('\n');
  }
  const store = STORES[d.op];
  if (store !== undefined) {
    const ram = ramAccess(paged, true, store.align, ramBytes, site());
    return [
      `{ const a = (${a} + ${d.imm}) | 0; ${ram.locate}`,
      `  if (${ram.hit}) { const p = ${ram.offset}; ${store.view}[p >> ${store.shift}] = ${b};${record(b, 'a')}`,
      // A store into a flagged chunk (dirty tracking, code, a watch) leaves before it counts,
      // through the common exit: the run loop finishes it (Cpu.finishFlaggedStore). This path
      // runs rarely (the first store to a page after each checkpoint), so it must contain no
      // operation V8 keeps feedback for (a property access, a call, arithmetic): optimized
      // before it ever ran, the function would be deoptimized the first time it does.
      `    if (flags[p >> 6] !== 0) { flagged = p; flaggedInfo = ${store.size | (d.length << FLAGGED_LENGTH_SHIFT)}; kf = ${i}; next = ${d.pc}; break out; } }`,
      // An MMIO store may end the slice: always leave after one.
      traced ? `  else ${before} }` : `  else { ${sync} cpu.storeSlow(a, ${store.size}, ${b}); ${trapExit} ${leave} } }`,
    ].join('\n');
  }
  if (isCsrRead(d)) {
    if (traced) return before;
    // Run by the hart's cold path (it reads the counters from the icount, so that is synced);
    // an illegal access traps.
    return `{ ${sync} cpu.execColdOp(${d.word}, ${d.imm}); ${trapExit}${dest === null ? '' : ` ${dest} = x[${d.rd}];`} }`;
  }
  return record(null, null); // FENCE: nothing to do on a single in-order hart.
}
