import { decodeInstruction, type Decoded } from './decode.js';
import { Op } from './op.js';
import type { Ram } from '../ram.js';
import { accessKind, accessSize } from '../data-access.js';

/** Instructions one call of instrumented compiled code may run at most (the trace holds one entry per instruction). */
export const TRACE_CAPACITY = 4096;

/**
 * What instrumented compiled code (the variant that runs while an execution tap wants
 * instructions, blocks or memory accesses) reports: entry i of `id`, `value` and `address`
 * is the i-th instruction one call executed. `id` names the instruction (its pc, raw bits and
 * the register it writes are in the tables below, filled as code is compiled); `value` is the
 * register's new value, or for a load the value loaded and for a store the value stored;
 * `address` is a load's or store's effective address. Instrumented code never traps and never
 * reaches a device: it leaves before any instruction that takes a slow path, and the
 * observer steps that one.
 */
export class ExecTrace {
  readonly id = new Int32Array(TRACE_CAPACITY);
  readonly value = new Int32Array(TRACE_CAPACITY);
  readonly address = new Int32Array(TRACE_CAPACITY);
  /** By instruction id: pc (as compiled: virtual in translated mode). */
  readonly pcs: number[] = [];
  /** By instruction id: raw bits (the 16 bits of a compressed one). */
  readonly bits: number[] = [];
  /** By instruction id: the register written as the decoder names it (0: none, or x0). */
  readonly rds: number[] = [];
  /** By instruction id: what it does to memory (AccessKind bits, 0: nothing). */
  readonly kinds: number[] = [];
  /** By instruction id: bytes a load or store accesses. */
  readonly sizes: number[] = [];
  private readonly decoded: Decoded = { op: Op.UNDECODED, rd: 0, rs1: 0, rs2: 0, imm: 0, length: 4 };
  /** Ids by `pc:bits`: code compiled again (a region that took in another root) reuses them. */
  private readonly known = new Map<string, number>();

  constructor(private readonly ram: Ram) {}

  /** Names the instruction at `pc`, held at RAM offset `offset` (where it was decoded), for compiled code to report; returns its id. */
  register(pc: number, offset: number): number {
    const bits = this.ram.instructionBits(offset);
    const key = `${pc >>> 0}:${bits >>> 0}`;
    const known = this.known.get(key);
    if (known !== undefined) return known;
    this.known.set(key, this.pcs.length);
    const d = decodeInstruction(bits, this.decoded);
    this.pcs.push(pc >>> 0);
    this.bits.push(bits >>> 0);
    this.rds.push(d.rd);
    this.kinds.push(accessKind(d.op));
    this.sizes.push(accessSize(d.op));
    return this.pcs.length - 1;
  }
}
