import type { Cpu } from './cpu/cpu.js';
import { decodeInstruction, type Decoded } from './cpu/decode.js';
import { Op } from './cpu/op.js';
import { Priv } from './cpu/trap-cause.js';
import { MemoryMap } from './memory-map.js';
import type { Ram } from './ram.js';
import { peekSv32 } from './sv32-peek.js';

/**
 * Guest code as an observer reads it: the instruction at a virtual pc, through the page tables
 * in RAM (peeked, never through the hart's TLB) while Sv32 is on below M-mode. Reads change
 * nothing in the machine.
 */
export class GuestCode {
  /** The last instruction `decode` decoded (overwritten by the next call). */
  readonly decoded: Decoded = { op: Op.UNDECODED, rd: 0, rs1: 0, rs2: 0, imm: 0, length: 4 };

  constructor(
    private readonly cpu: Cpu,
    private readonly ram: Ram,
  ) {}

  /** Decodes raw instruction bits (a compressed one's 16) into `decoded`. */
  decode(bits: number): Decoded {
    return decodeInstruction(bits, this.decoded);
  }

  /** The bits of the instruction at `pc` (0 when they cannot be read from RAM). */
  bitsAt(pc: number): number {
    const physical = this.physical(pc >>> 0);
    return physical < 0 ? 0 : this.readAt(physical);
  }

  /** The physical address of code at virtual `pc` (Sv32 below M-mode), or -1. */
  physical(pc: number): number {
    const cpu = this.cpu;
    return cpu.satp < 0 && cpu.priv !== Priv.M ? peekSv32(this.ram, cpu.satp, pc) : pc;
  }

  /** The instruction at physical `address` (its 16 bits when compressed), or 0 outside RAM. */
  readAt(address: number): number {
    return this.ram.instructionBits(address - MemoryMap.RAM);
  }
}
