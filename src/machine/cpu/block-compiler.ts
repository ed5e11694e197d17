import { type Decoded, X0_SINK } from './decode.js';
import { Op } from './op.js';
import * as alu from './alu.js';
import type { Ram } from '../ram.js';
import type { DataPages } from './data-pages.js';

/**
 * A compiled block: `run(done, budget)` executes at most `budget` instructions starting at
 * the block's first one, leaves `cpu.pc` at the next instruction (or a trap handler) and
 * returns how many instructions it executed (a trapping one counts). `done` is how many the
 * current `Cpu.run` call executed before: the icount is `cpu.runBase + done` (both int32-safe
 * small numbers are passed, so the hot call never boxes a double).
 */
export type BlockFn = (done: number, budget: number) => number;

/** What a compiled block needs from the hart: registers, RAM views and the slow paths. */
export interface BlockContext {
  readonly x: Int32Array;
  pc: number;
  icount: number;
  /** icount when the current `Cpu.run` call started. */
  runBase: number;
  excepted: boolean;
  loadSlow(addr: number, size: 1 | 2 | 4): number;
  storeSlow(addr: number, size: 1 | 2 | 4, value: number): void;
  readonly ram: Ram;
  readonly dataPages: DataPages;
}

/** One instruction of a block: its guest address and decoded fields. */
export interface BlockInstruction extends Decoded {
  pc: number;
}

/** Ops a block may contain; anything else (CSRs, system, atomics) ends the block before it. */
export function isBlockOp(op: number): boolean {
  return op >= Op.LUI && op <= Op.FENCE;
}

/**
 * True when the instruction ends a block after itself: an unconditional jump, or a
 * conditional branch back to the block's start (the block then becomes a loop). Other
 * conditional branches are side exits and the block goes on along the fall-through path.
 */
export function endsBlock(d: BlockInstruction, blockStart: number): boolean {
  if (d.op === Op.JAL || d.op === Op.JALR) return true;
  return BRANCHES[d.op] !== undefined && ((d.pc + d.imm) | 0) === blockStart;
}

export const LOADS: Record<number, { size: 1 | 2 | 4; view: string; align: number; shift: number; fix: string }> = {
  [Op.LB]: { size: 1, view: 'i8', align: 0, shift: 0, fix: '(v << 24) >> 24' },
  [Op.LBU]: { size: 1, view: 'u8', align: 0, shift: 0, fix: 'v' },
  [Op.LH]: { size: 2, view: 'i16', align: 1, shift: 1, fix: '(v << 16) >> 16' },
  [Op.LHU]: { size: 2, view: 'u16', align: 1, shift: 1, fix: 'v' },
  [Op.LW]: { size: 4, view: 'i32', align: 3, shift: 2, fix: 'v | 0' },
};
export const STORES: Record<number, { size: 1 | 2 | 4; view: string; align: number; shift: number }> = {
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
export const ALU: Record<number, (a: string, b: string, i: number) => string> = {
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
 * How generated code finds guest address `a` in RAM: `locate` declares what `hit` (true when
 * the fast path applies) and `offset` (the RAM offset) use. A bare block treats `a` as
 * physical (RAM is at 0x8000_0000); a paged block looks a's virtual page up in the DataPages
 * tables of loads or of stores.
 */
export function ramAccess(paged: boolean, store: boolean): { locate: string; hit: string; offset: string } {
  if (!paged) return { locate: 'const o = a ^ -0x80000000;', hit: 'o >>> 0 < RAM_BYTES', offset: 'o' };
  const table = store ? 'store' : 'load';
  return { locate: 'const e = (a >>> 12) & 255;', hit: `${table}Tag[e] === a >>> 12`, offset: `${table}Base[e] + (a & 4095)` };
}

/** Source of a register read: x0 is the constant 0, others are block locals. */
export const reg = (r: number): string => (r === 0 ? '0' : `r${r}`);

/**
 * Generates the JS source of a block's body. Guest registers live in JS locals for the
 * block's duration; every exit (side exits, slow paths, the end) breaks out of one labeled
 * statement to a single epilogue that writes them back, which keeps the code small. A block
 * that ends with a branch or jump back to its own start becomes a JS loop bounded by the budget.
 * A `paged` block (for translated mode) finds loads and stores in the DataPages tables and
 * takes the translating slow path on a miss; a bare one treats addresses as physical.
 */
export function blockSource(insns: BlockInstruction[], paged: boolean): string {
  const used = new Set<number>();
  const written = new Set<number>();
  for (const d of insns) {
    if (d.rs1 !== 0) used.add(d.rs1);
    if (d.rs2 !== 0) used.add(d.rs2);
    if (d.rd !== 0 && d.rd !== X0_SINK) {
      used.add(d.rd);
      written.add(d.rd);
    }
  }
  const exit = (pcExpr: string, count: string): string => `{ next = ${pcExpr}; count = ${count}; break out; }`;
  // A trap already pointed cpu.pc at the handler; the trapping instruction counts.
  const trapExit = (i: number): string => `if (cpu.excepted) { cpu.excepted = false; next = cpu.pc; count = k + ${i + 1}; break out; }`;
  const first = insns[0]!.pc;
  const last = insns[insns.length - 1]!;
  const loops = (BRANCHES[last.op] !== undefined || last.op === Op.JAL) && ((last.pc + last.imm) | 0) === first;
  const n = insns.length;
  const body: string[] = [];
  insns.forEach((d, i) => {
    const dest = d.rd === 0 || d.rd === X0_SINK ? null : `r${d.rd}`;
    const assign = (expr: string): string => (dest === null ? `${expr};` : `${dest} = ${expr};`);
    const a = reg(d.rs1);
    const b = reg(d.rs2);
    const after = (d.pc + d.length) | 0;
    const sync = `cpu.pc = ${d.pc}; cpu.icount = cpu.runBase + done + k + ${i};`;
    const load = LOADS[d.op];
    const store = STORES[d.op];
    const alu = ALU[d.op];
    if (alu !== undefined) {
      if (dest !== null) body.push(assign(alu(a, b, d.imm)));
    } else if (d.op === Op.AUIPC) {
      if (dest !== null) body.push(assign(`${(d.pc + d.imm) | 0}`));
    } else if (load !== undefined) {
      // RAM pages are aligned: the address's alignment is the offset's.
      const aligned = load.align === 0 ? '' : ` && (a & ${load.align}) === 0`;
      const ram = ramAccess(paged, false);
      body.push(
        `{ const a = (${a} + ${d.imm}) | 0; ${ram.locate}`,
        `  if (${ram.hit}${aligned}) ${dest === null ? '' : `${dest} = `}${load.view}[(${ram.offset}) >> ${load.shift}];`,
        `  else { ${sync} const v = cpu.loadSlow(a, ${load.size}); ${trapExit(i)} ${dest === null ? '' : `${dest} = ${load.fix};`} } }`,
      );
    } else if (store !== undefined) {
      const aligned = store.align === 0 ? '' : ` && (a & ${store.align}) === 0`;
      const ram = ramAccess(paged, true);
      body.push(
        `{ const a = (${a} + ${d.imm}) | 0; ${ram.locate}`,
        `  if (${ram.hit}${aligned}) { const p = ${ram.offset}; ${store.view}[p >> ${store.shift}] = ${b};`,
        `    if (flags[p >> 6] !== 0) { ${sync} ram.onFlaggedStore(p, ${store.size}); ${exit(`${after}`, `k + ${i + 1}`)} } }`,
        // An MMIO store may end the slice: always leave the block after one.
        `  else { ${sync} cpu.storeSlow(a, ${store.size}, ${b}); ${trapExit(i)} ${exit(`${after}`, `k + ${i + 1}`)} } }`,
      );
    } else if (d.op === Op.JAL) {
      if (dest !== null) body.push(assign(`${after}`));
      // A JAL inside the block was followed: the trace goes on at its target.
      if (i < n - 1) return;
      if (loops) body.push(`k += ${n};`, `if (k + ${n} > budget) ${exit(`${first}`, 'k')}`);
      else body.push(exit(`${(d.pc + d.imm) | 0}`, `k + ${n}`));
    } else if (d.op === Op.JALR) {
      body.push(`{ const t = (${a} + ${d.imm}) & -2;`);
      if (dest !== null) body.push(assign(`${after}`));
      body.push(`${exit('t', `k + ${n}`)} }`);
    } else if (BRANCHES[d.op] !== undefined) {
      const taken = BRANCHES[d.op]!(a, b);
      if (loops && i === n - 1) {
        body.push(`k += ${n};`, `if (!(${taken})) ${exit(`${after}`, 'k')}`, `if (k + ${n} > budget) ${exit(`${first}`, 'k')}`);
      } else {
        body.push(`if (${taken}) ${exit(`${(d.pc + d.imm) | 0}`, `k + ${i + 1}`)}`);
      }
    }
    // FENCE: nothing to do on a single in-order hart.
  });
  if (!endsBlock(last, first)) body.push(exit(`${(last.pc + last.length) | 0}`, `k + ${n}`));
  const locals = [...used].map((r) => `r${r} = x[${r}]`).join(', ');
  const writeBack = [...written].map((r) => `x[${r}] = r${r};`).join(' ');
  return [
    locals.length > 0 ? `let ${locals};` : '',
    'let k = 0, next = 0, count = 0;',
    loops ? 'out: for (;;) {' : 'out: {',
    ...body,
    '}',
    `${writeBack} cpu.pc = next; return count;`,
  ].join('\n');
}

/** Compiles a block's source into a function bound to a hart. */
export function compileBlock(cpu: BlockContext, insns: BlockInstruction[], paged: boolean): BlockFn {
  const name = `${paged ? 'paged' : 'block'}_${(insns[0]!.pc >>> 0).toString(16)}`;
  const factory = new Function(
    'cpu',
    'alu',
    `'use strict';
const { x, ram } = cpu;
const { u8, i8, u16, i16, i32 } = ram;
const flags = ram.chunkFlags;
const RAM_BYTES = ram.bytes;
const { loadTag, loadBase, storeTag, storeBase } = cpu.dataPages;
const { mulh, mulhsu, mulhu, div, divu, rem, remu } = alu;
return function ${name}(done, budget) {
${blockSource(insns, paged)}
};`,
  ) as (cpu: BlockContext, helpers: typeof alu) => BlockFn;
  return factory(cpu, alu);
}
