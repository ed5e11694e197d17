import type { Cpu } from './cpu.js';
import { Csr, CSR_ILLEGAL, Mstatus } from './csr-number.js';
import { MipBit } from '../interrupt-pins.js';
import { refreshTranslation } from './mmu.js';
import { Priv } from './trap-cause.js';

/** The mstatus bits sstatus shows (privileged spec §4.1.1; no FPU, so no FS/SD). */
export const SSTATUS_MASK = Mstatus.SIE | Mstatus.SPIE | Mstatus.SPP | Mstatus.SUM | Mstatus.MXR;
/** Supervisor interrupt bits of mip/mie: SSIP, STIP, SEIP (the only delegable ones). */
export const S_INTERRUPTS = (1 << MipBit.SSIP) | (1 << MipBit.STIP) | (1 << MipBit.SEIP);
/** Exceptions medeleg can delegate: all causes but ecall from M (11) and the reserved 10 and 14. */
export const DELEGABLE_EXCEPTIONS = 0xb3ff;

/** True when S-mode may not touch satp or run sfence.vma: mstatus.TVM (privileged spec §3.1.6.5). */
export function vmTrapped(cpu: Cpu): boolean {
  return cpu.priv === Priv.S && (cpu.mstatus & Mstatus.TVM) !== 0;
}

/**
 * Reads a supervisor CSR (privileged spec chapter 4); undefined when `num` is not one, and
 * CSR_ILLEGAL for satp under TVM. The caller has checked the privilege level.
 */
export function readSupervisorCsr(cpu: Cpu, num: number): number | undefined {
  switch (num) {
    case Csr.sstatus:
      return cpu.mstatus & SSTATUS_MASK;
    case Csr.sie:
      return cpu.mie & cpu.mideleg;
    case Csr.sip:
      return cpu.mip & cpu.mideleg;
    case Csr.stvec:
      return cpu.stvec;
    case Csr.scounteren:
      return cpu.scounteren;
    case Csr.sscratch:
      return cpu.sscratch;
    case Csr.sepc:
      return cpu.sepc;
    case Csr.scause:
      return cpu.scause;
    case Csr.stval:
      return cpu.stval;
    case Csr.satp:
      return vmTrapped(cpu) ? CSR_ILLEGAL : cpu.satp;
    case Csr.medeleg:
      return cpu.medeleg;
    case Csr.mideleg:
      return cpu.mideleg;
    case Csr.senvcfg:
      return 0;
  }
  return undefined;
}

/** Writes a supervisor CSR or medeleg/mideleg; false when `num` is not one of them. */
export function writeSupervisorCsr(cpu: Cpu, num: number, value: number): boolean {
  switch (num) {
    case Csr.sstatus:
      writeMstatusBits(cpu, SSTATUS_MASK, value);
      return true;
    case Csr.sie:
      cpu.mie = (cpu.mie & ~cpu.mideleg) | (value & cpu.mideleg & S_INTERRUPTS);
      return true;
    case Csr.sip: {
      // Only SSIP is writable through sip, and only when delegated.
      const mask = cpu.mideleg & (1 << MipBit.SSIP);
      cpu.mip = (cpu.mip & ~mask) | (value & mask);
      return true;
    }
    case Csr.stvec:
      if ((value & 3) < 2) cpu.stvec = value;
      return true;
    case Csr.scounteren:
      cpu.scounteren = value & 7;
      return true;
    case Csr.sscratch:
      cpu.sscratch = value;
      return true;
    case Csr.sepc:
      cpu.sepc = value & ~1;
      return true;
    case Csr.scause:
      cpu.scause = value;
      return true;
    case Csr.stval:
      cpu.stval = value;
      return true;
    case Csr.satp:
      // MODE is one bit on RV32, so every value is legal; the ASID is kept but does not tag the TLB.
      cpu.satp = value;
      cpu.tlb.flushAll();
      refreshTranslation(cpu);
      return true;
    case Csr.medeleg:
      cpu.medeleg = value & DELEGABLE_EXCEPTIONS;
      return true;
    case Csr.mideleg:
      cpu.mideleg = value & S_INTERRUPTS;
      return true;
    case Csr.senvcfg:
      return true;
  }
  return false;
}

/**
 * Replaces the mstatus bits in `mask` with those of `value`. A change of SUM or MXR flushes
 * the TLB (its entries hold permission decisions); the translation mode is refreshed.
 */
export function writeMstatusBits(cpu: Cpu, mask: number, value: number): void {
  const old = cpu.mstatus;
  cpu.mstatus = (old & ~mask) | (value & mask);
  if (((old ^ cpu.mstatus) & (Mstatus.SUM | Mstatus.MXR)) !== 0) cpu.tlb.flushAll();
  refreshTranslation(cpu);
}
