import { compileBlock, endsBlock, isBlockOp, type BlockContext, type BlockFn, type BlockInstruction } from './block-compiler.js';
import { Op } from './op.js';
import { CHUNK_SHIFT } from '../ram.js';

/** Executions of an address before a block is compiled there (code that runs once stays interpreted). */
export const BLOCK_HEAT_THRESHOLD = 32;
/** Longest compiled block, in instructions. */
const BLOCK_MAX_INSNS = 64;
const RAM_BASE = 0x8000_0000;

/**
 * The compiled blocks of a hart, indexed by the RAM halfword they start at. A bare block is a
 * trace: it follows unconditional jumps (JAL), so it may cover several address ranges, all of
 * which are remembered for invalidation when code is overwritten. A paged block (translated
 * mode) stays within its 4 KiB page, and runs only at the virtual address it was compiled for.
 */
export class BlockCache {
  /** Per RAM halfword: id of the block starting there (0 none yet, -1 not compilable). */
  readonly ids: Int32Array;
  /** Per RAM halfword: executions seen before compiling a block there. */
  readonly heat: Uint8Array;
  /** Compiled blocks by id (index 0 unused); null once invalidated. */
  readonly fns: (BlockFn | null)[] = [null];
  /** Instruction count of each block by id: it runs only when that many fit in the budget. */
  readonly lengths: number[] = [0];
  /** Virtual address each paged block was compiled for, by id (its pc values are baked in). */
  readonly vpcs: number[] = [0];
  /** RAM offset ranges [start, end, start, end, …] each block covers, by id. */
  private readonly ranges: number[][] = [[]];
  /** Ids of the blocks covering each 64-byte chunk of RAM that holds compiled code (some may be dropped since). */
  private readonly byChunk = new Map<number, number[]>();

  constructor(
    ramBytes: number,
    /** True for the translated-mode variant. */
    private readonly paged: boolean,
    private readonly hart: BlockContext,
    /** Decodes the instruction at a RAM offset; null when it cannot be fetched. */
    private readonly instructionAt: (offset: number) => BlockInstruction | null,
  ) {
    this.ids = new Int32Array(ramBytes >>> 1);
    this.heat = new Uint8Array(ramBytes >>> 1);
  }

  /**
   * Compiles the block starting at RAM offset `start`. It runs to a control transfer that
   * leaves the trace (JALR, a JAL to code already in it, a branch back to its start), a cold
   * op, 64 instructions or the end of RAM; conditional branches are side exits. A paged block
   * runs at virtual address `start + RAM_BASE + vpcDelta` and stays within its page.
   */
  compile(start: number, vpcDelta: number): void {
    const insns: BlockInstruction[] = [];
    const ranges: number[] = [];
    const seen = new Set<number>();
    let rangeStart = start;
    let at = start;
    const lo = this.paged ? start - (start & 0xfff) : 0;
    const end = Math.min(this.paged ? lo + 4096 : Infinity, this.ids.length << 1);
    while (insns.length < BLOCK_MAX_INSNS && at < end && !seen.has(at)) {
      const insn = this.instructionAt(at);
      if (insn === null || !isBlockOp(insn.op) || at + insn.length > end) break;
      insn.pc = (insn.pc + vpcDelta) | 0;
      insns.push(insn);
      seen.add(at);
      at += insn.length;
      if (insn.op === Op.JAL) {
        const target = (insn.pc - vpcDelta + insn.imm - RAM_BASE) >>> 0;
        if (target >= lo && target < end && !seen.has(target) && insns.length < BLOCK_MAX_INSNS) {
          ranges.push(rangeStart, at);
          rangeStart = at = target;
          continue;
        }
      }
      if (endsBlock(insn, insns[0]!.pc)) break;
    }
    ranges.push(rangeStart, at);
    if (insns.length === 0) {
      this.ids[start >>> 1] = -1;
      return;
    }
    const id = this.fns.length;
    this.fns.push(compileBlock(this.hart, insns, this.paged));
    this.lengths.push(insns.length);
    this.vpcs.push(insns[0]!.pc);
    this.ranges.push(ranges);
    this.ids[start >>> 1] = id;
    for (let r = 0; r < ranges.length; r += 2) {
      for (let chunk = ranges[r]! >>> CHUNK_SHIFT; chunk <= (ranges[r + 1]! - 1) >>> CHUNK_SHIFT; chunk++) {
        const list = this.byChunk.get(chunk);
        if (list === undefined) this.byChunk.set(chunk, [id]);
        else list.push(id);
      }
    }
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
        this.ids[ranges[0]! >>> 1] = 0;
        this.heat[ranges[0]! >>> 1] = 0;
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
