import type { Ram } from '../ram.js';
import { Mstatus, Satp } from './csr-number.js';
import { PmpPerm, type Pmp } from './pmp.js';
import { Access } from './tlb.js';
import { Priv } from './trap-cause.js';

/** Walk result: the access raises a page fault. */
export const WALK_PAGE_FAULT = -1;
/** Walk result: a page-table entry could not be read (outside RAM or denied by PMP). */
export const WALK_ACCESS_FAULT = -2;
/** Set in a successful walk's result when the leaf is a 4 MiB superpage. */
export const WALK_SUPERPAGE = 1 << 22;
/** The physical page number in a successful walk's result. */
export const WALK_PPN = WALK_SUPERPAGE - 1;

/** Sv32 page-table entry bits (privileged spec §4.3.1). */
const Pte = { V: 1, R: 2, W: 4, X: 8, U: 16, A: 64, D: 128 } as const;
const RAM_BASE = 0x8000_0000;

/** What a walk reads: the translation CSRs, RAM (where page tables live) and PMP. */
export interface WalkContext {
  satp: number;
  mstatus: number;
  readonly ram: Ram;
  readonly pmp: Pmp;
}

/**
 * Translates virtual address `va` for `access` (one of `Access`) at privilege `priv` (S or U)
 * by the Sv32 two-level walk of privileged spec §4.3.2, setting A and D in the leaf as QEMU
 * does. Returns the physical page number of the 4 KiB page holding `va` (plus
 * WALK_SUPERPAGE for a superpage), WALK_PAGE_FAULT or WALK_ACCESS_FAULT.
 */
export function sv32Walk(ctx: WalkContext, va: number, access: number, priv: number): number {
  const ram = ctx.ram;
  let table = (ctx.satp & Satp.PPN) * 4096;
  for (let level = 1; level >= 0; level--) {
    const vpn = level === 1 ? va >>> 22 : (va >>> 12) & 0x3ff;
    const pteAddress = table + vpn * 4;
    const off = pteAddress - RAM_BASE;
    if (off < 0 || off + 4 > ram.bytes || !ctx.pmp.allows(pteAddress, 4, PmpPerm.R, Priv.S)) return WALK_ACCESS_FAULT;
    const pte = ram.i32[off >>> 2]!;
    if ((pte & Pte.V) === 0 || (pte & (Pte.R | Pte.W)) === Pte.W) return WALK_PAGE_FAULT;
    const ppn = pte >>> 10;
    if ((pte & (Pte.R | Pte.X)) === 0) {
      table = ppn * 4096;
      continue;
    }
    if (!permitted(pte, access, priv, ctx.mstatus)) return WALK_PAGE_FAULT;
    // A superpage's PPN[0] must be zero.
    if (level === 1 && (ppn & 0x3ff) !== 0) return WALK_PAGE_FAULT;
    const needed = Pte.A | (access === Access.STORE ? Pte.D : 0);
    if ((pte & needed) !== needed) ram.write(off, 4, pte | needed);
    return level === 1 ? (ppn | ((va >>> 12) & 0x3ff)) | WALK_SUPERPAGE : ppn;
  }
  return WALK_PAGE_FAULT;
}

/** The leaf permission check: R/W/X per access, U against the privilege, SUM and MXR. */
function permitted(pte: number, access: number, priv: number, mstatus: number): boolean {
  if ((pte & Pte.U) !== 0) {
    if (priv === Priv.S && (access === Access.FETCH || (mstatus & Mstatus.SUM) === 0)) return false;
  } else if (priv === Priv.U) {
    return false;
  }
  if (access === Access.FETCH) return (pte & Pte.X) !== 0;
  if (access === Access.STORE) return (pte & Pte.W) !== 0;
  return (pte & Pte.R) !== 0 || ((mstatus & Mstatus.MXR) !== 0 && (pte & Pte.X) !== 0);
}
