import type { Cpu } from './cpu.js';
import { CSR_ILLEGAL, readCsr, writeCsr } from './csr-file.js';
import { Mstatus } from './csr-number.js';
import { X0_SINK, lengthOf, opOf, rdOf, rs1Of, rs2Of } from './decode.js';
import { instructionHalf, physicalLoad, physicalStore, refreshTranslation, translate } from './mmu.js';
import { Op } from './op.js';
import { vmTrapped } from './supervisor-csrs.js';
import { Access } from './tlb.js';
import { Exception, Priv } from './trap-cause.js';
import { raiseException, takePendingInterrupt } from './trap.js';

/** The instruction bits of a cold op, for mtval/stval of an illegal-instruction trap (as QEMU). */
function instructionBits(cpu: Cpu, w: number): number {
  const low = instructionHalf(cpu, cpu.pc);
  return lengthOf(w) === 2 ? low : (low | (instructionHalf(cpu, (cpu.pc + 2) | 0) << 16)) | 0;
}

/** Raises an illegal-instruction exception for the cold op `w` at `cpu.pc`. */
function illegalInstruction(cpu: Cpu, w: number): void {
  raiseException(cpu, Exception.ILLEGAL_INSTRUCTION, instructionBits(cpu, w));
}

/** Zicsr instructions (Unprivileged spec chapter "Zicsr"): read unless rd is x0 for CSRRW, write unless the source is x0. */
function execCsr(cpu: Cpu, w: number, csr: number): boolean {
  const op = opOf(w);
  const rd = rdOf(w);
  const field = rs1Of(w);
  const immediate = op >= Op.CSRRWI;
  const source = immediate ? field : cpu.x[field]!;
  const kind = immediate ? op - 3 : op;
  const old = readCsr(cpu, csr);
  if (old === CSR_ILLEGAL) return false;
  let next = old;
  if (kind === Op.CSRRW) next = source;
  else if (kind === Op.CSRRS) next = old | source;
  else next = old & ~source;
  const writes = kind === Op.CSRRW || field !== 0;
  if (writes && !writeCsr(cpu, csr, next)) return false;
  if (rd !== X0_SINK) cpu.x[rd] = old;
  return true;
}

/** mret (privileged spec §3.3.2): return to MPP with MIE restored from MPIE. */
function execMret(cpu: Cpu): void {
  const s = cpu.mstatus;
  const mpp = (s & Mstatus.MPP) >>> Mstatus.MPP_SHIFT;
  let next = (s & ~(Mstatus.MIE | Mstatus.MPP)) | Mstatus.MPIE;
  if ((s & Mstatus.MPIE) !== 0) next |= Mstatus.MIE;
  if (mpp !== Priv.M) next &= ~Mstatus.MPRV;
  cpu.mstatus = next;
  cpu.priv = mpp;
  cpu.pc = cpu.mepc;
}

/** sret (privileged spec §3.3.2): return to SPP with SIE restored from SPIE; leaving M-mode behind clears MPRV. */
function execSret(cpu: Cpu): void {
  const s = cpu.mstatus;
  const spp = (s & Mstatus.SPP) !== 0 ? Priv.S : Priv.U;
  let next = (s & ~(Mstatus.SIE | Mstatus.SPP | Mstatus.MPRV)) | Mstatus.SPIE;
  if ((s & Mstatus.SPIE) !== 0) next |= Mstatus.SIE;
  cpu.mstatus = next;
  cpu.priv = spp;
  cpu.pc = cpu.sepc;
}

/** The result of an AMO's read-modify-write (Unprivileged spec chapter "A", AMO table). */
function amoResult(op: number, old: number, src: number): number {
  switch (op) {
    case Op.AMOSWAP_W:
      return src;
    case Op.AMOADD_W:
      return (old + src) | 0;
    case Op.AMOXOR_W:
      return old ^ src;
    case Op.AMOAND_W:
      return old & src;
    case Op.AMOOR_W:
      return old | src;
    case Op.AMOMIN_W:
      return old < src ? old : src;
    case Op.AMOMAX_W:
      return old > src ? old : src;
    case Op.AMOMINU_W:
      return old >>> 0 < src >>> 0 ? old : src;
    default:
      return old >>> 0 > src >>> 0 ? old : src;
  }
}

/**
 * LR.W, SC.W and the AMOs. Misaligned addresses trap (no Zam); LR translates and faults as a
 * load, the rest as a store/AMO. The reservation holds the virtual address.
 */
function execAtomic(cpu: Cpu, w: number): void {
  const op = opOf(w);
  const addr = cpu.x[rs1Of(w)]!;
  const rd = rdOf(w);
  if ((addr & 3) !== 0) {
    raiseException(cpu, op === Op.LR_W ? Exception.LOAD_ADDRESS_MISALIGNED : Exception.STORE_ADDRESS_MISALIGNED, addr);
    return;
  }
  const pa = cpu.xlate === 0 ? addr >>> 0 : translate(cpu, addr, op === Op.LR_W ? Access.LOAD : Access.STORE, 4);
  if (pa < 0) return;
  if (op === Op.SC_W) {
    const success = cpu.reservation === addr;
    cpu.reservation = -1;
    if (success) {
      physicalStore(cpu, pa, 4, cpu.x[rs2Of(w)]!, addr);
      if (cpu.excepted) return;
    }
    cpu.x[rd] = success ? 0 : 1;
    return;
  }
  // An AMO that cannot read reports a store/AMO access fault.
  const old = physicalLoad(cpu, pa, 4, addr, op === Op.LR_W ? Exception.LOAD_ACCESS_FAULT : Exception.STORE_ACCESS_FAULT) | 0;
  if (cpu.excepted) return;
  if (op === Op.LR_W) {
    cpu.reservation = addr;
  } else {
    physicalStore(cpu, pa, 4, amoResult(op, old, cpu.x[rs2Of(w)]!), addr);
    if (cpu.excepted) return;
  }
  cpu.x[rd] = old;
}

/**
 * Executes a cold op at `cpu.pc` (CSR access, system instruction, atomic, illegal) and leaves
 * `cpu.pc` at the next instruction or the trap handler. An interrupt the op enabled is taken
 * before the next instruction.
 */
export function execCold(cpu: Cpu, w: number, imm: number): void {
  const op = opOf(w);
  const next = (cpu.pc + lengthOf(w)) | 0;
  switch (op) {
    case Op.CSRRW:
    case Op.CSRRS:
    case Op.CSRRC:
    case Op.CSRRWI:
    case Op.CSRRSI:
    case Op.CSRRCI:
      if (!execCsr(cpu, w, imm)) return illegalInstruction(cpu, w);
      cpu.pc = next;
      break;
    case Op.ECALL:
      return raiseException(cpu, ECALL_CAUSE[cpu.priv]!, 0);
    case Op.EBREAK:
      return raiseException(cpu, Exception.BREAKPOINT, cpu.pc);
    case Op.MRET:
      if (cpu.priv !== Priv.M) return illegalInstruction(cpu, w);
      execMret(cpu);
      refreshTranslation(cpu);
      break;
    case Op.SRET:
      if (cpu.priv === Priv.U || (cpu.priv === Priv.S && (cpu.mstatus & Mstatus.TSR) !== 0)) return illegalInstruction(cpu, w);
      execSret(cpu);
      refreshTranslation(cpu);
      break;
    case Op.WFI:
      // As QEMU with S-mode: illegal in U-mode, and in S-mode when mstatus.TW is set.
      if (cpu.priv === Priv.U || (cpu.priv === Priv.S && (cpu.mstatus & Mstatus.TW) !== 0)) return illegalInstruction(cpu, w);
      cpu.pc = next;
      if ((cpu.mip & cpu.mie) === 0) {
        cpu.waiting = true;
        cpu.sliceLimit = cpu.icount + 1;
      }
      break;
    case Op.FENCE_I:
      // Stores already invalidate predecoded code precisely, so there is nothing to flush.
      cpu.pc = next;
      break;
    case Op.SFENCE_VMA: {
      if (cpu.priv === Priv.U || vmTrapped(cpu)) return illegalInstruction(cpu, w);
      // By address: that page in every ASID; otherwise everything (ASIDs are not tagged).
      const rs1 = rs1Of(w);
      if (rs1 !== 0) cpu.tlb.flushPage(cpu.x[rs1]! >>> 12);
      else cpu.tlb.flushAll();
      refreshTranslation(cpu);
      cpu.pc = next;
      break;
    }
    case Op.ILLEGAL:
      return raiseException(cpu, Exception.ILLEGAL_INSTRUCTION, imm);
    default:
      execAtomic(cpu, w);
      if (cpu.excepted) return;
      cpu.pc = next;
  }
  takePendingInterrupt(cpu);
}

/** The cause of ecall by privilege level: 8 from U, 9 from S, 11 from M. */
const ECALL_CAUSE = [Exception.ECALL_FROM_U, Exception.ECALL_FROM_S, , Exception.ECALL_FROM_M];
