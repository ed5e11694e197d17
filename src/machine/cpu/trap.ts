import type { Cpu } from './cpu.js';
import { Mstatus } from './csr-number.js';
import { INTERRUPT_BIT, Priv } from './trap-cause.js';
import { MipBit } from '../interrupt-pins.js';

/** Enters the M-mode trap handler (privileged spec §3.1.6.1, §3.3.1): saves state, jumps to mtvec. */
function enterTrap(cpu: Cpu, cause: number, tval: number, epc: number): void {
  const s = cpu.mstatus;
  const mie = (s & Mstatus.MIE) !== 0;
  cpu.mstatus = (s & ~(Mstatus.MIE | Mstatus.MPIE | Mstatus.MPP)) | (mie ? Mstatus.MPIE : 0) | (cpu.priv << Mstatus.MPP_SHIFT);
  cpu.priv = Priv.M;
  cpu.mepc = epc;
  cpu.mcause = cause;
  cpu.mtval = tval;
  const base = cpu.mtvec & ~3;
  const vectored = (cpu.mtvec & 3) === 1 && (cause & INTERRUPT_BIT) !== 0;
  cpu.pc = vectored ? (base + 4 * (cause & 0x7fff_ffff)) | 0 : base;
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
  // From a lower privilege the same instruction may be legal in M-mode: only M-mode can storm.
  if (cpu.pc === epc && fromPriv === Priv.M) {
    cpu.halt({ kind: 'trap-storm', pc: epc >>> 0, mcause: cause });
    cpu.sliceLimit = cpu.icount;
  }
}

/** Interrupts in priority order (privileged spec §3.1.9): MEI, MSI, MTI, SEI, SSI, STI. */
const PRIORITY = [MipBit.MEIP, MipBit.MSIP, MipBit.MTIP, MipBit.SEIP, MipBit.SSIP, MipBit.STIP];

/**
 * Takes the highest-priority pending and enabled interrupt, if any, before the instruction
 * at `cpu.pc`. Returns true when one was taken.
 */
export function takePendingInterrupt(cpu: Cpu): boolean {
  const pending = cpu.mip & cpu.mie;
  if (pending === 0) return false;
  if (cpu.priv === Priv.M && (cpu.mstatus & Mstatus.MIE) === 0) return false;
  for (const bit of PRIORITY) {
    if ((pending & (1 << bit)) !== 0) {
      cpu.waiting = false;
      enterTrap(cpu, (INTERRUPT_BIT | bit) | 0, 0, cpu.pc);
      return true;
    }
  }
  return false;
}
