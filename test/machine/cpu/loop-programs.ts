// Random loop programs for the region tests: a loop header, then segments of straight code,
// if-then and if-then-else diamonds, a counted inner loop, an irreducible cycle (entered at
// two points), a computed jump (JALR) and early exits, then the outer loop's counter and back
// edge. Registers t3..t6 and s11 are reserved (see RESERVED).
import fc from 'fast-check';
import { ClintReg } from '../../../src/machine/devices/clint.js';
import { Csr } from '../../../src/machine/cpu/csr-number.js';
import { MemoryMap } from '../../../src/machine/memory-map.js';
import * as A from './asm.js';
import { Machine } from '../../../src/machine/machine.js';
import { BASE, DATA, openPmp, poke } from './harness.js';

const { t3, t4, t5, t6, s11 } = A.Reg;
/**
 * Random code never writes: the data pointer (t6), the inner and outer loop counters (t5,
 * s11), the MMIO pointer (t3) and the trap handler's scratch register (t4).
 */
export const RESERVED = new Set<number>([t6, t5, s11, t3, t4]);
/** t3 points here: mtime's low and high words are at 2040 and 2044 from it; its own offset is not decoded (stores are ignored). */
export const MMIO = MemoryMap.CLINT + ClintReg.MTIME_LO - 2040;
/** More instructions than any loop program runs (at most 90 trips of a few hundred): a run past it is stuck. */
export const MAX_ICOUNT = 200_000;
/** Bytes of the data area loads and stores reach from t6 (offsets 0..256, up to 4 bytes wide). */
export const DATA_BYTES = 264;

const reg = fc.integer({ min: 0, max: 31 });
/** Any destination except the reserved registers (x0 included: writes must vanish). */
const rd = reg.filter((r) => !RESERVED.has(r));
const creg = fc.integer({ min: 8, max: 15 });
const imm12 = fc.integer({ min: -2048, max: 2047 });
const shamt = fc.integer({ min: 0, max: 31 });

const RR = [A.add, A.sub, A.sll, A.slt, A.sltu, A.xor, A.srl, A.sra, A.or, A.and, A.mul, A.mulh, A.mulhsu, A.mulhu, A.div, A.divu, A.rem, A.remu];
const RI = [A.addi, A.slti, A.sltiu, A.xori, A.ori, A.andi];
const SHIFTS = [A.slli, A.srli, A.srai];
const LOADS = [A.lb, A.lbu, A.lh, A.lhu, A.lw];
const STORES = [A.sb, A.sh, A.sw];
const CA = [A.c_sub, A.c_xor, A.c_or, A.c_and];
const BRANCHES = [A.beq, A.bne, A.blt, A.bge, A.bltu, A.bgeu];

/** One random region-compilable instruction (no control transfer, no cold op); loads and stores go to the data area. */
export const instruction: fc.Arbitrary<A.Insn> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...RR), rd, reg, reg).map(([op, d, a, b]) => op(d, a, b)) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...RI), rd, reg, imm12).map(([op, d, a, i]) => op(d, a, i)) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...SHIFTS), rd, reg, shamt).map(([op, d, a, s]) => op(d, a, s)) },
  { weight: 1, arbitrary: fc.tuple(rd, fc.integer({ min: 0, max: 0xfffff })).map(([d, i]) => A.lui(d, i)) },
  { weight: 1, arbitrary: fc.tuple(rd, fc.integer({ min: 0, max: 0xfffff })).map(([d, i]) => A.auipc(d, i)) },
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...LOADS), rd, fc.integer({ min: 0, max: 256 })).map(([op, d, o]) => op(d, t6, o)) },
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...STORES), reg, fc.integer({ min: 0, max: 256 })).map(([op, s, o]) => op(s, t6, o)) },
  { weight: 1, arbitrary: fc.constant(A.fence()) },
  { weight: 1, arbitrary: fc.tuple(rd, fc.integer({ min: -32, max: 31 })).map(([d, i]) => A.c_addi(d, i)) },
  { weight: 1, arbitrary: fc.tuple(rd, fc.integer({ min: -32, max: 31 })).map(([d, i]) => A.c_li(d, i)) },
  { weight: 1, arbitrary: fc.tuple(rd, reg.filter((r) => r !== 0)).map(([d, s]) => A.c_mv(d, s)) },
  { weight: 1, arbitrary: fc.tuple(rd, reg.filter((r) => r !== 0)).map(([d, s]) => A.c_add(d, s)) },
  { weight: 1, arbitrary: fc.tuple(rd, fc.integer({ min: 1, max: 31 })).map(([d, s]) => A.c_slli(d, s)) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(A.c_srli, A.c_srai), creg, fc.integer({ min: 1, max: 31 })).map(([op, d, s]) => op(d, s)) },
  { weight: 1, arbitrary: fc.tuple(creg, fc.integer({ min: -32, max: 31 })).map(([d, i]) => A.c_andi(d, i)) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...CA), creg, creg).map(([op, d, s]) => op(d, s)) },
);

/**
 * Instructions that leave the fast path of generated code: mtime loads (their value is the
 * icount at the load, so a wrong icount sync shows), CSR reads (counters and time, and one that
 * does not exist, which traps), an MMIO store (ignored by the device, but
 * it ends the region), and loads and stores to unmapped low addresses (access faults, which the
 * handler skips).
 */
export const slowPath: fc.Arbitrary<A.Insn> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(rd, fc.constantFrom(2040, 2044)).map(([d, o]) => A.lw(d, t3, o)) },
  // CSR reads run inside compiled code: the counters and time come from the icount there; 0x7c0 does not exist (illegal).
  { weight: 2, arbitrary: fc.tuple(rd, fc.constantFrom(Csr.mcycle, Csr.minstret, Csr.time, Csr.mscratch, 0x7c0)).map(([d, c]) => A.csrr(d, c)) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...STORES), reg).map(([op, s]) => op(s, t3, 0)) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...LOADS), rd, fc.integer({ min: 0, max: 511 })).map(([op, d, o]) => op(d, 0, o * 4)) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...STORES), reg, fc.integer({ min: 0, max: 511 })).map(([op, s, o]) => op(s, 0, o * 4)) },
);

/** A branch to an offset not known until the program is laid out (an early exit to the final WFI). */
export interface ExitBranch {
  readonly exit: (offset: number) => A.Insn;
}
export type Item = A.Insn | ExitBranch;
const isExit = (item: Item): item is ExitBranch => typeof item === 'object' && 'exit' in item;

const bytesOf = (insns: readonly A.Insn[]): number => insns.reduce((s: number, i) => s + A.sizeOf(i), 0);

/**
 * `bCOND rA, rB, offset` with random condition and operands, or `c.beqz`/`c.bnez` on a
 * compressed register (they reach ±256 bytes: the then-parts below are at most 28).
 */
const condition: fc.Arbitrary<(offset: number) => A.Insn> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...BRANCHES), reg, reg).map(([op, x, y]) => (offset: number) => op(x, y, offset)) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(A.c_beqz, A.c_bnez), creg).map(([op, x]) => (offset: number) => op(x, offset)) },
);

/** A branch out of the loop to its final WFI; beq between different registers is rarely taken. */
const earlyExit: fc.Arbitrary<Item[]> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(reg, reg).filter(([x, y]) => x !== y).map(([x, y]) => (offset: number) => A.beq(x, y, offset)) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...BRANCHES), reg, reg).map(([op, x, y]) => (offset: number) => op(x, y, offset)) },
).map((exit) => [{ exit }]);

/** The segments of a loop body, made of instructions from `insn`. */
export function segmentsOf(insn: fc.Arbitrary<A.Insn>) {
  const straight = fc.array(insn, { minLength: 1, maxLength: 6 });

  /** `if (cond) skip; then…`: the branch jumps over the then-part. */
  const ifThen: fc.Arbitrary<A.Insn[]> = fc.tuple(condition, straight).map(([branch, then]) => {
    const size = A.sizeOf(branch(4));
    return [branch(size + bytesOf(then)), ...then];
  });

  /** `bCOND else; then…; j end; else: …; end:` (the jump a JAL or a C.J). */
  const ifThenElse: fc.Arbitrary<A.Insn[]> = fc.tuple(condition, straight, straight, fc.boolean()).map(([branch, then, other, compressedJump]) => {
    const jumpSize = compressedJump ? 2 : 4;
    const jump = compressedJump ? A.c_j(jumpSize + bytesOf(other)) : A.jal(0, jumpSize + bytesOf(other));
    return [branch(A.sizeOf(branch(4)) + bytesOf(then) + jumpSize), ...then, jump, ...other];
  });

  /** `t5 = n; inner: body; t5 -= 1; bne t5, x0, inner` with a straight or if-then body. */
  const innerLoop: fc.Arbitrary<A.Insn[]> = fc
    .tuple(fc.integer({ min: 1, max: 4 }), fc.oneof(straight, ifThen))
    .map(([trips, body]) => [A.addi(t5, 0, trips), ...body, A.addi(t5, t5, -1), A.bne(t5, 0, -(bytesOf(body) + 4))]);

  /**
   * An irreducible cycle, entered at its top or (when a random branch is taken) in its middle:
   * `t5 = n; bCOND mid; top: body; mid: body; t5 -= 1; bne t5, x0, top`.
   */
  const irreducibleLoop: fc.Arbitrary<A.Insn[]> = fc
    .tuple(fc.integer({ min: 1, max: 4 }), condition, straight, straight)
    .map(([trips, branch, top, mid]) => [
      A.addi(t5, 0, trips),
      branch(A.sizeOf(branch(4)) + bytesOf(top)),
      ...top,
      ...mid,
      A.addi(t5, t5, -1),
      A.bne(t5, 0, -(bytesOf(top) + bytesOf(mid) + 4)),
    ]);

  /**
   * A computed two-way jump (a jump table's shape), whose first target is also reached by a
   * branch (so the loop is found past it): `bCOND L1; auipc rX; addi rX, L1; bCOND skip; addi
   * rX, L2 - L1; skip: jalr x0, rX; L1: body; j end; L2: body; end:`. The compiler cannot see
   * where the JALR goes: L1 becomes a root of the region once control comes in there by it.
   */
  const computedJump: fc.Arbitrary<A.Insn[]> = fc
    .tuple(rd.filter((r) => r !== 0), condition, condition, straight, straight)
    .map(([rx, direct, branch, one, two]) => {
      const first = A.sizeOf(direct(4));
      const size = A.sizeOf(branch(4));
      return [
        direct(first + 16 + size),
        A.auipc(rx, 0),
        A.addi(rx, rx, 16 + size),
        branch(4 + size),
        A.addi(rx, rx, bytesOf(one) + 4),
        A.jalr(0, rx, 0),
        ...one,
        A.jal(0, 4 + bytesOf(two)),
        ...two,
      ];
    });

  const segment: fc.Arbitrary<Item[]> = fc.oneof(
    { weight: 3, arbitrary: straight },
    { weight: 2, arbitrary: ifThen },
    { weight: 2, arbitrary: ifThenElse },
    { weight: 1, arbitrary: innerLoop },
    { weight: 1, arbitrary: irreducibleLoop },
    { weight: 1, arbitrary: computedJump },
    { weight: 1, arbitrary: earlyExit },
  );
  return { straight, segment };
}

/** A laid-out loop program: its code (the header first) and the loop's length. */
export interface LoopProgram {
  code: A.Insn[];
  /** Bytes of the loop, from the header to its back edge included. */
  loopBytes: number;
}

/**
 * header: segments…; s11 -= 1; bne s11, x0, header; wfi; wfi (the early exits' target, so
 * the final pc tells how the loop ended).
 */
export function layOut(segments: Item[][]): LoopProgram {
  const items = segments.flat();
  let at = 0;
  const positions = items.map((item) => {
    const here = at;
    at += isExit(item) ? 4 : A.sizeOf(item);
    return here;
  });
  const tail = at;
  const exitAt = tail + 12;
  const code = items.map((item, i) => (isExit(item) ? item.exit(exitAt - positions[i]!) : item));
  code.push(A.addi(s11, s11, -1), A.bne(s11, 0, -(tail + 4)), A.wfi(), A.wfi());
  return { code, loopBytes: tail + 8 };
}

const int32 = fc.oneof(fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }), fc.constantFrom(0, 1, -1, 31, 32, -0x8000_0000, 0x7fff_ffff));
export const registers = fc.array(int32, { minLength: 32, maxLength: 32 });
export const memory = fc.uint8Array({ minLength: DATA_BYTES, maxLength: DATA_BYTES });

/** The trap handler: skips the (4-byte) faulting instruction. */
export const HANDLER = BASE + 0x1000;
const MEPC = 0x341;

/**
 * A machine with `code` at BASE and, at HANDLER, a trap handler that skips the faulting
 * instruction (`mepc += 4; mret`). With `icountShift` 7 an instruction lasts 128 ns and mtime
 * (100 ns ticks) tells every icount apart.
 */
export function loopMachine(code: readonly A.Insn[], icountShift = 3): Machine {
  const m = new Machine({ ramBytes: 1 << 20, icountShift }, { clock: () => 1_700_000_000_000_000_000, random: (n) => new Uint8Array(n), blockIo: () => {}, defer: () => 0, netTx: () => {}, audioStream: () => {} });
  m.load({
    entry: BASE,
    segments: [
      { address: BASE, data: A.assemble(code) },
      { address: HANDLER, data: A.assemble([A.csrr(t4, MEPC), A.addi(t4, t4, 4), A.csrw(MEPC, t4), A.mret()]) },
    ],
  });
  openPmp(m);
  m.cpu.mtvec = HANDLER;
  return m;
}

/** Registers to start with: random, but the data pointer, the MMIO pointer and the trip count. */
export function inputs(values: number[], count: number): Record<number, number> {
  const regs: Record<number, number> = {};
  values.forEach((v, r) => {
    if (r !== 0) regs[r] = v;
  });
  regs[t6] = DATA;
  regs[t3] = MMIO;
  regs[s11] = count;
  return regs;
}

/** Sets the registers, the data area and pc = BASE, ready to run from the header; returns the icount. */
export function startLoop(m: Machine, regs: Record<number, number>, bytes: Uint8Array): number {
  poke(m, DATA, bytes);
  m.cpu.x.fill(0);
  for (const [r, v] of Object.entries(regs)) m.cpu.x[Number(r)] = v;
  m.cpu.pc = BASE | 0;
  m.cpu.waiting = false;
  return m.icount;
}
