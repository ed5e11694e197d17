import type { BlockContext, BlockFn, BlockInstruction } from './instruction-source.js';
import { CHUNK_SHIFT } from '../ram.js';
import { loopRegion, traceRegion, type CodeWindow, type RegionGraph } from './region-graph.js';
import { compileRegion } from './region-compiler.js';
import type { ExecTrace } from './exec-trace.js';

/** Entries into a loop header before its loop is compiled (a region soon repays its compilation: it loops inside). */
export const LOOP_HEAT_THRESHOLD = 32;
/** Below TRACE_HEAT_THRESHOLD, every this many executions of a jump target look again for a region it now lies in (see compile). */
export const HOST_RECHECK = 32;
/**
 * Executions of other code before a trace is compiled there. Much higher: a trace runs a few
 * instructions per entry, so one run only hundreds of times never repays its compilation and
 * V8's optimization of it (measured on cpu-bench: most of its traces ran about 3600 times in all).
 */
export const TRACE_HEAT_THRESHOLD = 4096;
/** How far past a loop header (in bytes) its latch is looked for before a region is tried. */
const LATCH_REACH = 2048;
/** Longest trace, in instructions. */
const TRACE_MAX_INSNS = 64;
/** Most instructions a region holds (found breadth first from its entry, so a cap cuts the farthest code). */
const REGION_MAX_INSNS = 256;
/** Most entries added to a compiled region after the fact (see BlockCache.compile); past them, code is compiled apart. */
const MAX_ADDED_ROOTS = 16;

/** What a compiled region was compiled from, shared by the ids of its entries: it is compiled again with more roots when entered elsewhere. */
interface RegionSource {
  /** RAM offset it was compiled for. */
  readonly entry: number;
  readonly vpcDelta: number;
  /** RAM offsets it was made enterable at since, in order. */
  readonly added: number[];
  /** Ids of its entries. */
  readonly ids: number[];
}

/** How the compiler reads guest code. */
export interface CodeReader {
  /** The decoded instruction at a RAM offset; null when it cannot be fetched. */
  instructionAt(offset: number): BlockInstruction | null;
  /** True when an instruction already decoded at RAM offsets `[entry, end)` branches or jumps to `entry`. */
  branchesBackTo(entry: number, end: number): boolean;
}

/**
 * The compiled code of a hart, indexed by the RAM halfword it is entered at. Where a loop is
 * entered the compiled unit is a region (the whole loop, inner loops and branches included,
 * as one JS function that loops itself); elsewhere it is a trace that follows unconditional
 * jumps (JAL) and leaves at the first taken branch. Both may cover several address ranges,
 * all remembered (by 64-byte chunk) for invalidation when code is overwritten. Paged code
 * (translated mode) stays within its 4 KiB page and runs only at the virtual address it was
 * compiled for. "Block" below means either kind.
 */
export class BlockCache {
  /** Per RAM halfword: id of the block starting there (0 none yet, -1 not compilable). */
  readonly ids: Int32Array;
  /** Per RAM halfword: executions seen before compiling a block there. */
  readonly heat: Uint16Array;
  /** Compiled blocks by id (index 0 unused); null once invalidated. A region entered at several roots has an id per root. */
  readonly fns: (BlockFn | null)[] = [null];
  /** The entry number to call each id's function with (see BlockFn). */
  readonly entries: number[] = [0];
  /** RAM offset each id is entered at. */
  private readonly starts: number[] = [0];
  /** Instructions each block may run before it next checks the budget, by id: it is entered only when that many fit. */
  readonly lengths: number[] = [0];
  /** Virtual address each paged block was compiled for, by id (its pc values are baked in). */
  readonly vpcs: number[] = [0];
  /** What each region id was compiled from (null for traces). */
  private readonly sources: (RegionSource | null)[] = [null];
  /** RAM offset ranges [start, end, start, end, …] each block covers, by id. */
  private readonly ranges: number[][] = [[]];
  /** Ids of the blocks covering each 64-byte chunk of RAM that holds compiled code (some may be dropped since). */
  private readonly byChunk = new Map<number, number[]>();

  constructor(
    ramBytes: number,
    /** True for the translated-mode variant. */
    private readonly paged: boolean,
    private readonly hart: BlockContext,
    private readonly code: CodeReader,
    /** Where the instrumented variant's code reports what it runs; null for plain code. */
    private readonly execTrace: ExecTrace | null = null,
  ) {
    this.ids = new Int32Array(ramBytes >>> 1);
    this.heat = new Uint16Array(ramBytes >>> 1);
  }

  /**
   * Compiles the code entered at RAM offset `start`, executed `heat` times so far (the
   * interpreter calls at LOOP_HEAT_THRESHOLD, at TRACE_HEAT_THRESHOLD and at each multiple of
   * HOST_RECHECK between). The target of a JALR (`byJalr`: a jump table's case, a return)
   * inside a compiled region is compiled into that region, as another root: the region is
   * compiled again, and its JALRs stay inside it when they go to one of its roots. (Other code
   * entered inside a region, where a slice ended in it, is not: a root in the middle of a loop
   * cuts it in two, see regionSource.) Otherwise, at the thresholds: a region when `start`
   * heads a loop (see region-graph.ts), else (at the trace threshold) a trace. Paged code runs
   * at virtual address `start + 0x8000_0000 + vpcDelta` and stays within its page.
   */
  compile(start: number, vpcDelta: number, heat: number, byJalr: boolean): void {
    if (this.unenterable(start)) {
      this.ids[start >>> 1] = -1;
      return;
    }
    const host = byJalr ? this.regionHolding(start, vpcDelta) : null;
    if (host !== null && this.recompile(host, start)) return;
    const traces = heat === TRACE_HEAT_THRESHOLD;
    if (heat !== LOOP_HEAT_THRESHOLD && !traces) return;
    // Look for a branch or jump back to `start` among the instructions decoded so far in the
    // 2 KiB after it (where loops' latches are) before building a graph.
    const window = this.window(start, vpcDelta, REGION_MAX_INSNS);
    const latched = this.code.branchesBackTo(start, Math.min(window.hi, start + LATCH_REACH));
    const loop = latched ? loopRegion(start, window) : null;
    if (loop !== null) {
      this.addRegion(loop, { entry: start, vpcDelta, added: [], ids: [] });
      return;
    }
    if (!traces) return;
    const trace = traceRegion(start, { ...window, maxInsns: TRACE_MAX_INSNS });
    if (trace === null) this.ids[start >>> 1] = -1;
    else this.add(start, compileRegion(this.hart, trace, this.paged, this.execTrace), 0, trace.maxPath[0]!, trace.vpc, trace.ranges, null);
  }

  /**
   * Counts an arrival by a jump at RAM offset `start` where nothing is compiled yet, and
   * compiles there when the interpreter would (its loop counts inline, the same way).
   */
  arrive(start: number, vpcDelta: number, byJalr: boolean): void {
    const h = ++this.heat[start >>> 1];
    if (h % HOST_RECHECK === 0 && h <= TRACE_HEAT_THRESHOLD && (byJalr || h === LOOP_HEAT_THRESHOLD || h === TRACE_HEAT_THRESHOLD)) this.compile(start, vpcDelta, h, byJalr);
  }

  /** Where compiled code entered at RAM offset `start` may come from. */
  private window(start: number, vpcDelta: number, maxInsns: number): CodeWindow {
    const lo = this.paged ? start - (start & 0xfff) : 0;
    const hi = this.paged ? lo + 4096 : this.ids.length << 1;
    return { lo, hi, maxInsns, vpcDelta, instructionAt: (offset) => this.code.instructionAt(offset) };
  }

  /** A live region (compiled for the same virtual addresses, with room for another root) whose code covers RAM offset `start`, or null. */
  private regionHolding(start: number, vpcDelta: number): RegionSource | null {
    for (const id of this.byChunk.get(start >>> CHUNK_SHIFT) ?? []) {
      const source = this.sources[id];
      if (this.fns[id] === null || source === null || source === undefined || source.vpcDelta !== vpcDelta) continue;
      if (source.added.length < MAX_ADDED_ROOTS && overlaps(this.ranges[id]!, start, start + 1)) return source;
    }
    return null;
  }

  /** Compiles `source`'s region again with `start` as a root too, in its place; false (nothing changed) when `start` would not be one. */
  private recompile(source: RegionSource, start: number): boolean {
    const added = [...source.added, start];
    const g = loopRegion(source.entry, this.window(source.entry, source.vpcDelta, REGION_MAX_INSNS), added);
    if (g === null || !g.roots.some((r) => g.nodes[r]!.offset === start)) return false;
    for (const id of source.ids) {
      this.fns[id] = null;
      this.ids[this.starts[id]! >>> 1] = 0;
    }
    this.addRegion(g, { entry: source.entry, vpcDelta: source.vpcDelta, added, ids: [] });
    return true;
  }

  /** Compiles a region and files it under an id per root: its other roots are entries too, where nothing else is compiled (or known not to be). */
  private addRegion(g: RegionGraph, source: RegionSource): void {
    const fn = compileRegion(this.hart, g, this.paged, this.execTrace);
    g.roots.forEach((r, entry) => {
      const node = g.nodes[r]!;
      if (entry === 0 || (this.ids[node.offset >>> 1] === 0 && !this.unenterable(node.offset))) {
        source.ids.push(this.add(node.offset, fn, entry, g.maxPath[r]!, node.insns[0]!.pc, g.ranges, source));
      }
    });
  }

  /** True when the code of id `id` is a region (not a trace). */
  isRegion(id: number): boolean {
    return this.sources[id] != null;
  }

  /**
   * True where code is never entered: `run` never looks paged code up in a page's last halfword
   * (an instruction there may straddle into the next page, see Cpu.fetchPageOffsetOf).
   */
  private unenterable(offset: number): boolean {
    return this.paged && (offset & 0xfff) === 0xffe;
  }

  /** Files a compiled function entered at RAM offset `start` (as its entry number `entry`) under a new id, indexed by the chunks it covers; returns the id. */
  private add(start: number, fn: BlockFn, entry: number, length: number, vpc: number, ranges: number[], source: RegionSource | null): number {
    const id = this.fns.length;
    this.fns.push(fn);
    this.entries.push(entry);
    this.starts.push(start);
    this.sources.push(source);
    this.lengths.push(length);
    this.vpcs.push(vpc);
    this.ranges.push(ranges);
    this.ids[start >>> 1] = id;
    for (let r = 0; r < ranges.length; r += 2) {
      for (let chunk = ranges[r]! >>> CHUNK_SHIFT; chunk <= (ranges[r + 1]! - 1) >>> CHUNK_SHIFT; chunk++) {
        const list = this.byChunk.get(chunk);
        if (list === undefined) this.byChunk.set(chunk, [id]);
        else if (list[list.length - 1] !== id) list.push(id);
      }
    }
    return id;
  }

  /** Forgets every block that covers any byte of RAM offsets `[start, end)` (found through the chunks they cover). */
  drop(start: number, end: number): void {
    for (let chunk = start >>> CHUNK_SHIFT; chunk <= (end - 1) >>> CHUNK_SHIFT; chunk++) {
      const list = this.byChunk.get(chunk);
      if (list === undefined) continue;
      const kept: number[] = [];
      for (const id of list) {
        if (this.fns[id] === null) continue;
        const ranges = this.ranges[id]!;
        if (!overlaps(ranges, start, end)) {
          kept.push(id);
          continue;
        }
        this.fns[id] = null;
        this.ranges[id] = [];
        this.ids[this.starts[id]! >>> 1] = 0;
        this.heat[this.starts[id]! >>> 1] = 0;
      }
      if (kept.length > 0) this.byChunk.set(chunk, kept);
      else this.byChunk.delete(chunk);
    }
    for (let slot = start >>> 1; slot < end >>> 1; slot++) {
      if (this.ids[slot] === -1) this.ids[slot] = 0;
    }
  }
}

/** True when any range of `[start, end, start, end, …]` overlaps `[from, to)`. */
function overlaps(ranges: readonly number[], from: number, to: number): boolean {
  for (let r = 0; r < ranges.length; r += 2) {
    if (ranges[r]! < to && ranges[r + 1]! > from) return true;
  }
  return false;
}
