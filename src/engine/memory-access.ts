import type { Cpu } from '../machine/cpu/cpu.js';
import { decode16, decode32, type Decoded } from '../machine/cpu/decode.js';
import { Op } from '../machine/cpu/op.js';
import { MemoryMap } from '../machine/memory-map.js';

/** The data access an instruction is about to make. */
export interface MemoryAccess {
  address: number;
  size: number;
  /** It reads memory (loads, LR, AMOs). */
  load: boolean;
  /** It writes memory (stores, SC, AMOs). */
  store: boolean;
}

const LOAD_SIZES: Partial<Record<Op, number>> = { [Op.LB]: 1, [Op.LBU]: 1, [Op.LH]: 2, [Op.LHU]: 2, [Op.LW]: 4, [Op.LR_W]: 4 };
const STORE_SIZES: Partial<Record<Op, number>> = { [Op.SB]: 1, [Op.SH]: 2, [Op.SW]: 4, [Op.SC_W]: 4 };

/**
 * Decodes the instruction at the hart's pc (in RAM) and returns the memory it will access,
 * or null for an instruction that accesses none: the instrumented path of read watchpoints.
 */
export function memoryAccessAt(cpu: Cpu): MemoryAccess | null {
  const ram = cpu.ram;
  const off = ((cpu.pc >>> 0) - MemoryMap.RAM) >>> 0;
  if (off + 2 > ram.bytes) return null;
  const d: Decoded = { op: Op.UNDECODED, rd: 0, rs1: 0, rs2: 0, imm: 0, length: 4 };
  const low = ram.u16[off >>> 1]!;
  if ((low & 3) !== 3) decode16(low, d);
  else if (off + 4 > ram.bytes) return null;
  else decode32((low | (ram.u16[(off >>> 1) + 1]! << 16)) | 0, d);
  const isAmo = d.op >= Op.AMOSWAP_W && d.op <= Op.AMOMAXU_W;
  const loadSize = LOAD_SIZES[d.op] ?? (isAmo ? 4 : 0);
  const storeSize = STORE_SIZES[d.op] ?? (isAmo ? 4 : 0);
  if (loadSize === 0 && storeSize === 0) return null;
  const base = cpu.x[d.rs1]!;
  // Atomics take the address from rs1 alone.
  const address = (isAmo || d.op === Op.LR_W || d.op === Op.SC_W ? base : base + d.imm) >>> 0;
  return { address, size: Math.max(loadSize, storeSize), load: loadSize > 0, store: storeSize > 0 };
}
