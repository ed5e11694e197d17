import { X0_SINK } from './decode.js';
import { Op } from './op.js';
import * as alu from './alu.js';
import { BRANCHES, instructionSource, reg, type BlockContext, type BlockFn } from './instruction-source.js';
import { dominates, type Edge, type RegionGraph } from './region-graph.js';
import type { ExecTrace } from './exec-trace.js';
import { NO_PAGE } from './data-pages.js';

/**
 * Generates the body of a region's function as structured JS (after Ramsey, "Beyond Relooper",
 * 2022): the dominator tree is walked from the entry; a loop header becomes a labeled `for (;;)`
 * its back edges `continue`; a merge node (several forward predecessors) follows a labeled block
 * its predecessors `break` out of; any other node is written where its one predecessor branches
 * to it. No `switch` on pc: V8 compiles the result like hand-written loops. Guest registers live
 * in locals for the whole region; every exit breaks out of `out` to one epilogue that writes
 * them back. The budget is checked at each loop header against the longest path to the next
 * check, so a region never runs past it (`maxPath[r]` must fit when it is entered at root r).
 * A region with several roots (JALR targets it took in, see RegionGraph) writes each root's
 * tree as a case of a `switch` on the entry number inside a dispatch loop `D`; an edge into a
 * root from outside its tree sets the number and continues `D`, and the root checks the budget.
 * With a `trace`, the source is the instrumented variant: every instruction writes its entry
 * (see ExecTrace and instructionSource), named in `trace` as it is written.
 */
export function regionSource(g: RegionGraph, paged: boolean, ramBytes: number, trace: ExecTrace | null = null): string {
  const { nodes, roots, rootOf, idom, loopHeader, merge, maxPath } = g;
  const used = new Set<number>();
  const written = new Set<number>();
  for (const n of nodes) {
    for (const d of n.insns) {
      if (d.rs1 !== 0) used.add(d.rs1);
      if (d.rs2 !== 0) used.add(d.rs2);
      if (d.rd !== 0 && d.rd !== X0_SINK) {
        used.add(d.rd);
        written.add(d.rd);
      }
    }
  }
  const memos: string[] = [];
  const mergeChildren = nodes.map(() => [] as number[]);
  for (let i = nodes.length - 1; i >= 0; i--) if (merge[i]) mergeChildren[idom[i]!]!.push(i);

  const budgetCheck = (x: number): string => `if (k > budget - ${maxPath[x]}) { next = ${nodes[x]!.insns[0]!.pc}; break out; }`;
  const branch = (from: number, e: Edge): string => {
    if (!('node' in e)) return `{ next = ${e.exitPc}; break out; }`;
    const backEdge = e.node <= from && dominates(idom, e.node, from);
    if (rootOf[e.node] !== -1 && !backEdge) return `{ entry = ${rootOf[e.node]}; continue D; }`;
    if (e.node <= from) return `continue L${e.node};`;
    if (merge[e.node]) return `break B${e.node};`;
    return tree(e.node);
  };
  const nodeCode = (x: number): string => {
    const n = nodes[x]!;
    const last = n.insns[n.insns.length - 1]!;
    const lines: string[] = [];
    if (loopHeader[x]) lines.push(budgetCheck(x));
    const traceId = (i: number): number => (trace === null ? -1 : trace.register(n.insns[i]!.pc, n.offset + n.insns[i]!.pc - n.insns[0]!.pc));
    const straight = BRANCHES[last.op] !== undefined || last.op === Op.JAL || last.op === Op.JALR ? n.insns.length - 1 : n.insns.length;
    for (let i = 0; i < straight; i++) lines.push(instructionSource(n.insns[i]!, i, paged, ramBytes, traceId(i), memos));
    const after = (last.pc + last.length) | 0;
    const dest = last.rd === 0 || last.rd === X0_SINK ? null : `r${last.rd}`;
    // The jump or branch that ends the node: its entry (the link it writes) before it runs.
    if (trace !== null && straight < n.insns.length) lines.push(`ti[k + ${straight}] = ${traceId(straight)};${dest === null ? '' : ` tv[k + ${straight}] = ${after};`}`);
    lines.push(`k += ${n.insns.length};`);
    if (BRANCHES[last.op] !== undefined) {
      lines.push(`if (${BRANCHES[last.op]!(reg(last.rs1), reg(last.rs2))}) {`, branch(x, n.taken!), '}', branch(x, n.fall!));
    } else if (last.op === Op.JAL) {
      if (dest !== null) lines.push(`${dest} = ${after};`);
      lines.push(branch(x, n.taken!));
    } else if (last.op === Op.JALR) {
      // To a root of this region (a jump table's case, a return to code the region also
      // holds), control stays inside; elsewhere it leaves.
      const stay = roots.length === 1 ? '' : `switch (t) { ${roots.map((r, entry) => `case ${nodes[r]!.insns[0]!.pc}: entry = ${entry}; continue D;`).join(' ')} } `;
      lines.push(`{ const t = (${reg(last.rs1)} + ${last.imm}) & -2;${dest === null ? '' : ` ${dest} = ${after};`} ${stay}cpu.leftByJalr = true; next = t; break out; }`);
    } else {
      lines.push(branch(x, n.fall!));
    }
    return lines.join('\n');
  };
  const within = (x: number, children: number[]): string => {
    if (children.length === 0) return nodeCode(x);
    const [outer, ...inner] = children;
    return `B${outer}: {\n${within(x, inner)}\n}\n${tree(outer!)}`;
  };
  // Children in decreasing reverse-postorder number: the last one in the code is the outermost block.
  const tree = (x: number): string => {
    const code = within(x, mergeChildren[x]!);
    return loopHeader[x] ? `L${x}: for (;;) {\n${code}\n}` : code;
  };
  const locals = [...used].map((r) => `r${r} = x[${r}]`).join(', ');
  const writeBack = [...written].map((r) => `x[${r}] = r${r};`).join(' ');
  // Every path through a root's tree ends in a jump, so no case falls through to the next.
  const body =
    roots.length === 1
      ? tree(roots[0]!)
      : ['D: for (;;) switch (entry) {', ...roots.map((r, entry) => `case ${entry}: {\n${loopHeader[r] ? '' : budgetCheck(r)}\n${tree(r)}\n}`), '}'].join('\n');
  return [locals.length > 0 ? `let ${locals};` : '', memos.length > 0 ? `let ${memos.map((m) => `mp${m} = -1, md${m} = ${NO_PAGE}`).join(', ')};` : '', 'let k = 0, next = 0, flagged = -1, flaggedInfo = 0, kf = 0;', 'out: {', body, '}', `${writeBack} cpu.pc = next; cpu.flaggedStore = flagged; cpu.flaggedInfo = flaggedInfo; return k + kf;`].join('\n');
}

/** Compiles a region into a function bound to a hart (see BlockFn for its contract); with a `trace`, its instrumented variant. */
export function compileRegion(cpu: BlockContext, g: RegionGraph, paged: boolean, trace: ExecTrace | null = null): BlockFn {
  const name = `${trace === null ? '' : 'traced_'}${paged ? 'pregion' : 'region'}_${(g.vpc >>> 0).toString(16)}`;
  const factory = new Function(
    'cpu',
    'alu',
    'trace',
    `'use strict';
const { x, ram } = cpu;
const { u8, i8, u16, i16, i32 } = ram;
const flags = ram.chunkFlags;
${paged ? 'const { load: loadPages, store: storePages } = cpu.dataPages;' : ''}
${trace === null ? '' : 'const { id: ti, value: tv, address: ta } = trace;'}
const { mulh, mulhsu, mulhu, div, divu, rem, remu } = alu;
return function ${name}(done, budget, entry) {
${regionSource(g, paged, cpu.ram.bytes, trace)}
};`,
  ) as (cpu: BlockContext, helpers: typeof alu, trace: ExecTrace | null) => BlockFn;
  return factory(cpu, alu, trace);
}
