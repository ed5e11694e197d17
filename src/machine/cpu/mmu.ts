import type { Cpu } from './cpu.js';
import { Mstatus } from './csr-number.js';
import { PmpPerm } from './pmp.js';
import { sv32Walk, WALK_PAGE_FAULT, WALK_PPN, WALK_SUPERPAGE } from './sv32-walk.js';
import { Access } from './tlb.js';
import { Exception, Priv } from './trap-cause.js';
import { raiseException } from './trap.js';

const PAGE_FAULT = [Exception.INSTRUCTION_PAGE_FAULT, Exception.LOAD_PAGE_FAULT, Exception.STORE_PAGE_FAULT];
const ACCESS_FAULT = [Exception.INSTRUCTION_ACCESS_FAULT, Exception.LOAD_ACCESS_FAULT, Exception.STORE_ACCESS_FAULT];
const PERM = [PmpPerm.X, PmpPerm.R, PmpPerm.W];
/** Largest physical address the bus can reach (Sv32 makes 34-bit ones). */
const BUS_LIMIT = 0xffff_ffff;

/** The privilege loads and stores run at: MPP when M-mode sets MPRV (privileged spec §3.1.6.3). */
export function dataPriv(cpu: Cpu): number {
  if (cpu.priv === Priv.M && (cpu.mstatus & Mstatus.MPRV) !== 0) return (cpu.mstatus & Mstatus.MPP) >>> Mstatus.MPP_SHIFT;
  return cpu.priv;
}

/**
 * The hart's translation mode: 0 while M-mode accesses need neither paging nor PMP checks
 * (the fast path: guest addresses are physical), 1 otherwise (every access goes through `translate`).
 */
export function translationMode(cpu: Cpu): number {
  return cpu.priv !== Priv.M || dataPriv(cpu) !== Priv.M || cpu.pmp.lockedAny ? 1 : 0;
}

/**
 * Brings `cpu.xlate` up to date after privilege, mstatus, satp, PMP or the TLB changed (and
 * forgets the cached fetch page); when the mode changes, the slice ends after the current
 * instruction so the run loop picks the matching path.
 */
export function refreshTranslation(cpu: Cpu): void {
  cpu.forgetFetchPage();
  const mode = translationMode(cpu);
  if (mode === cpu.xlate) return;
  cpu.xlate = mode;
  cpu.endSlice();
}

/**
 * The physical address of `size` bytes at virtual `va` for `access` (one of `Access`): Sv32
 * through the TLB when satp enables it below M-mode, then PMP. Returns -1 after raising the
 * page or access fault (tval = `va`).
 */
export function translate(cpu: Cpu, va: number, access: number, size: number): number {
  const priv = access === Access.FETCH ? cpu.priv : dataPriv(cpu);
  let pa = va >>> 0;
  if (priv !== Priv.M && cpu.satp < 0) {
    const vpn = va >>> 12;
    let ppn = cpu.tlb.lookup(access, priv, vpn);
    if (ppn < 0) {
      const walked = sv32Walk(cpu, va, access, priv);
      if (walked < 0) {
        raiseException(cpu, walked === WALK_PAGE_FAULT ? PAGE_FAULT[access]! : ACCESS_FAULT[access]!, va);
        return -1;
      }
      ppn = walked & WALK_PPN;
      cpu.tlb.fill(access, priv, vpn, ppn, (walked & WALK_SUPERPAGE) !== 0);
    }
    pa = ppn * 4096 + (va & 0xfff);
  }
  if ((priv !== Priv.M || cpu.pmp.lockedAny) && !cpu.pmp.allows(pa, size, PERM[access]!, priv)) {
    raiseException(cpu, ACCESS_FAULT[access]!, va);
    return -1;
  }
  return pa;
}

/** Bytes of an access at `va` that lie in its first page. */
function firstPart(va: number, size: number): number {
  return Math.min(size, 4096 - (va & 0xfff));
}

/**
 * Physical addresses of the two parts of an access at `va` (the second only when it crosses
 * a page), written into `out`; false after raising a fault.
 */
function translateParts(cpu: Cpu, va: number, size: number, access: number, out: Float64Array): boolean {
  const first = firstPart(va, size);
  out[0] = translate(cpu, va, access, first);
  if (out[0] < 0) return false;
  if (first === size) return true;
  out[1] = translate(cpu, (va + first) | 0, access, size - first);
  return out[1]! >= 0;
}

const parts = new Float64Array(2);

/** Lets compiled code access the page of `va` directly when physical `pa` is RAM and PMP answers the same everywhere. */
function rememberDataPage(cpu: Cpu, store: boolean, va: number, pa: number): void {
  const page = pa - 0x8000_0000 - (pa & 0xfff);
  if (page >= 0 && page + 4096 <= cpu.ram.bytes && cpu.pmp.uniformAnswer()) cpu.dataPages.fill(store, va >>> 12, page);
}

/** A load of `size` bytes at virtual `va` in translated mode; returns 0 after raising a fault. */
export function loadTranslated(cpu: Cpu, va: number, size: 1 | 2 | 4): number {
  const known = cpu.dataPages.ramOffset(false, va, size);
  if (known >= 0) return cpu.ram.read(known, size);
  if (!translateParts(cpu, va, size, Access.LOAD, parts)) return 0;
  const first = firstPart(va, size);
  if (first === size) {
    rememberDataPage(cpu, false, va, parts[0]!);
    return physicalLoad(cpu, parts[0]!, size, va);
  }
  let v = 0;
  for (let i = size - 1; i >= 0; i--) {
    const byte = physicalLoad(cpu, i < first ? parts[0]! + i : parts[1]! + (i - first), 1, va);
    if (cpu.excepted) return 0;
    v = (v << 8) | byte;
  }
  return v >>> 0;
}

/** A store of `size` bytes at virtual `va` in translated mode; raises a fault instead when it must. */
export function storeTranslated(cpu: Cpu, va: number, size: 1 | 2 | 4, value: number): void {
  const known = cpu.dataPages.ramOffset(true, va, size);
  if (known >= 0) return cpu.ram.write(known, size, value);
  if (!translateParts(cpu, va, size, Access.STORE, parts)) return;
  const first = firstPart(va, size);
  if (first === size) {
    rememberDataPage(cpu, true, va, parts[0]!);
    return physicalStore(cpu, parts[0]!, size, value, va);
  }
  for (let i = 0; i < size && !cpu.excepted; i++) {
    physicalStore(cpu, i < first ? parts[0]! + i : parts[1]! + (i - first), 1, value >>> (8 * i), va);
  }
}

/** Reads the bus at physical `pa`; an unmapped address raises `cause` (a load access fault) with tval `va`. */
export function physicalLoad(cpu: Cpu, pa: number, size: 1 | 2 | 4, va: number, cause: number = Exception.LOAD_ACCESS_FAULT): number {
  const bus = cpu.bus;
  const v = pa > BUS_LIMIT ? 0 : bus.read(pa, size);
  if (pa > BUS_LIMIT || bus.faulted) {
    bus.faulted = false;
    raiseException(cpu, cause, va);
  }
  return v;
}

/** Writes the bus at physical `pa`; an unmapped address raises a store access fault with tval `va`. */
export function physicalStore(cpu: Cpu, pa: number, size: 1 | 2 | 4, value: number, va: number): void {
  const bus = cpu.bus;
  if (pa <= BUS_LIMIT) bus.write(pa, size, value);
  if (pa > BUS_LIMIT || bus.faulted) {
    bus.faulted = false;
    raiseException(cpu, Exception.STORE_ACCESS_FAULT, va);
  }
}

/** The halfword of instruction memory at virtual `va`, which was just fetched (for mtval/stval). */
export function instructionHalf(cpu: Cpu, va: number): number {
  const pa = cpu.xlate === 0 ? va >>> 0 : translate(cpu, va, Access.FETCH, 2);
  return pa < 0 ? 0 : cpu.bus.read(pa, 2);
}
