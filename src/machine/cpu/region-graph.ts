import { isBlockOp, type BlockInstruction } from './instruction-source.js';
import { Op } from './op.js';

/** Where control goes after a node: another node of the region, or out of it to a guest pc. */
export type Edge = { readonly node: number } | { readonly exitPc: number };

/** A basic block of a region: straight-line instructions, then at most two successors. */
export interface RegionNode {
  /** RAM offset of its first instruction. */
  readonly offset: number;
  /** Its instructions (pc values are the addresses the region runs at). */
  readonly insns: BlockInstruction[];
  /** Where a conditional branch or JAL goes (null when the last instruction is neither, or a JALR). */
  taken: Edge | null;
  /** Where control goes when a branch is not taken or the block simply ends (null after JAL or JALR). */
  fall: Edge | null;
}

/**
 * The control-flow graph of a region, analysed for structured code generation: nodes in
 * reverse postorder (from a virtual node above the roots), its roots, the dominator forest, loop headers
 * (targets of back edges) and merge nodes (more than one forward predecessor). A root is a
 * node the code can be entered at: the entry, the JALR targets it was asked to take in (see
 * loopRegion), and any node several roots reach first. The code of each root is structured on
 * its own; an edge into a root from outside its tree goes through a dispatch on the root's
 * number instead. The graph is reducible once the roots are taken out: every retreating edge
 * either enters a root or goes back to a dominator (an irreducible one leaves the region).
 */
export interface RegionGraph {
  readonly nodes: RegionNode[];
  /** The nodes the region can be entered at, by entry number (roots[0]: the node it was compiled for; 0 when it is the only one). */
  readonly roots: number[];
  /** Per node: its entry number when it is a root, else -1. */
  readonly rootOf: number[];
  /** Immediate dominator's index per node (a root's is itself). */
  readonly idom: number[];
  readonly loopHeader: boolean[];
  readonly merge: boolean[];
  /** Most instructions a path from a node runs before reaching a loop header or leaving. */
  readonly maxPath: number[];
  /** RAM offset ranges [start, end, …] of every instruction of the region. */
  readonly ranges: number[];
  /** The address the region was compiled for (its first root's). */
  readonly vpc: number;
}

/**
 * Where compiled code may come from: RAM offsets `[lo, hi)` (a page for paged code), at most
 * `maxInsns` instructions, read through `instructionAt`; `vpcDelta` is added to physical pcs to
 * get the addresses the code runs at.
 */
export interface CodeWindow {
  readonly lo: number;
  readonly hi: number;
  readonly maxInsns: number;
  readonly vpcDelta: number;
  readonly instructionAt: (offset: number) => BlockInstruction | null;
}

/** The discovered instructions of a region by RAM offset, and its block leaders. */
interface Discovery {
  insns: Map<number, BlockInstruction>;
  leaders: Set<number>;
}

/** Target of a conditional branch or JAL, as a RAM offset (pc values carry `vpcDelta`). */
const targetOffset = (d: BlockInstruction, vpcDelta: number): number => (d.pc - vpcDelta + d.imm - 0x8000_0000) >>> 0;

const isBranch = (op: number): boolean => op >= Op.BEQ && op <= Op.BGEU;

/**
 * Finds the code reachable from RAM offset `entry` (and `extraRoots`) along static control flow
 * (branches both ways, JAL), within the window and up to its `maxInsns` instructions, breadth first so a cap cuts
 * the farthest code. A JALR, a cold op or an instruction that cannot be fetched ends a path.
 */
function discover(entry: number, window: CodeWindow, extraRoots: readonly number[]): Discovery {
  const { lo, hi, maxInsns, vpcDelta, instructionAt } = window;
  const insns = new Map<number, BlockInstruction>();
  const leaders = new Set<number>([entry, ...extraRoots]);
  const queue = [entry, ...extraRoots];
  const inWindow = (off: number): boolean => off >= lo && off < hi;
  for (let q = 0; q < queue.length && insns.size < maxInsns; q++) {
    let at = queue[q]!;
    while (insns.size < maxInsns && inWindow(at)) {
      if (insns.has(at)) {
        leaders.add(at);
        break;
      }
      const d = instructionAt(at);
      if (d === null || !isBlockOp(d) || at + d.length > hi) break;
      d.pc = (d.pc + vpcDelta) | 0;
      insns.set(at, d);
      const after = at + d.length;
      if (isBranch(d.op) || d.op === Op.JAL) {
        const target = targetOffset(d, vpcDelta);
        leaders.add(target);
        queue.push(target);
        if (d.op === Op.JAL) break;
        leaders.add(after);
        queue.push(after);
        break;
      }
      if (d.op === Op.JALR) break;
      at = after;
    }
  }
  return { insns, leaders };
}

/** Splits discovered instructions into basic blocks; node 0 starts at `entry`. */
function buildNodes(entry: number, found: Discovery, vpcDelta: number): RegionNode[] {
  const starts = [entry, ...[...found.leaders].filter((l) => l !== entry && found.insns.has(l))];
  const index = new Map(starts.map((s, i) => [s, i]));
  const edgeTo = (off: number, pc: number): Edge => {
    const node = index.get(off);
    return node === undefined ? { exitPc: pc } : { node };
  };
  return starts.map((start) => {
    const insns: BlockInstruction[] = [];
    let at = start;
    for (;;) {
      const d = found.insns.get(at)!;
      insns.push(d);
      const after = at + d.length;
      const afterPc = (d.pc + d.length) | 0;
      if (isBranch(d.op)) return { offset: start, insns, taken: edgeTo(targetOffset(d, vpcDelta), (d.pc + d.imm) | 0), fall: edgeTo(after, afterPc) };
      if (d.op === Op.JAL) return { offset: start, insns, taken: edgeTo(targetOffset(d, vpcDelta), (d.pc + d.imm) | 0), fall: null };
      if (d.op === Op.JALR) return { offset: start, insns, taken: null, fall: null };
      if (!found.insns.has(after) || found.leaders.has(after)) return { offset: start, insns, taken: null, fall: edgeTo(after, afterPc) };
      at = after;
    }
  });
}

/** True when `n` ends in a JALR (it has no static successor). */
const endsInJalr = (n: RegionNode): boolean => n.insns[n.insns.length - 1]!.op === Op.JALR;

/** The region nodes control may go to from `n`. */
function successors(n: RegionNode): number[] {
  const out: number[] = [];
  if (n.taken !== null && 'node' in n.taken) out.push(n.taken.node);
  if (n.fall !== null && 'node' in n.fall) out.push(n.fall.node);
  return out;
}

/**
 * The loop headed by node 0: its latches are the blocks that branch back to it, and the loop
 * is every block from which a latch can be reached without passing through node 0, and the
 * blocks it goes to that end in a JALR; edges to other blocks become exits. Null when there is
 * no latch. A loop entered at an inner header takes in the enclosing loop too (it leads back to
 * the header): compiled code that keeps control in one function beats a smaller one left at
 * each outer iteration (measured on cpu-bench's state machine, whose loops enter each other at
 * many points).
 */
function loopAt(nodes: RegionNode[]): RegionNode[] | null {
  const preds: number[][] = nodes.map(() => []);
  nodes.forEach((n, i) => successors(n).forEach((s) => preds[s]!.push(i)));
  const inLoop = new Uint8Array(nodes.length);
  const work = preds[0]!.slice();
  while (work.length > 0) {
    const i = work.pop()!;
    if (inLoop[i] === 1) continue;
    inLoop[i] = 1;
    if (i !== 0) work.push(...preds[i]!);
  }
  if (inLoop[0] === 0) return null;
  // A block the loop goes to that ends in a JALR is kept too: where the JALR goes to a root of
  // the region (a jump table's case), control stays inside (see regionSource).
  nodes.forEach((n, i) => {
    if (inLoop[i] === 1) for (const s of successors(n)) if (inLoop[s] === 0 && endsInJalr(nodes[s]!)) inLoop[s] = 1;
  });
  const exitOf = (e: Edge | null): Edge | null => (e === null || !('node' in e) || inLoop[e.node] === 1 ? e : { exitPc: nodes[e.node]!.insns[0]!.pc });
  // Unreachable nodes are dropped by the renumbering that follows; their edges no longer matter.
  return nodes.map((n) => ({ ...n, taken: exitOf(n.taken), fall: exitOf(n.fall) }));
}

/**
 * Reverse postorder of the nodes reachable from `roots`, as if from one virtual node whose
 * successors they are (a root reached from another is not necessarily before it).
 */
function reversePostorder(nodes: RegionNode[], roots: readonly number[]): number[] {
  const seen = new Uint8Array(nodes.length);
  const succ = nodes.map(successors);
  const post: number[] = [];
  for (let r = roots.length - 1; r >= 0; r--) {
    if (seen[roots[r]!] === 1) continue;
    seen[roots[r]!] = 1;
    depthFirst(roots[r]!, succ, seen, post);
  }
  return post.reverse();
}

/** Appends the nodes first reached from `start` to `post` in postorder (iterative DFS). */
function depthFirst(start: number, succ: number[][], seen: Uint8Array, post: number[]): void {
  // [node, index of the next successor to visit].
  const stack: [number, number][] = [[start, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const next = succ[top[0]]!;
    if (top[1] < next.length) {
      const s = next[top[1]++]!;
      if (seen[s] === 0) {
        seen[s] = 1;
        stack.push([s, 0]);
      }
    } else {
      post.push(top[0]);
      stack.pop();
    }
  }
}

/** The virtual node above the roots, in `dominators`. */
const VIRTUAL = -2;
/** A node `dominators` has not reached yet. */
const UNKNOWN = -1;

/**
 * Immediate dominators over nodes numbered in reverse postorder from `isRoot`'s roots (Cooper,
 * Harvey, Kennedy, with one virtual node above the roots): a root's is itself, and so is that
 * of a node only the virtual node dominates (several roots reach it first).
 */
function dominators(nodes: RegionNode[], isRoot: (i: number) => boolean): number[] {
  const preds: number[][] = nodes.map(() => []);
  nodes.forEach((n, i) => successors(n).forEach((s) => preds[s]!.push(i)));
  const idom: number[] = nodes.map((_, i) => (isRoot(i) ? VIRTUAL : UNKNOWN));
  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while (a > b) a = idom[a]!;
      while (b > a) b = idom[b]!;
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = 0; i < nodes.length; i++) {
      if (isRoot(i)) continue;
      let d = UNKNOWN;
      for (const p of preds[i]!) if (idom[p] !== UNKNOWN) d = d === UNKNOWN ? p : intersect(p, d);
      if (d !== idom[i]) {
        idom[i] = d;
        changed = true;
      }
    }
  }
  return idom.map((d, i) => (d === VIRTUAL ? i : d));
}

/** True when node `a` dominates node `b` (`idom` as `dominators` returns it). */
export function dominates(idom: readonly number[], a: number, b: number): boolean {
  while (b !== a && idom[b] !== b) b = idom[b]!;
  return b === a;
}

/** Renumbers nodes in reverse postorder from `roots` (node indices), dropping unreachable ones; returns the roots' new numbers too. */
function inReversePostorder(nodes: RegionNode[], roots: readonly number[]): { nodes: RegionNode[]; roots: number[] } {
  const order = reversePostorder(nodes, roots);
  const renumber = new Map(order.map((old, i) => [old, i]));
  const remap = (e: Edge | null): Edge | null => (e === null || !('node' in e) ? e : { node: renumber.get(e.node)! });
  const renumbered = order.map((old) => {
    const n = nodes[old]!;
    return { ...n, taken: remap(n.taken), fall: remap(n.fall) };
  });
  return { nodes: renumbered, roots: roots.map((r) => renumber.get(r)!) };
}

/**
 * The region entered at RAM offset `entry` when it heads a loop: the loop's code as found by
 * `discover` (see there), or null when no path from `entry` leads back to it. `extraRoots` are
 * RAM offsets it must be enterable at too (where control came in from outside, by a JALR):
 * each becomes a root (see RegionGraph) when its code is found.
 */
export function loopRegion(entry: number, window: CodeWindow, extraRoots: readonly number[] = []): RegionGraph | null {
  const found = discover(entry, window, extraRoots);
  if (!found.insns.has(entry)) return null;
  const nodes = buildNodes(entry, found, window.vpcDelta);
  const loop = loopAt(nodes);
  if (loop === null) return null;
  const forced = extraRoots.map((off) => nodes.findIndex((n) => n.offset === off)).filter((i) => i > 0);
  return analyse(loop, forced);
}

/**
 * A trace entered at RAM offset `entry`: straight-line code that follows JALs (not to code
 * already in it) and goes on past conditional branches (taken ones leave, unless they go back
 * to `entry`, which makes the trace a loop), until a JALR, a cold op, the window's `maxInsns`
 * instructions or its end. Null when not even the first instruction can be compiled.
 */
export function traceRegion(entry: number, window: CodeWindow): RegionGraph | null {
  const { lo, hi, maxInsns, vpcDelta, instructionAt } = window;
  const nodes: RegionNode[] = [];
  const seen = new Set<number>();
  let node: RegionNode | null = null;
  let at = entry;
  let count = 0;
  const edgeTo = (off: number, pc: number): Edge => (off === entry ? { node: 0 } : { exitPc: pc });
  while (count < maxInsns && at >= lo && at < hi && !seen.has(at)) {
    const d = instructionAt(at);
    if (d === null || !isBlockOp(d) || at + d.length > hi) break;
    d.pc = (d.pc + vpcDelta) | 0;
    seen.add(at);
    count++;
    if (node === null) {
      node = { offset: at, insns: [], taken: null, fall: null };
      nodes.push(node);
    }
    node.insns.push(d);
    const after = at + d.length;
    if (d.op === Op.JALR) return chain(nodes);
    if (isBranch(d.op) || d.op === Op.JAL) {
      const target = targetOffset(d, vpcDelta);
      const follow = d.op === Op.JAL && target !== entry && !seen.has(target) && count < maxInsns;
      node.taken = follow ? { node: nodes.length } : edgeTo(target, (d.pc + d.imm) | 0);
      if (d.op === Op.JAL) {
        if (!follow) return chain(nodes);
        at = target;
      } else {
        node.fall = { node: nodes.length };
        at = after;
      }
      node = null;
      continue;
    }
    at = after;
  }
  if (nodes.length === 0) return null;
  // The trace stopped before a terminator, or after a branch or JAL whose next code was not
  // reached: that edge leaves at `at` (or goes back to the entry).
  const exit: Edge = at === entry ? { node: 0 } : { exitPc: (at + 0x8000_0000 + vpcDelta) | 0 };
  const last = nodes[nodes.length - 1]!;
  if (node !== null) node.fall = exit;
  else if (last.fall !== null && 'node' in last.fall && last.fall.node === nodes.length) last.fall = exit;
  else last.taken = exit;
  return chain(nodes);
}

/**
 * Orders, checks and annotates the nodes of a region (node 0 is its entry, `forced` are roots
 * too). A node reached first from several roots becomes a root. A retreating edge whose
 * target neither is a root nor dominates its source (an irreducible cycle entered elsewhere)
 * leaves the region instead: measured on cpu-bench's merge sort, a root there (a dispatch on
 * every trip around the cycle) ran its loops at half the speed, and splitting nodes to keep the
 * cycle structured multiplied its code. Repeats until every retreating edge enters a root or
 * goes back to a dominator.
 */
function analyse(region: RegionNode[], forced: readonly number[]): RegionGraph {
  let { nodes, roots } = inReversePostorder(region, [0, ...forced]);
  let isRoot = (i: number): boolean => roots.includes(i);
  let idom = dominators(nodes, isRoot);
  for (;;) {
    const found = new Set<number>();
    let irreducible = false;
    nodes.forEach((n, i) => {
      if (idom[i] === i && !isRoot(i)) found.add(i);
      for (const key of ['taken', 'fall'] as const) {
        const e = n[key];
        if (e === null || !('node' in e) || e.node > i || isRoot(e.node) || dominates(idom, e.node, i)) continue;
        n[key] = { exitPc: nodes[e.node]!.insns[0]!.pc };
        irreducible = true;
      }
    });
    if (found.size === 0 && !irreducible) break;
    ({ nodes, roots } = inReversePostorder(nodes, [...roots, ...found]));
    const rootSet = new Set(roots);
    isRoot = (i) => rootSet.has(i);
    idom = dominators(nodes, isRoot);
  }
  return annotate(nodes, idom, roots);
}

/** A chain of nodes (a trace: each goes on to the next, or back to node 0) as a graph: already in reverse postorder, each dominated by the one before. */
function chain(nodes: RegionNode[]): RegionGraph {
  return annotate(nodes, nodes.map((_, i) => Math.max(0, i - 1)), [0]);
}

/**
 * Finds the loop headers, merge nodes, longest paths and code ranges of nodes in reverse
 * postorder from `roots` with immediate dominators `idom`. An edge into a root from outside
 * its tree is a dispatch: it makes the root neither a loop header nor a merge node, and a
 * path ends there (the root checks the budget when dispatched to).
 */
function annotate(nodes: RegionNode[], idom: number[], roots: number[]): RegionGraph {
  const rootOf = nodes.map(() => -1);
  roots.forEach((r, entry) => (rootOf[r] = entry));
  const loopHeader = nodes.map(() => false);
  const forwardPreds = nodes.map(() => 0);
  nodes.forEach((n, i) =>
    successors(n).forEach((s) => {
      if (s <= i && dominates(idom, s, i)) loopHeader[s] = true;
      else if (rootOf[s] === -1) forwardPreds[s]!++;
    }),
  );
  // Longest run before a loop header or root (which check the budget again) or an exit, from the last node back.
  const maxPath = nodes.map(() => 0);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    const further = successors(n).map((s) => (s <= i || loopHeader[s] || rootOf[s] !== -1 ? 0 : maxPath[s]!));
    maxPath[i] = n.insns.length + Math.max(0, ...further);
  }
  const ranges: number[] = [];
  for (const n of nodes) {
    let end = n.offset;
    for (const d of n.insns) end += d.length;
    ranges.push(n.offset, end);
  }
  return { nodes, roots, rootOf, idom, loopHeader, merge: forwardPreds.map((c) => c > 1), maxPath, ranges, vpc: nodes[roots[0]!]!.insns[0]!.pc };
}
