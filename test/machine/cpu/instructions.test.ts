// Instruction semantics, group by group (Unprivileged spec chapters RV32I, M, A, C). Every
// snippet runs HOT_RUNS times on one machine: the first runs go through the interpreter, the
// later ones through a compiled block (runHot asserts a block exists at the entry).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as A from './asm.js';
import { BASE, DATA, HOT_RUNS, isCheckedRun, machineWith, peek, poke, pokeWord, peekWord, runHot, runToWfi, isCompiledAt } from './harness.js';
import { edgeOrRandom, prng, REF_BRANCH, REF_RI, REF_RR } from './reference.js';
import type { Insn } from './asm.js';

const { a0, a1, a2, a3, a4, a5, s0, s1, sp, ra, t6 } = A.Reg;
const INT_MIN = -0x8000_0000;
const INT_MAX = 0x7fff_ffff;

type RrName = 'add' | 'sub' | 'sll' | 'slt' | 'sltu' | 'xor' | 'srl' | 'sra' | 'or' | 'and' | 'mul' | 'mulh' | 'mulhsu' | 'mulhu' | 'div' | 'divu' | 'rem' | 'remu';
const RR: Record<RrName, (rd: number, rs1: number, rs2: number) => number> = {
  add: A.add, sub: A.sub, sll: A.sll, slt: A.slt, sltu: A.sltu, xor: A.xor, srl: A.srl, sra: A.sra, or: A.or, and: A.and,
  mul: A.mul, mulh: A.mulh, mulhsu: A.mulhsu, mulhu: A.mulhu, div: A.div, divu: A.divu, rem: A.rem, remu: A.remu,
};
const RI = {
  addi: A.addi, slti: A.slti, sltiu: A.sltiu, xori: A.xori, ori: A.ori, andi: A.andi, slli: A.slli, srli: A.srli, srai: A.srai,
} as const;
type RiName = keyof typeof RI;

/** Runs `[insn, wfi]` hot with a1 = a, a2 = b and expects a0 = `want` every time. */
function expectRr(name: RrName, a: number, b: number, want: number): void {
  const m = machineWith([RR[name](a0, a1, a2), A.wfi()]);
  runHot(m, BASE, () => ({ [a1]: a, [a2]: b }), (r) => {
    expect(r.x[a0], `${name}(${a}, ${b})`).toBe(want | 0);
    expect(r.x[a1]).toBe(a | 0);
    expect(r.x[a2]).toBe(b | 0);
    expect(r.icount).toBe(2);
  });
}

describe('RV32I register-register ALU', () => {
  const cases: [RrName, number, number, number][] = [
    ['add', INT_MAX, 1, INT_MIN],
    ['add', -1, -1, -2],
    ['sub', 0, INT_MIN, INT_MIN],
    ['sub', 1, 2, -1],
    ['sll', 1, 31, INT_MIN],
    ['sll', 1, 32, 1],
    ['sll', 1, 33, 2],
    ['sll', -1, -1, INT_MIN],
    ['srl', INT_MIN, 31, 1],
    ['srl', -1, 0, -1],
    ['srl', -1, 1, INT_MAX],
    ['srl', -1, 63, 1],
    ['sra', INT_MIN, 31, -1],
    ['sra', INT_MIN, 1, -0x4000_0000],
    ['sra', INT_MAX, 31, 0],
    ['slt', -1, 1, 1],
    ['slt', 1, -1, 0],
    ['slt', INT_MIN, INT_MAX, 1],
    ['slt', 5, 5, 0],
    ['sltu', -1, 1, 0],
    ['sltu', 1, -1, 1],
    ['sltu', INT_MIN, INT_MAX, 0],
    ['sltu', 0, 0, 0],
    ['xor', -1, 0x0f0f_0f0f, ~0x0f0f_0f0f],
    ['or', INT_MIN, 1, INT_MIN + 1],
    ['and', -1, INT_MIN, INT_MIN],
  ];
  for (const [name, a, b, want] of cases) {
    it(`${name} of ${a} and ${b} is ${want}`, () => expectRr(name, a, b, want));
  }

  it('every register-register op matches the reference over fresh inputs each run', () => {
    for (const name of Object.keys(RR) as RrName[]) {
      const m = machineWith([RR[name](a0, a1, a2), A.wfi()]);
      const next = prng(name.length * 7919 + name.charCodeAt(0));
      let inputs = [0, 0];
      runHot(
        m,
        BASE,
        () => {
          inputs = [edgeOrRandom(next), edgeOrRandom(next)];
          return { [a1]: inputs[0]!, [a2]: inputs[1]! };
        },
        (r) => expect(r.x[a0], `${name}(${inputs[0]}, ${inputs[1]})`).toBe(REF_RR[name]!(inputs[0]!, inputs[1]!)),
      );
    }
  });

  it('an instruction whose destination is also a source reads the old value', () => {
    const m = machineWith([A.add(a1, a1, a1), A.sub(a2, a1, a2), A.wfi()]);
    runHot(m, BASE, (run) => ({ [a1]: run + 1, [a2]: 3 }), (r, run) => {
      expect(r.x[a1]).toBe(2 * (run + 1));
      expect(r.x[a2]).toBe(2 * (run + 1) - 3);
    });
  });
});

describe('RV32I register-immediate ALU', () => {
  const cases: [RiName, number, number, number][] = [
    ['addi', INT_MAX, 1, INT_MIN],
    ['addi', 0, -2048, -2048],
    ['addi', 5, 2047, 2052],
    ['slti', -5, -4, 1],
    ['slti', -4, -5, 0],
    ['slti', INT_MIN, 0, 1],
    ['sltiu', 0, 1, 1],
    ['sltiu', 1, 1, 0],
    // The immediate is sign-extended, then compared unsigned: -1 is 0xffffffff.
    ['sltiu', INT_MAX, -1, 1],
    ['sltiu', -1, -1, 0],
    ['sltiu', -2, -1, 1],
    ['xori', 0x1234_5678, -1, ~0x1234_5678],
    ['ori', 0, -2048, -2048],
    ['andi', -1, -16, -16],
    ['andi', 0x1234_5678, 0x7ff, 0x678],
    ['slli', 1, 31, INT_MIN],
    ['slli', 3, 0, 3],
    ['srli', INT_MIN, 31, 1],
    ['srli', -1, 0, -1],
    ['srai', INT_MIN, 31, -1],
    ['srai', -2, 1, -1],
  ];
  for (const [name, a, imm, want] of cases) {
    it(`${name} of ${a} and ${imm} is ${want}`, () => {
      const m = machineWith([RI[name](a0, a1, imm), A.wfi()]);
      runHot(m, BASE, () => ({ [a1]: a }), (r) => expect(r.x[a0]).toBe(want | 0));
    });
  }

  it('every register-immediate op matches the reference over fresh register inputs each run', () => {
    const next = prng(42);
    for (const name of Object.keys(RI) as RiName[]) {
      const shift = name === 'slli' || name === 'srli' || name === 'srai';
      for (const imm of shift ? [0, 1, 17, 31] : [-2048, -1, 0, 1, 0x555, 2047]) {
        const m = machineWith([RI[name](a0, a1, imm), A.wfi()]);
        let a = 0;
        runHot(m, BASE, () => ({ [a1]: (a = edgeOrRandom(next)) }), (r) => expect(r.x[a0], `${name}(${a}, ${imm})`).toBe(REF_RI[name]!(a, imm)));
      }
    }
  });

  it('lui loads the upper immediate with zero low bits', () => {
    const m = machineWith([A.lui(a0, 0xfffff), A.lui(a1, 0x80000), A.lui(a2, 0x12345), A.wfi()]);
    runHot(m, BASE, () => ({ [a0]: 0x7ff, [a1]: -1 }), (r) => {
      expect(r.x[a0]).toBe(0xffff_f000 | 0);
      expect(r.x[a1]).toBe(INT_MIN);
      expect(r.x[a2]).toBe(0x1234_5000);
    });
  });

  it('auipc adds the upper immediate to its own pc, wrapping at 2^32', () => {
    const code = [A.auipc(a0, 0), A.auipc(a1, 1), A.auipc(a2, 0x80000), A.auipc(a3, 0xfffff), A.wfi()];
    // Also from a second address, so a compiled block does not bake in the wrong pc.
    const m = machineWith(code);
    const at = BASE + 0x400;
    m.ram.load(0x400, A.assemble(code));
    for (const base of [BASE, at]) {
      runHot(m, base, () => ({}), (r) => {
        expect(r.x[a0] >>> 0).toBe(base);
        expect(r.x[a1] >>> 0).toBe(base + 4 + 0x1000);
        expect(r.x[a2] >>> 0).toBe((base + 8 + 0x8000_0000) % 2 ** 32);
        expect(r.x[a3] >>> 0).toBe(base + 12 - 0x1000);
      });
    }
  });

  it('fence changes nothing', () => {
    const m = machineWith([A.addi(a0, a1, 1), A.fence(), A.addi(a0, a0, 1), A.wfi()]);
    runHot(m, BASE, (run) => ({ [a1]: run }), (r, run) => expect(r.x[a0]).toBe(run + 2));
  });
});

describe('x0', () => {
  it('is never written, by ALU ops, loads, lui/auipc or jumps, and reads as 0 afterwards', () => {
    const m = machineWith([
      A.addi(0, a1, 5),
      A.add(0, a1, a1),
      A.lui(0, 0x12345),
      A.auipc(0, 1),
      A.lw(0, s0, 0),
      A.mul(0, a1, a1),
      A.add(a0, 0, 0),
      A.addi(a2, 0, 0),
      A.jal(0, 4),
      A.wfi(),
    ]);
    runHot(m, BASE, (run) => ({ [a1]: run + 7, [s0]: DATA, [a0]: 99, [a2]: 99 }), (r) => {
      expect(r.x[0]).toBe(0);
      expect(r.x[a0]).toBe(0);
      expect(r.x[a2]).toBe(0);
    }, { before: () => pokeWord(m, DATA, 0x5a5a_5a5a) });
  });
});

describe('RV32I branches', () => {
  // Forward: branch at 0x00 to 0x0c; fall-through marks a0 = 1, the target a0 = 2.
  const forward = (op: (rs1: number, rs2: number, offset: number) => number): Insn[] => [
    op(a1, a2, 12), A.addi(a0, 0, 1), A.wfi(), A.addi(a0, 0, 2), A.wfi(),
  ];
  // Backward: the entry at 0x08 branches back to 0x00.
  const backward = (op: (rs1: number, rs2: number, offset: number) => number): Insn[] => [
    A.addi(a0, 0, 2), A.wfi(), op(a1, a2, -8), A.addi(a0, 0, 1), A.wfi(),
  ];
  const ops = { beq: A.beq, bne: A.bne, blt: A.blt, bge: A.bge, bltu: A.bltu, bgeu: A.bgeu } as const;
  const pairs: [number, number][] = [[1, 1], [1, 2], [2, 1], [-1, 1], [1, -1], [INT_MIN, INT_MAX], [INT_MAX, INT_MIN], [-1, -1], [0, INT_MIN]];

  for (const [name, op] of Object.entries(ops)) {
    for (const [direction, program, entry] of [['forward', forward(op), BASE], ['backward', backward(op), BASE + 8]] as const) {
      it(`${name} ${direction}: taken and not taken as the reference says, with fresh inputs each run`, () => {
        const m = machineWith(program);
        let pair: [number, number] = [0, 0];
        let taken = 0;
        runHot(m, entry, (run) => {
          pair = pairs[run % pairs.length]!;
          return { [a1]: pair[0], [a2]: pair[1] };
        }, (r) => {
          const want = REF_BRANCH[name]!(pair[0], pair[1]);
          if (want) taken++;
          expect(r.x[a0], `${name}(${pair[0]}, ${pair[1]})`).toBe(want ? 2 : 1);
          expect(r.icount).toBe(3);
        });
        expect(taken).toBeGreaterThan(0);
        expect(taken).toBeLessThan(HOT_RUNS);
      });
    }
  }

  it('a branch comparing a register with itself is decided without reading it twice wrongly', () => {
    const m = machineWith([A.beq(a1, a1, 12), A.addi(a0, 0, 1), A.wfi(), A.addi(a0, 0, 2), A.wfi()]);
    runHot(m, BASE, (run) => ({ [a1]: run * 12345 }), (r) => expect(r.x[a0]).toBe(2));
  });

  it('a hot counted loop (compiled into a JS loop) runs exactly its trip count', () => {
    // s0 = n; loop: a0 += s0; s0 -= 1; bne s0, x0, loop
    const m = machineWith([A.addi(a0, a0, 0), A.add(a0, a0, s0), A.addi(s0, s0, -1), A.bne(s0, 0, -8), A.wfi()]);
    runHot(m, BASE, (run) => ({ [s0]: run + 1 }), (r, run) => {
      const n = run + 1;
      expect(r.x[a0]).toBe((n * (n + 1)) / 2);
      expect(r.x[s0]).toBe(0);
      expect(r.icount).toBe(1 + 3 * n + 1);
    }, { compiled: false });
    expect(isCompiledAt(m, BASE + 4)).toBe(true);
  });
});

describe('RV32I jumps', () => {
  it('jal links pc+4 and jumps; with rd = x0 it only jumps', () => {
    const m = machineWith([A.jal(a0, 8), A.addi(a1, 0, 1), A.jal(0, 8), A.addi(a2, 0, 1), A.wfi()]);
    runHot(m, BASE, () => ({}), (r) => {
      expect(r.x[a0] >>> 0).toBe(BASE + 4);
      expect(r.x[a1]).toBe(0);
      expect(r.x[a2]).toBe(0);
      expect(r.x[0]).toBe(0);
      expect(r.icount).toBe(3);
    }, { compiled: false });
  });

  it('jal jumps backwards', () => {
    const m = machineWith([A.addi(a1, 0, 7), A.wfi(), A.jal(ra, -8), A.wfi()]);
    runHot(m, BASE + 8, () => ({}), (r) => {
      expect(r.x[ra] >>> 0).toBe(BASE + 12);
      expect(r.x[a1]).toBe(7);
    });
  });

  // jalr at 0x00; 0x04 marks a fall-through; the target 0x0c marks a3 = 1.
  const jalrProgram = (rd: number, rs1: number, imm: number): Insn[] => [
    A.jalr(rd, rs1, imm), A.addi(a2, 0, 1), A.wfi(), A.addi(a3, 0, 1), A.wfi(),
  ];
  const target = BASE + 12;
  const jalrCases: [string, number, number, number, number][] = [
    ['links pc+4 and jumps to rs1 + imm', a0, a1, 4, target - 4],
    ['takes a negative immediate', a0, a1, -16, target + 16],
    ['clears bit 0 of the target', a0, a1, 0, target + 1],
    ['with rd = rs1 jumps to the old rs1 and then links', a1, a1, 0, target],
    ['with rd = x0 only jumps', 0, a1, 0, target],
  ];
  for (const [what, rd, rs1, imm, rs1Value] of jalrCases) {
    it(`jalr ${what}`, () => {
      const m = machineWith(jalrProgram(rd, rs1, imm));
      runHot(m, BASE, () => ({ [rs1]: rs1Value }), (r) => {
        expect(r.x[a3]).toBe(1);
        expect(r.x[a2]).toBe(0);
        if (rd !== 0) expect(r.x[rd] >>> 0).toBe(BASE + 4);
        if (rd !== rs1) expect(r.x[rs1]).toBe(rs1Value | 0);
        expect(r.x[0]).toBe(0);
      });
    });
  }
});

describe('RV32I loads and stores', () => {
  // DATA: 80 ff 7f 01 | 23 45 67 89 | fe dc ba 98 | ...
  const bytes = [0x80, 0xff, 0x7f, 0x01, 0x23, 0x45, 0x67, 0x89, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10];
  const le = (at: number, n: number): number => {
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + bytes[at + i]!;
    return v;
  };
  const sext = (v: number, bits: number): number => (v << (32 - bits)) >> (32 - bits);
  const ops = { lb: A.lb, lbu: A.lbu, lh: A.lh, lhu: A.lhu, lw: A.lw } as const;
  const width = { lb: 1, lbu: 1, lh: 2, lhu: 2, lw: 4 } as const;
  const signed = { lb: true, lbu: false, lh: true, lhu: false, lw: true } as const;

  for (const name of Object.keys(ops) as (keyof typeof ops)[]) {
    for (const at of [0, 1, 2, 3, 5, 7]) {
      const aligned = at % width[name] === 0;
      it(`${name} at offset ${at} (${aligned ? 'aligned' : 'misaligned, performed not trapped'}) ${signed[name] ? 'sign' : 'zero'}-extends`, () => {
        const m = machineWith([ops[name](a0, a1, at), ops[name](a2, a3, -8 + at), A.wfi()]);
        poke(m, DATA, bytes);
        const raw = le(at, width[name]);
        const want = signed[name] ? sext(raw, 8 * width[name]) : raw | 0;
        runHot(m, BASE, () => ({ [a1]: DATA, [a3]: DATA + 8 }), (r) => {
          expect(r.x[a0], `${name} ${at}(DATA)`).toBe(want);
          expect(r.x[a2], `${name} ${-8 + at}(DATA + 8)`).toBe(want);
          expect(m.cpu.mcause).toBe(0);
        });
      });
    }
  }

  const stores = { sb: A.sb, sh: A.sh, sw: A.sw } as const;
  const storeWidth = { sb: 1, sh: 2, sw: 4 } as const;
  for (const name of Object.keys(stores) as (keyof typeof stores)[]) {
    for (const at of [0, 1, 2, 3, 62]) {
      it(`${name} at offset ${at} writes exactly its ${storeWidth[name]} bytes${at % storeWidth[name] ? ' (misaligned, performed)' : ''}`, () => {
        const m = machineWith([stores[name](a2, a1, at), A.wfi()]);
        const value = 0x8765_4321 | 0;
        runHot(m, BASE, () => ({ [a1]: DATA, [a2]: value }), () => {
          const want = new Array(72).fill(0xaa);
          for (let i = 0; i < storeWidth[name]; i++) want[at + i] = (value >>> (8 * i)) & 0xff;
          expect(peek(m, DATA, 72)).toEqual(want);
        }, { before: () => poke(m, DATA, new Array(72).fill(0xaa)) });
      });
    }
  }

  it('loads from an MMIO device sign- or zero-extend like RAM loads', () => {
    // CLINT mtimecmp resets to all ones.
    const m = machineWith([A.lb(a0, a1, 0), A.lbu(a2, a1, 1), A.lh(a3, a1, 2), A.lhu(a4, a1, 0), A.lw(a5, a1, 4), A.wfi()]);
    runHot(m, BASE, () => ({ [a1]: 0x0200_4000 }), (r) => {
      expect([r.x[a0], r.x[a2], r.x[a3], r.x[a4], r.x[a5]]).toEqual([-1, 0xff, -1, 0xffff, -1]);
    });
  });

  it('narrow stores to an MMIO device change only their bytes, and the code after them still runs', () => {
    // mtimecmp_lo = 0x11223344 via sw, then sb 0xaa at +1 and sh 0xbbcc at +2, read back.
    const m = machineWith([A.sw(a2, a1, 0), A.sb(a3, a1, 1), A.sh(a4, a1, 2), A.lw(a0, a1, 0), A.addi(a5, 0, 7), A.wfi()]);
    runHot(m, BASE, () => ({ [a1]: 0x0200_4000, [a2]: 0x1122_3344, [a3]: 0xaa, [a4]: 0xbbcc }), (r) => {
      expect(r.x[a0] >>> 0).toBe(0xbbcc_aa44);
      expect(r.x[a5]).toBe(7);
      expect(r.icount).toBe(6);
    });
  });

  it('a load after a store to the same address in one block sees the stored value', () => {
    const m = machineWith([A.sw(a2, a1, 0), A.lw(a0, a1, 0), A.sh(a3, a1, 1), A.lw(a4, a1, 0), A.lbu(a5, a1, 2), A.wfi()]);
    runHot(m, BASE, (run) => ({ [a1]: DATA + 4 * run, [a2]: 0x1122_3344 + run, [a3]: 0xbeef }), (r, run) => {
      expect(r.x[a0]).toBe(0x1122_3344 + run);
      expect(r.x[a4] >>> 0).toBe(((0x1122_3344 + run) & 0xff0000ff) + 0xbeef00 >>> 0);
      expect(r.x[a5]).toBe(0xbe);
    });
  });
});

describe('M extension', () => {
  const cases: [RrName, number, number, number][] = [
    ['mul', INT_MIN, -1, INT_MIN],
    ['mul', 0x10000, 0x10000, 0],
    ['mul', -1, -1, 1],
    ['mul', 0x12345678, 0x9abcdef, Number(BigInt.asIntN(32, 0x12345678n * 0x9abcdefn))],
    ['mulh', -1, -1, 0],
    ['mulh', INT_MIN, INT_MIN, 0x4000_0000],
    ['mulh', INT_MIN, INT_MAX, -0x4000_0000],
    ['mulh', -1, 1, -1],
    ['mulhu', -1, -1, -2],
    ['mulhu', INT_MIN, 2, 1],
    ['mulhsu', -1, -1, -1],
    ['mulhsu', INT_MIN, -1, INT_MIN],
    ['mulhsu', 1, -1, 0],
    ['div', 7, 0, -1],
    ['div', INT_MIN, -1, INT_MIN],
    ['div', -7, 2, -3],
    ['div', 7, -2, -3],
    ['divu', 7, 0, -1],
    ['divu', -7, 2, 0x7fff_fffc],
    ['divu', INT_MIN, -1, 0],
    ['rem', 7, 0, 7],
    ['rem', INT_MIN, -1, 0],
    ['rem', -7, 2, -1],
    ['rem', 7, -2, 1],
    ['remu', -7, 0, -7],
    ['remu', -7, 2, 1],
    ['remu', 5, -1, 5],
  ];
  for (const [name, a, b, want] of cases) {
    it(`${name} of ${a} and ${b} is ${want}`, () => expectRr(name, a, b, want));
  }

  const int32 = fc.oneof(fc.integer({ min: INT_MIN, max: INT_MAX }), fc.constantFrom(0, 1, -1, INT_MIN, INT_MAX, 0xffff, 0x10000, -0x10000));
  for (const name of ['mul', 'mulh', 'mulhsu', 'mulhu', 'div', 'divu', 'rem', 'remu'] as const) {
    it(`${name} equals the BigInt reference for any operands, interpreted and compiled`, () => {
      const m = machineWith([RR[name](a0, a1, a2), A.wfi()]);
      let runs = 0;
      fc.assert(
        fc.property(int32, int32, (a, b) => {
          runs++;
          const r = runToWfi(m, BASE, { [a1]: a, [a2]: b });
          expect(r.x[a0]).toBe(REF_RR[name]!(a, b));
        }),
        // Past the threshold: the last 300 runs or so are compiled.
        { numRuns: HOT_RUNS + 300, seed: 0x5eed + name.length },
      );
      expect(runs).toBeGreaterThan(20);
      expect(isCompiledAt(m, BASE)).toBe(true);
    });
  }
});

describe('A extension', () => {
  /** mtvec points at a WFI so a trap ends the run. */
  const TRAP = BASE + 0x100;
  const atomicMachine = (program: Insn[]) => {
    const m = machineWith(program);
    m.ram.load(TRAP - BASE, A.assemble([A.wfi()]));
    m.cpu.mtvec = TRAP;
    return m;
  };

  it('lr.w then sc.w to the same address succeeds (rd = 0) and stores', () => {
    const m = atomicMachine([A.lr_w(a0, a1), A.addi(a0, a0, 1), A.sc_w(a2, a0, a1), A.lw(a3, a1, 0), A.wfi()]);
    runHot(m, BASE, () => ({ [a1]: DATA, [a2]: 99 }), (r, run) => {
      expect(r.x[a0]).toBe(1000 + run + 1);
      expect(r.x[a2]).toBe(0);
      expect(r.x[a3]).toBe(1000 + run + 1);
    }, { compiled: false, before: (run) => pokeWord(m, DATA, 1000 + run) });
  });

  it('sc.w without a reservation fails (rd = 1) and does not store', () => {
    const m = atomicMachine([A.sc_w(a2, a0, a1), A.lw(a3, a1, 0), A.wfi()]);
    m.cpu.reservation = -1;
    runHot(m, BASE, () => ({ [a1]: DATA, [a0]: 7 }), (r) => {
      expect(r.x[a2]).toBe(1);
      expect(r.x[a3]).toBe(1234);
    }, { compiled: false, before: () => pokeWord(m, DATA, 1234) });
  });

  it('sc.w to another address than the reservation fails, and a second sc.w after a success fails', () => {
    const m = atomicMachine([
      A.lr_w(a0, a1), A.addi(a4, a1, 4), A.sc_w(a2, a0, a4),
      A.lr_w(a0, a1), A.sc_w(a3, a0, a1), A.sc_w(a5, a0, a1), A.wfi(),
    ]);
    runHot(m, BASE, () => ({ [a1]: DATA }), (r) => {
      expect(r.x[a2]).toBe(1);
      expect(r.x[a3]).toBe(0);
      expect(r.x[a5]).toBe(1);
      expect(peekWord(m, DATA + 4)).toBe(0x0bad);
    }, { compiled: false, before: () => pokeWord(m, DATA + 4, 0x0bad) });
  });

  const amos: [string, (rd: number, rs2: number, rs1: number) => number, (old: number, src: number) => number][] = [
    ['amoswap.w', A.amoswap_w, (_o, s) => s],
    ['amoadd.w', A.amoadd_w, (o, s) => (o + s) | 0],
    ['amoxor.w', A.amoxor_w, (o, s) => o ^ s],
    ['amoand.w', A.amoand_w, (o, s) => o & s],
    ['amoor.w', A.amoor_w, (o, s) => o | s],
    ['amomin.w', A.amomin_w, (o, s) => Math.min(o, s)],
    ['amomax.w', A.amomax_w, (o, s) => Math.max(o, s)],
    ['amominu.w', A.amominu_w, (o, s) => (o >>> 0 < s >>> 0 ? o : s)],
    ['amomaxu.w', A.amomaxu_w, (o, s) => (o >>> 0 > s >>> 0 ? o : s)],
  ];
  const amoPairs: [number, number][] = [[-5, 3], [3, -5], [INT_MIN, INT_MAX], [0x0f0f_0f0f, 0x00ff_00ff], [INT_MAX, 1], [-1, -1]];
  for (const [name, op, ref] of amos) {
    it(`${name} returns the old value and stores the reference result`, () => {
      const m = atomicMachine([op(a0, a2, a1), A.lw(a3, a1, 0), A.wfi()]);
      let pair: [number, number] = [0, 0];
      runHot(m, BASE, (run) => {
        pair = amoPairs[run % amoPairs.length]!;
        pokeWord(m, DATA + 8, pair[0]);
        return { [a1]: DATA + 8, [a2]: pair[1] };
      }, (r) => {
        expect(r.x[a0], `${name} old`).toBe(pair[0] | 0);
        expect(r.x[a3], `${name}(${pair[0]}, ${pair[1]})`).toBe(ref(pair[0], pair[1]) | 0);
        expect(r.x[a2]).toBe(pair[1] | 0);
      }, { compiled: false });
    });
  }

  it('an AMO with rd = rs2 returns the old value and stores the result computed from the old rs2', () => {
    const m = atomicMachine([A.amoadd_w(a2, a2, a1), A.lw(a3, a1, 0), A.wfi()]);
    runHot(m, BASE, () => ({ [a1]: DATA, [a2]: 5 }), (r) => {
      expect(r.x[a2]).toBe(10);
      expect(r.x[a3]).toBe(15);
    }, { compiled: false, before: () => pokeWord(m, DATA, 10) });
  });

  for (const [name, insn, cause] of [
    ['amoadd.w', A.amoadd_w(a0, a2, a1), 6],
    ['amoswap.w', A.amoswap_w(a0, a2, a1), 6],
    ['sc.w', A.sc_w(a0, a2, a1), 6],
    ['lr.w', A.lr_w(a0, a1), 4],
  ] as const) {
    it(`a misaligned ${name} traps with mcause ${cause}, mtval = the address, and changes nothing`, () => {
      const m = atomicMachine([insn, A.wfi()]);
      runHot(m, BASE, () => ({ [a1]: DATA + 2, [a0]: 77, [a2]: 1 }), (r) => {
        expect(r.pc).toBe(TRAP + 4);
        expect(m.cpu.mcause).toBe(cause);
        expect(m.cpu.mtval >>> 0).toBe(DATA + 2);
        expect(m.cpu.mepc >>> 0).toBe(BASE);
        expect(r.x[a0]).toBe(77);
        expect(peek(m, DATA, 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      }, { compiled: false, before: () => poke(m, DATA, [1, 2, 3, 4, 5, 6, 7, 8]) });
    });
  }
});

describe('C extension', () => {
  // [name, compressed, 32-bit equivalent]. s1 and sp point at DATA for the memory forms.
  const pairs: [string, A.Compressed, number][] = [
    ['c.addi', A.c_addi(a0, -7), A.addi(a0, a0, -7)],
    ['c.li', A.c_li(t6, -32), A.addi(t6, 0, -32)],
    ['c.lui (negative)', A.c_lui(a0, -1), A.lui(a0, 0xfffff)],
    ['c.lui', A.c_lui(a3, 17), A.lui(a3, 17)],
    ['c.addi16sp', A.c_addi16sp(-512), A.addi(sp, sp, -512)],
    ['c.addi4spn', A.c_addi4spn(a2, 1020), A.addi(a2, sp, 1020)],
    ['c.slli', A.c_slli(a0, 31), A.slli(a0, a0, 31)],
    ['c.srli', A.c_srli(a5, 3), A.srli(a5, a5, 3)],
    ['c.srai', A.c_srai(s0, 31), A.srai(s0, s0, 31)],
    ['c.andi', A.c_andi(a0, -3), A.andi(a0, a0, -3)],
    ['c.sub', A.c_sub(a0, a1), A.sub(a0, a0, a1)],
    ['c.xor', A.c_xor(s0, a1), A.xor(s0, s0, a1)],
    ['c.or', A.c_or(a2, a3), A.or(a2, a2, a3)],
    ['c.and', A.c_and(a0, a4), A.and(a0, a0, a4)],
    ['c.mv', A.c_mv(a0, t6), A.add(a0, 0, t6)],
    ['c.add', A.c_add(a0, t6), A.add(a0, a0, t6)],
    ['c.lw', A.c_lw(a0, s1, 4), A.lw(a0, s1, 4)],
    ['c.sw', A.c_sw(a0, s1, 124), A.sw(a0, s1, 124)],
    ['c.lwsp', A.c_lwsp(t6, 252), A.lw(t6, sp, 252)],
    ['c.swsp', A.c_swsp(a5, 128), A.sw(a5, sp, 128)],
  ];
  const memory = Array.from({ length: 256 }, (_, i) => (i * 37 + 11) & 0xff);

  for (const [name, compressed, full] of pairs) {
    it(`${name} has the same effect as its 32-bit equivalent`, () => {
      const mc = machineWith([compressed, A.wfi()]);
      const mf = machineWith([full, A.wfi()]);
      const next = prng(name.length * 31 + name.charCodeAt(2));
      for (let run = 0; run < HOT_RUNS; run++) {
        const inputs: Record<number, number> = {};
        for (let r = 1; r < 32; r++) inputs[r] = edgeOrRandom(next);
        inputs[s1] = DATA;
        if (name !== 'c.addi16sp' && name !== 'c.addi4spn') inputs[sp] = DATA;
        poke(mc, DATA, memory);
        poke(mf, DATA, memory);
        const c = runToWfi(mc, BASE, inputs);
        const f = runToWfi(mf, BASE, inputs);
        if (!isCheckedRun(run)) continue;
        expect(c.x, `${name} registers, run ${run}`).toEqual(f.x);
        expect(peek(mc, DATA, 256), `${name} memory, run ${run}`).toEqual(peek(mf, DATA, 256));
        expect(c.icount).toBe(2);
      }
      expect(isCompiledAt(mc, BASE)).toBe(true);
      expect(isCompiledAt(mf, BASE)).toBe(true);
    });
  }

  it('c.j and c.jal jump by their offset; c.jal links pc+2', () => {
    // 0x00 c.jal +8 → 0x08; 0x02 c.li a1, 1 (skipped); 0x04 wfi; 0x08 c.li a2, 1; 0x0a c.j -6 → 0x04
    const m = machineWith([A.c_jal(8), A.c_li(a1, 1), A.wfi(), A.c_li(a2, 1), A.c_j(-6)]);
    runHot(m, BASE, () => ({}), (r) => {
      expect(r.x[ra] >>> 0).toBe(BASE + 2);
      expect(r.x[a1]).toBe(0);
      expect(r.x[a2]).toBe(1);
      expect(r.pc).toBe(BASE + 8);
    }, { compiled: false });
  });

  it('c.jr jumps to rs1; c.jalr also links pc+2', () => {
    // 0x00 c.jalr a1; 0x02 c.jr a3; 0x04 c.li a2, 1 (skipped); 0x06 wfi; 0x0a c.li a4, 1; 0x0c c.jr ra
    const m = machineWith([A.c_jalr(a1), A.c_jr(a3), A.c_li(a2, 1), A.wfi(), A.c_li(a4, 1), A.c_jr(ra)]);
    runHot(m, BASE, () => ({ [a1]: BASE + 0x0a, [a3]: BASE + 0x06 }), (r) => {
      expect(r.x[ra] >>> 0).toBe(BASE + 2);
      expect(r.x[a4]).toBe(1);
      expect(r.x[a2]).toBe(0);
      expect(r.pc).toBe(BASE + 0x0a);
    }, { compiled: false });
  });

  for (const [name, op, takenWhenZero] of [['c.beqz', A.c_beqz, true], ['c.bnez', A.c_bnez, false]] as const) {
    it(`${name} branches ${takenWhenZero ? 'when' : 'unless'} rs1 is zero, forward and backward`, () => {
      // 0x00 c.li a0, 2; 0x02 wfi; 0x06 op s0, -6 → 0x00; 0x08 op s0, +6 → 0x0e; 0x0a c.li a0, 1; 0x0c c.j -10 → 0x02; 0x0e c.li a0, 3; 0x10 wfi
      const m = machineWith([A.c_li(a0, 2), A.wfi(), op(s0, -6), op(s1, 6), A.c_li(a0, 1), A.c_j(-10), A.c_li(a0, 3), A.wfi()]);
      const values = [0, 1, -1, INT_MIN];
      let s0v = 0;
      let s1v = 0;
      runHot(m, BASE + 6, (run) => {
        s0v = values[run % 4]!;
        s1v = values[(run >> 2) % 4]!;
        return { [s0]: s0v, [s1]: s1v };
      }, (r) => {
        const taken = (v: number) => (v === 0) === takenWhenZero;
        expect(r.x[a0]).toBe(taken(s0v) ? 2 : taken(s1v) ? 3 : 1);
      });
    });
  }

  it('a mix of compressed and 32-bit instructions runs in one block', () => {
    const m = machineWith([A.c_li(a0, 5), A.addi(a0, a0, 100), A.c_slli(a0, 2), A.lui(a1, 1), A.c_add(a0, a1), A.wfi()]);
    runHot(m, BASE, () => ({}), (r) => {
      expect(r.x[a0]).toBe(((5 + 100) << 2) + 0x1000);
      expect(r.icount).toBe(6);
    });
  });
});
