import type { Cpu } from './cpu.js';
import { Csr, CSR_ILLEGAL, MISA_VALUE, Mstatus } from './csr-number.js';
import { Priv } from './trap-cause.js';
import { refreshTranslation } from './mmu.js';
import { readSupervisorCsr, S_INTERRUPTS, SSTATUS_MASK, writeMstatusBits, writeSupervisorCsr } from './supervisor-csrs.js';

/** mstatus bits that software can write on an M+S+U hart without FPU (privileged spec §3.1.6). */
const MSTATUS_WRITABLE =
  SSTATUS_MASK | Mstatus.MIE | Mstatus.MPIE | Mstatus.MPP | Mstatus.MPRV | Mstatus.TVM | Mstatus.TW | Mstatus.TSR;
/** mie bits: MSIE, MTIE, MEIE and the supervisor ones. */
const MIE_WRITABLE = (1 << 3) | (1 << 7) | (1 << 11) | S_INTERRUPTS;
/** mip bits M-mode software may write: the supervisor ones (as QEMU). */
const MIP_WRITABLE = S_INTERRUPTS;
const TWO_32 = 2 ** 32;

export { CSR_ILLEGAL };

/** mtime (10 MHz) derived from the virtual clock, as a double. */
function mtime(cpu: Cpu): number {
  return Math.floor(cpu.clock.nowNs() / 100);
}

const low32 = (v: number): number => v % TWO_32 | 0;
const high32 = (v: number): number => Math.floor(v / TWO_32) | 0;

/** True when the current mode may read counter `index` (0 cycle, 1 time, 2 instret) per mcounteren and scounteren. */
function counterAllowed(cpu: Cpu, index: number): boolean {
  if (cpu.priv === Priv.M) return true;
  if ((cpu.mcounteren & (1 << index)) === 0) return false;
  return cpu.priv === Priv.S || (cpu.scounteren & (1 << index)) !== 0;
}

/**
 * Reads CSR `num` with the privilege checks of privileged spec §2.1; returns the value as
 * int32, or CSR_ILLEGAL (the caller raises an illegal-instruction exception).
 */
export function readCsr(cpu: Cpu, num: number): number {
  if (((num >>> 8) & 3) > cpu.priv) return CSR_ILLEGAL;
  switch (num) {
    case Csr.cycle:
    case Csr.cycleh:
    case Csr.time:
    case Csr.timeh:
    case Csr.instret:
    case Csr.instreth: {
      const index = num & 3;
      if (!counterAllowed(cpu, index)) return CSR_ILLEGAL;
      const value = index === 1 ? mtime(cpu) : cpu.icount + (index === 0 ? cpu.cycleOffset : cpu.instretOffset);
      return num >= Csr.cycleh ? high32(value) : low32(value);
    }
    case Csr.mcycle:
      return low32(cpu.icount + cpu.cycleOffset);
    case Csr.mcycleh:
      return high32(cpu.icount + cpu.cycleOffset);
    case Csr.minstret:
      return low32(cpu.icount + cpu.instretOffset);
    case Csr.minstreth:
      return high32(cpu.icount + cpu.instretOffset);
    case Csr.mstatus:
      return cpu.mstatus;
    case Csr.misa:
      return MISA_VALUE;
    case Csr.mie:
      return cpu.mie;
    case Csr.mip:
      return cpu.mip;
    case Csr.mtvec:
      return cpu.mtvec;
    case Csr.mscratch:
      return cpu.mscratch;
    case Csr.mepc:
      return cpu.mepc;
    case Csr.mcause:
      return cpu.mcause;
    case Csr.mtval:
      return cpu.mtval;
    case Csr.mcounteren:
      return cpu.mcounteren;
    // Hard-wired to zero: no big-endian or environment configuration, no counter inhibit,
    // no debug triggers (tselect reads back 0, which tells software there are none).
    case Csr.mstatush:
    case Csr.menvcfg:
    case Csr.menvcfgh:
    case Csr.mcountinhibit:
    case Csr.mvendorid:
    case Csr.marchid:
    case Csr.mimpid:
    case Csr.mhartid:
    case Csr.mconfigptr:
    case Csr.tselect:
    case Csr.tdata1:
    case Csr.tdata2:
    case Csr.tdata3:
    case Csr.tinfo:
      return 0;
  }
  if (num >= Csr.pmpcfg0 && num < Csr.pmpcfg0 + 4) return cpu.pmp.cfg[num - Csr.pmpcfg0]!;
  if (num >= Csr.pmpaddr0 && num < Csr.pmpaddr0 + 16) return cpu.pmp.addr[num - Csr.pmpaddr0]!;
  if (isZeroCounter(num)) return 0;
  return readSupervisorCsr(cpu, num) ?? CSR_ILLEGAL;
}

/** hpmcounter3..31(h), mhpmcounter3..31(h) and mhpmevent3..31: implemented as zero. */
/**
 * Reads CSR `num` for a debugger: as machine mode would, with no side effects; null when the
 * CSR does not exist.
 */
export function peekCsr(cpu: Cpu, num: number): number | null {
  const { priv } = cpu;
  cpu.priv = Priv.M;
  try {
    const value = readCsr(cpu, num);
    return value === CSR_ILLEGAL ? null : value;
  } finally {
    cpu.priv = priv;
  }
}

function isZeroCounter(num: number): boolean {
  const low = num & 0x1f;
  if (low < 3) return false;
  return (num & ~0x1f) === 0xb00 || (num & ~0x1f) === 0xb80 || (num & ~0x1f) === 0x320;
}

/** Replaces the low or high half of a 64-bit counter value. */
function withHalf(current: number, value: number, high: boolean): number {
  return high ? (value >>> 0) * TWO_32 + (current % TWO_32) : high32(current) * TWO_32 + (value >>> 0);
}

/**
 * Writes CSR `num` (already known to be readable at this privilege). Returns false when the
 * CSR is read-only, so the caller raises an illegal-instruction exception.
 */
export function writeCsr(cpu: Cpu, num: number, value: number): boolean {
  if (num >>> 10 === 3) return false;
  switch (num) {
    case Csr.mstatus: {
      // MPP is WARL: the reserved value 2 leaves it as it was.
      const mpp = (value & Mstatus.MPP) >>> Mstatus.MPP_SHIFT;
      const v = mpp === 2 ? (value & ~Mstatus.MPP) | (cpu.mstatus & Mstatus.MPP) : value;
      writeMstatusBits(cpu, MSTATUS_WRITABLE, v);
      return true;
    }
    case Csr.mie:
      cpu.mie = value & MIE_WRITABLE;
      return true;
    case Csr.mip:
      cpu.mip = (cpu.mip & ~MIP_WRITABLE) | (value & MIP_WRITABLE);
      return true;
    case Csr.mtvec:
      // WARL mode: only direct (0) and vectored (1) exist; other modes leave mtvec as it was (as QEMU).
      if ((value & 3) < 2) cpu.mtvec = value;
      return true;
    case Csr.mscratch:
      cpu.mscratch = value;
      return true;
    case Csr.mepc:
      cpu.mepc = value & ~1;
      return true;
    case Csr.mcause:
      cpu.mcause = value;
      return true;
    case Csr.mtval:
      cpu.mtval = value;
      return true;
    case Csr.mcounteren:
      cpu.mcounteren = value & 7;
      return true;
    // The written value is what the next instruction reads, so it counts from icount + 1.
    case Csr.mcycle:
    case Csr.mcycleh:
      cpu.cycleOffset = withHalf(cpu.icount + cpu.cycleOffset, value, num === Csr.mcycleh) - (cpu.icount + 1);
      return true;
    case Csr.minstret:
    case Csr.minstreth:
      cpu.instretOffset = withHalf(cpu.icount + cpu.instretOffset, value, num === Csr.minstreth) - (cpu.icount + 1);
      return true;
  }
  if (num >= Csr.pmpcfg0 && num < Csr.pmpcfg0 + 4) {
    cpu.pmp.writeCfg(num - Csr.pmpcfg0, value);
    refreshTranslation(cpu);
    return true;
  }
  if (num >= Csr.pmpaddr0 && num < Csr.pmpaddr0 + 16) {
    cpu.pmp.writeAddr(num - Csr.pmpaddr0, value);
    refreshTranslation(cpu);
    return true;
  }
  if (writeSupervisorCsr(cpu, num, value)) return true;
  // The remaining readable CSRs are WARL and hard-wired: the write is accepted and ignored.
  return true;
}
