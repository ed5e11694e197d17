// loopRegion on small hand-assembled programs: which code a region holds, where its edges go,
// and the analysis the structured code generator relies on (reverse postorder, dominators,
// loop headers, merge nodes, longest paths between budget checks).
import { describe, expect, it } from 'vitest';
import type { BlockInstruction } from '../../../src/machine/cpu/instruction-source.js';
import { decode16, decode32, packDecoded, type Decoded } from '../../../src/machine/cpu/decode.js';
import { loopRegion, type Edge, type RegionGraph } from '../../../src/machine/cpu/region-graph.js';
import * as A from './asm.js';
import { BASE } from './harness.js';

const { a0, a1, a2, a3, a4, t5, ra, s11 } = A.Reg;
const MSTATUS = 0x300;
/** RAM the fake fetch serves: two 4 KiB pages. */
const RAM_BYTES = 0x2000;

/** Program pieces placed at RAM offsets. */
type Layout = readonly (readonly [offset: number, program: readonly (A.Insn | readonly A.Insn[])[]])[];

/**
 * A fetch over `layout` decoding as `Cpu.blockInstructionAt` does (pc = physical address);
 * null outside the loaded pieces.
 */
function fetcher(layout: Layout): (offset: number) => BlockInstruction | null {
  const ram = new Uint8Array(RAM_BYTES);
  const loaded = new Uint8Array(RAM_BYTES);
  for (const [at, program] of layout) {
    const bytes = A.assemble(program);
    ram.set(bytes, at);
    loaded.fill(1, at, at + bytes.length);
  }
  return (off) => {
    if (off + 2 > RAM_BYTES || loaded[off] === 0) return null;
    const low = ram[off]! | (ram[off + 1]! << 8);
    const d: Decoded = { op: 0, rd: 0, rs1: 0, rs2: 0, imm: 0, length: 4 };
    if ((low & 3) !== 3) {
      d.length = 2;
      decode16(low, d);
    } else {
      if (off + 4 > RAM_BYTES || loaded[off + 2] === 0) return null;
      decode32((low | (ram[off + 2]! << 16) | (ram[off + 3]! << 24)) | 0, d);
    }
    return { ...d, pc: (BASE + off) | 0, word: packDecoded(d) };
  };
}

interface Options {
  entry?: number;
  lo?: number;
  hi?: number;
  maxInsns?: number;
  vpcDelta?: number;
}

function graphOf(layout: Layout, { entry = 0, lo = 0, hi = RAM_BYTES, maxInsns = 256, vpcDelta = 0 }: Options = {}): RegionGraph | null {
  return loopRegion(entry, { lo, hi, maxInsns, vpcDelta, instructionAt: fetcher(layout) });
}

const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;

/**
 * One line per node, sorted by RAM offset: `@offset ×insns [header] [merge] maxPath=n
 * idom=@offset taken=… fall=…`, an edge being `@offset` (a node) or `exit hex-pc`.
 */
function shape(g: RegionGraph): string[] {
  const at = (i: number): string => `@${hex(g.nodes[i]!.offset)}`;
  const edge = (e: Edge | null): string => (e === null ? '-' : 'node' in e ? at(e.node) : `exit ${hex(e.exitPc)}`);
  return g.nodes
    .map((n, i) => ({ offset: n.offset, line: [`${at(i)} ×${n.insns.length}`, g.loopHeader[i] ? 'header' : '', g.merge[i] ? 'merge' : '', `maxPath=${g.maxPath[i]}`, `idom=${at(g.idom[i]!)}`, `taken=${edge(n.taken)}`, `fall=${edge(n.fall)}`].filter((s) => s !== '').join(' ') }))
    .sort((p, q) => p.offset - q.offset)
    .map((p) => p.line);
}

/** idom chain walk: true when node a dominates node b (a root is its own idom). */
function dominates(g: RegionGraph, a: number, b: number): boolean {
  for (;;) {
    if (a === b) return true;
    if (g.idom[b] === b) return false;
    b = g.idom[b]!;
  }
}

/** What the code generator relies on, whatever the program. */
function checkInvariants(g: RegionGraph, entry: number): void {
  const first = g.roots[0]!;
  expect(g.nodes[first]!.offset, 'the first root is the entry').toBe(entry);
  g.roots.forEach((r, i) => {
    expect(g.idom[r], 'a root is its own idom').toBe(r);
    expect(g.rootOf[r]).toBe(i);
  });
  expect(g.rootOf.filter((e) => e !== -1)).toHaveLength(g.roots.length);
  g.nodes.forEach((n, i) => {
    if (g.rootOf[i] === -1) {
      expect(g.idom[i]!, `idom of node ${i} comes before it`).toBeLessThan(i);
      expect(g.rootOf[g.idom[i]!] !== -1 || g.idom[g.idom[i]!] !== g.idom[i], 'only roots are their own idom').toBe(true);
    }
    for (const e of [n.taken, n.fall]) {
      if (e === null || !('node' in e)) continue;
      expect(e.node).toBeLessThan(g.nodes.length);
      // Reducible once the roots are taken out: every edge that does not go forward in reverse
      // postorder goes to a dominator (a back edge to a loop header) or into a root.
      if (e.node <= i && g.rootOf[e.node] === -1) {
        expect(dominates(g, e.node, i), `edge ${i} -> ${e.node} goes back to a dominator`).toBe(true);
        expect(g.loopHeader[e.node]).toBe(true);
      }
      // A node that is not a root is reached from one root's tree only.
      if (g.rootOf[e.node] === -1) expect(rootAbove(g, e.node)).toBe(rootAbove(g, i));
    }
  });
  // The entry heads the loop or is entered again by a dispatch: some edge comes back to it.
  expect(g.nodes.some((n) => [n.taken, n.fall].some((e) => e !== null && 'node' in e && e.node === first))).toBe(true);
  expect(g.vpc).toBe(g.nodes[first]!.insns[0]!.pc);
  const ranges: number[] = [];
  for (const n of g.nodes) ranges.push(n.offset, n.offset + n.insns.reduce((s, d) => s + d.length, 0));
  expect(g.ranges).toEqual(ranges);
}

/** The root whose tree holds node i. */
function rootAbove(g: RegionGraph, i: number): number {
  while (g.idom[i] !== i) i = g.idom[i]!;
  return i;
}

/** Byte offsets of every instruction a region holds. */
const coveredOffsets = (g: RegionGraph): number[] =>
  g.nodes.flatMap((n) => {
    let at = n.offset;
    return n.insns.map((d) => {
      const here = at;
      at += d.length;
      return here;
    });
  }).sort((p, q) => p - q);

interface Case {
  name: string;
  layout: Layout;
  options?: Options;
  /** Lines of `shape`, or null when no region is built. */
  expected: string[] | null;
}

const selfLoop: Layout = [[0, [A.addi(a0, a0, 1), A.addi(s11, s11, -1), A.bne(s11, 0, -8), A.wfi()]]];

// 0: beq a0, x0, else; then: a1 += 1; jal end; else: a2 += 1; end: s11 -= 1; bne s11, x0, 0; wfi
const diamond: Layout = [[0, [A.beq(a0, 0, 12), A.addi(a1, a1, 1), A.jal(0, 8), A.addi(a2, a2, 1), A.addi(s11, s11, -1), A.bne(s11, 0, -20), A.wfi()]]];

// outer: t5 = 3; a0 += 1; inner: a1 += 1; t5 -= 1; bne t5, x0, inner; s11 -= 1; bne s11, x0, outer; wfi
const nested: Layout = [[0, [A.addi(t5, 0, 3), A.addi(a0, a0, 1), A.addi(a1, a1, 1), A.addi(t5, t5, -1), A.bne(t5, 0, -8), A.addi(s11, s11, -1), A.bne(s11, 0, -24), A.wfi()]]];

// 0: lw a1, 0(a0); beq a1, x0, found; a0 += 4; s11 -= 1; bne s11, x0, 0; wfi; found: a2 = 1; wfi
const earlyExit: Layout = [[0, [A.lw(a1, a0, 0), A.beq(a1, 0, 20), A.addi(a0, a0, 4), A.addi(s11, s11, -1), A.bne(s11, 0, -16), A.wfi(), A.addi(a2, 0, 1), A.wfi()]]];

/** 0: a0 += 1; beq a0, x0, tail; `stop`; a3 += 1 (reached only after `stop`); tail: s11 -= 1; bne s11, x0, 0; wfi. */
const stopsAt = (stop: A.Insn): Layout => [[0, [A.addi(a0, a0, 1), A.beq(a0, 0, 12), stop, A.addi(a3, a3, 1), A.addi(s11, s11, -1), A.bne(s11, 0, -20), A.wfi()]]];

// 0: beq a0, x0, main; side arm: a1 += 1, 2, 3; jal 0; main: s11 -= 1; bne s11, x0, 0; wfi
const sideArm: Layout = [[0, [A.beq(a0, 0, 20), A.addi(a1, a1, 1), A.addi(a1, a1, 2), A.addi(a1, a1, 3), A.jal(0, -16), A.addi(s11, s11, -1), A.bne(s11, 0, -24), A.wfi()]]];

// A loop at the end of page 0 whose branch at 0xff4 goes to 0x1004 on page 1, which jumps back:
// 0xff0: a0 += 1; bne a0, a1, 0x1004; s11 -= 1; bne s11, x0, 0xff0; 0x1000: wfi; 0x1004: jal 0xff0
const acrossPages: Layout = [[0xff0, [A.addi(a0, a0, 1), A.bne(a0, a1, 16), A.addi(s11, s11, -1), A.bne(s11, 0, -12), A.wfi(), A.jal(0, -20)]]];

const cases: Case[] = [
  {
    name: 'a single-block self loop is one node heading its loop, maxPath its length',
    layout: selfLoop,
    expected: ['@0x0 ×3 header maxPath=3 idom=@0x0 taken=@0x0 fall=exit 0x8000000c'],
  },
  {
    name: 'a compressed self loop counts instructions, not bytes',
    // 0: c.addi a0, 1; c.addi a4, -1; c.bnez a4, 0; wfi
    layout: [[0, [A.c_addi(a0, 1), A.c_addi(a4, -1), A.c_bnez(a4, -4), A.wfi()]]],
    expected: ['@0x0 ×3 header maxPath=3 idom=@0x0 taken=@0x0 fall=exit 0x80000006'],
  },
  {
    name: 'an if/else diamond in a loop: both arms dominated by the header, the join is a merge node',
    layout: diamond,
    expected: [
      '@0x0 ×1 header maxPath=5 idom=@0x0 taken=@0xc fall=@0x4',
      '@0x4 ×2 maxPath=4 idom=@0x0 taken=@0x10 fall=-',
      '@0xc ×1 maxPath=3 idom=@0x0 taken=- fall=@0x10',
      '@0x10 ×2 merge maxPath=2 idom=@0x0 taken=@0x0 fall=exit 0x80000018',
    ],
  },
  {
    name: 'nested loops: the inner header is a loop header and the outer maxPath stops there',
    layout: nested,
    expected: [
      '@0x0 ×2 header maxPath=2 idom=@0x0 taken=- fall=@0x8',
      '@0x8 ×3 header maxPath=5 idom=@0x0 taken=@0x8 fall=@0x14',
      '@0x14 ×2 maxPath=2 idom=@0x8 taken=@0x0 fall=exit 0x8000001c',
    ],
  },
  {
    name: 'entered at the inner header of a nest, the region is the whole nest (the outer loop leads back to it through a forward edge): one budget check, at the entry',
    layout: nested,
    options: { entry: 8 },
    expected: [
      '@0x0 ×2 maxPath=2 idom=@0x14 taken=- fall=@0x8',
      '@0x8 ×3 header maxPath=7 idom=@0x8 taken=@0x8 fall=@0x14',
      '@0x14 ×2 maxPath=4 idom=@0x8 taken=@0x0 fall=exit 0x8000001c',
    ],
  },
  {
    name: 'an early exit leaves to the code it branches to, which is not part of the loop',
    layout: earlyExit,
    expected: [
      '@0x0 ×2 header maxPath=5 idom=@0x0 taken=exit 0x80000018 fall=@0x8',
      '@0x8 ×3 maxPath=3 idom=@0x0 taken=@0x0 fall=exit 0x80000014',
    ],
  },
  {
    name: 'straight code with a forward branch is not a region',
    layout: [[0, [A.addi(a0, a0, 1), A.beq(a0, 0, 8), A.addi(a1, a1, 1), A.wfi()]]],
    expected: null,
  },
  {
    name: 'an entry before a loop it does not belong to is not a region',
    // 0: a0 += 1; loop: s11 -= 1; bne s11, x0, loop; wfi
    layout: [[0, [A.addi(a0, a0, 1), A.addi(s11, s11, -1), A.bne(s11, 0, -4), A.wfi()]]],
    expected: null,
  },
  {
    name: 'an entry inside a self loop is a region of the loop turned to start there (the header falls back into it)',
    layout: selfLoop,
    options: { entry: 4 },
    expected: ['@0x0 ×1 maxPath=1 idom=@0x4 taken=- fall=@0x4', '@0x4 ×2 header maxPath=3 idom=@0x4 taken=@0x0 fall=exit 0x8000000c'],
  },
  {
    name: 'a JALR ends its path: the block ending in it is kept (its target may be a root), the code after it is not discovered',
    layout: stopsAt(A.jalr(0, ra, 0)),
    expected: [
      '@0x0 ×2 header maxPath=4 idom=@0x0 taken=@0x10 fall=@0x8',
      '@0x8 ×1 maxPath=1 idom=@0x0 taken=- fall=-',
      '@0x10 ×2 maxPath=2 idom=@0x0 taken=@0x0 fall=exit 0x80000018',
    ],
  },
  ...[
    ['a CSR write (a cold op)', A.csrw(MSTATUS, a4)],
    ['an ECALL', A.ecall()],
  ].map(([what, stop]) => ({
    name: `${what} ends its path: the code after it is not discovered and the path leaves the region`,
    layout: stopsAt(stop as A.Insn),
    expected: ['@0x0 ×2 header maxPath=4 idom=@0x0 taken=@0x10 fall=exit 0x80000008', '@0x10 ×2 maxPath=2 idom=@0x0 taken=@0x0 fall=exit 0x80000018'],
  })),
  {
    name: 'a CSR read (csrr) stays inside the region: it changes neither control flow nor translation',
    layout: [[0, [A.addi(a0, a0, 1), A.csrr(a4, MSTATUS), A.bne(a0, a1, -8), A.wfi()]]],
    expected: ['@0x0 ×3 header maxPath=3 idom=@0x0 taken=@0x0 fall=exit 0x8000000c'],
  },
  {
    name: 'with room for every instruction, a side arm that jumps back is part of the loop',
    layout: sideArm,
    expected: [
      '@0x0 ×1 header maxPath=5 idom=@0x0 taken=@0x14 fall=@0x4',
      '@0x4 ×4 maxPath=4 idom=@0x0 taken=@0x0 fall=-',
      '@0x14 ×2 maxPath=2 idom=@0x0 taken=@0x0 fall=exit 0x8000001c',
    ],
  },
  {
    name: 'the instruction cap cuts the code found last (the side arm), whose path then leaves the region',
    layout: sideArm,
    options: { maxInsns: 5 },
    expected: ['@0x0 ×1 header maxPath=3 idom=@0x0 taken=@0x14 fall=exit 0x80000004', '@0x14 ×2 maxPath=2 idom=@0x0 taken=@0x0 fall=exit 0x8000001c'],
  },
  {
    name: 'a loop cut by the instruction cap before its back edge is not a region',
    layout: sideArm,
    options: { maxInsns: 2 },
    expected: null,
  },
  {
    name: 'a self loop longer than the cap is not a region',
    layout: selfLoop,
    options: { maxInsns: 2 },
    expected: null,
  },
  {
    name: 'a paged window keeps the code on the next page out: the branch there leaves the region',
    layout: acrossPages,
    options: { entry: 0xff0, lo: 0, hi: 0x1000 },
    expected: ['@0xff0 ×2 header maxPath=4 idom=@0xff0 taken=exit 0x80001004 fall=@0xff8', '@0xff8 ×2 maxPath=2 idom=@0xff0 taken=@0xff0 fall=exit 0x80001000'],
  },
  {
    name: 'with a window over both pages the code on the next page is in the loop',
    layout: acrossPages,
    options: { entry: 0xff0, lo: 0, hi: 0x2000 },
    expected: [
      '@0xff0 ×2 header maxPath=4 idom=@0xff0 taken=@0x1004 fall=@0xff8',
      '@0xff8 ×2 maxPath=2 idom=@0xff0 taken=@0xff0 fall=exit 0x80001000',
      '@0x1004 ×1 maxPath=1 idom=@0xff0 taken=@0xff0 fall=-',
    ],
  },
  {
    name: 'a paged region runs at its virtual address: pcs and exits carry vpcDelta',
    layout: acrossPages,
    // Page 0 of RAM mapped at virtual 0x0040_0000.
    options: { entry: 0xff0, lo: 0, hi: 0x1000, vpcDelta: 0x0040_0000 - BASE },
    expected: ['@0xff0 ×2 header maxPath=4 idom=@0xff0 taken=exit 0x401004 fall=@0xff8', '@0xff8 ×2 maxPath=2 idom=@0xff0 taken=@0xff0 fall=exit 0x401000'],
  },
  {
    name: 'a 32-bit instruction running past the window ends the path before it',
    // 0xffa: c.addi a0, 1; c.bnez a4, 0xffa; then an addi at 0xffe straddling into page 1 (fall-through).
    layout: [[0xffa, [A.c_addi(a0, 1), A.c_bnez(a4, -2), A.addi(a1, a1, 1)]]],
    options: { entry: 0xffa, lo: 0, hi: 0x1000 },
    expected: ['@0xffa ×2 header maxPath=2 idom=@0xffa taken=@0xffa fall=exit 0x80000ffe'],
  },
];

describe('loopRegion', () => {
  for (const c of cases) {
    it(c.name, () => {
      const g = graphOf(c.layout, c.options);
      if (c.expected === null) {
        expect(g).toBeNull();
        return;
      }
      expect(g).not.toBeNull();
      checkInvariants(g!, c.options?.entry ?? 0);
      expect(shape(g!)).toEqual(c.expected);
    });
  }

  it('code reached only after a JALR or a cold op is never fetched', () => {
    for (const stop of [A.jalr(0, ra, 0), A.csrw(MSTATUS, a4)]) {
      const fetch = fetcher(stopsAt(stop));
      const fetched = new Set<number>();
      const instructionAt = (off: number) => {
        fetched.add(off);
        return fetch(off);
      };
      const g = loopRegion(0, { lo: 0, hi: RAM_BYTES, maxInsns: 256, vpcDelta: 0, instructionAt });
      expect(fetched.has(12), 'the instruction after the stop').toBe(false);
      // A JALR's block stays in the region (its target may be a root); a cold op is not compiled.
      expect(coveredOffsets(g!)).toEqual(stop === A.jalr(0, ra, 0) ? [0, 4, 8, 16, 20] : [0, 4, 16, 20]);
    }
  });

  it('an irreducible cycle (entered both at X and at Y) has one of its edges turned into an exit', () => {
    // E: beq a0, x0, Y; X: a1 += 1 (falls into Y); Y: s11 -= 1; blt s11, a3, X; Z: bne s11, x0, E; wfi
    const layout: Layout = [[0, [A.beq(a0, 0, 8), A.addi(a1, a1, 1), A.addi(s11, s11, -1), A.blt(s11, a3, -8), A.bne(s11, 0, -16), A.wfi()]]];
    const g = graphOf(layout)!;
    expect(g).not.toBeNull();
    checkInvariants(g, 0);
    const node = (offset: number) => g.nodes.find((n) => n.offset === offset)!;
    const index = (offset: number) => g.nodes.findIndex((n) => n.offset === offset);
    const x = node(4);
    const y = node(8);
    const xToY = x.fall!;
    const yToX = y.taken!;
    const exits = [xToY, yToX].filter((e) => 'exitPc' in e);
    expect(exits, 'exactly one cycle edge leaves the region').toHaveLength(1);
    // The edge that leaves goes to the pc of the node it used to reach.
    if ('exitPc' in xToY) {
      expect(xToY.exitPc).toBe((BASE + 8) | 0);
      expect(yToX).toEqual({ node: index(4) });
    } else {
      expect(yToX).toEqual({ exitPc: (BASE + 4) | 0 });
      expect(xToY).toEqual({ node: index(8) });
    }
    // Only the entry is a loop header: what is left of the cycle is forward code.
    expect(g.loopHeader.filter((h) => h)).toHaveLength(1);
    // Z still leads back to the entry; E's two edges stay in the region.
    expect(node(16).taken).toEqual({ node: 0 });
    expect(g.nodes[0]!.taken).toEqual({ node: index(8) });
    expect(g.nodes[0]!.fall).toEqual({ node: index(4) });
  });

  it('an irreducible cycle next to a reducible inner loop keeps the inner loop', () => {
    // E: beq a0, x0, Y; X: a1 += 1; Y: a2 += 1; blt a2, a3, X; I: t5 -= 1; bne t5, x0, I; bne s11, x0, E; wfi
    const layout: Layout = [[0, [A.beq(a0, 0, 8), A.addi(a1, a1, 1), A.addi(a2, a2, 1), A.blt(a2, a3, -8), A.addi(t5, t5, -1), A.bne(t5, 0, -4), A.bne(s11, 0, -24), A.wfi()]]];
    const g = graphOf(layout)!;
    checkInvariants(g, 0);
    const inner = g.nodes.findIndex((n) => n.offset === 16);
    expect(g.loopHeader[inner]).toBe(true);
    expect(g.nodes[inner]!.taken).toEqual({ node: inner });
  });
});
