import type { Cpu } from './cpu.js';
import { Mstatus } from './csr-number.js';
import { refreshTranslation } from './mmu.js';
import { INTERRUPT_BIT, Priv } from './trap-cause.js';
import { MipBit } from '../interrupt-pins.js';

/** The pc of a trap vector: `base` in direct mode, `base + 4 * cause` for an interrupt in vectored mode. */
function vectorOf(tvec: number, cause: number): number {
  const base = tvec & ~3;
  return (tvec & 3) === 1 && (cause & INTERRUPT_BIT) !== 0 ? (base + 4 * (cause & 0x7fff_ffff)) | 0 : base;
}

/**
 * Enters a trap handler (privileged spec §3.1.6.1, §3.3.1, §4.1.1): a trap from S or U whose
 * cause is delegated in medeleg/mideleg goes to S-mode (sepc, scause, stval, SPP, SPIE, stvec),
 * every other one to M-mode.
 */
function enterTrap(cpu: Cpu, cause: number, tval: number, epc: number): void {
  const s = cpu.mstatus;
  const code = cause & 0x7fff_ffff;
  const deleg = (cause & INTERRUPT_BIT) !== 0 ? cpu.mideleg : cpu.medeleg;
  if (cpu.priv !== Priv.M && ((deleg >>> code) & 1) !== 0) {
    const sie = (s & Mstatus.SIE) !== 0;
    cpu.mstatus = (s & ~(Mstatus.SIE | Mstatus.SPIE | Mstatus.SPP)) | (sie ? Mstatus.SPIE : 0) | (cpu.priv === Priv.S ? Mstatus.SPP : 0);
    cpu.priv = Priv.S;
    cpu.sepc = epc;
    cpu.scause = cause;
    cpu.stval = tval;
    cpu.pc = vectorOf(cpu.stvec, cause);
  } else {
    const mie = (s & Mstatus.MIE) !== 0;
    cpu.mstatus = (s & ~(Mstatus.MIE | Mstatus.MPIE | Mstatus.MPP)) | (mie ? Mstatus.MPIE : 0) | (cpu.priv << Mstatus.MPP_SHIFT);
    cpu.priv = Priv.M;
    cpu.mepc = epc;
    cpu.mcause = cause;
    cpu.mtval = tval;
    cpu.pc = vectorOf(cpu.mtvec, cause);
  }
  refreshTranslation(cpu);
  cpu.onTrap?.(cause, tval, epc);
}

/**
 * Raises synchronous exception `cause` for the instruction at `cpu.pc`. A fault at the trap
 * vector itself can never make progress, so the machine halts with a trap-storm report.
 */
export function raiseException(cpu: Cpu, cause: number, tval: number): void {
  cpu.excepted = true;
  const epc = cpu.pc;
  const fromPriv = cpu.priv;
  enterTrap(cpu, cause, tval, epc);
  // A trap into a higher privilege may make the same instruction legal: only a trap into the same level can storm.
  if (cpu.pc === epc && fromPriv === cpu.priv) {
    cpu.halt({ kind: 'trap-storm', pc: epc >>> 0, mcause: cause });
    cpu.sliceLimit = cpu.icount;
  }
}

/** Interrupts in priority order (privileged spec §3.1.9): MEI, MSI, MTI, SEI, SSI, STI. */
const PRIORITY = [MipBit.MEIP, MipBit.MSIP, MipBit.MTIP, MipBit.SEIP, MipBit.SSIP, MipBit.STIP];

/** The highest-priority interrupt among the bits of `pending` as an mcause value, or 0. */
function highest(pending: number): number {
  for (const bit of PRIORITY) if ((pending & (1 << bit)) !== 0) return (INTERRUPT_BIT | bit) | 0;
  return 0;
}

/** The mcause of the interrupt `takePendingInterrupt` would take now, or 0. */
export function interruptDue(cpu: Cpu): number {
  const pending = cpu.mip & cpu.mie;
  if (pending === 0) return 0;
  const s = cpu.mstatus;
  const mEnabled = cpu.priv !== Priv.M || (s & Mstatus.MIE) !== 0;
  const sEnabled = cpu.priv === Priv.U || (cpu.priv === Priv.S && (s & Mstatus.SIE) !== 0);
  const cause = mEnabled ? highest(pending & ~cpu.mideleg) : 0;
  return cause === 0 && sEnabled ? highest(pending & cpu.mideleg) : cause;
}

/**
 * Takes the highest-priority pending and enabled interrupt, if any, before the instruction
 * at `cpu.pc`. Interrupts for M-mode (not delegated) are enabled below M or with MIE, and come
 * before those delegated to S-mode, which are enabled below S or in S with SIE (§3.1.9).
 * Returns true when one was taken.
 */
export function takePendingInterrupt(cpu: Cpu): boolean {
  const cause = interruptDue(cpu);
  if (cause === 0) return false;
  cpu.waiting = false;
  enterTrap(cpu, cause, 0, cpu.pc);
  return true;
}
