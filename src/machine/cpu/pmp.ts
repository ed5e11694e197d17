import { Priv } from './trap-cause.js';

/** Permission bits of a pmpcfg byte, also used as the access kind of a check (privileged spec §3.7.1). */
export const PmpPerm = {
  R: 1,
  W: 2,
  X: 4,
} as const;

const A_SHIFT = 3;
const L = 0x80;
/** Address-matching modes of pmpcfg.A. */
const A_OFF = 0;
const A_TOR = 1;
const A_NA4 = 2;
/** 2^34: the end of the Sv32 physical address space. */
const ADDRESS_SPACE_END = 2 ** 34;
/** `uniform` when no entry is active: M-mode may do anything, S and U nothing. */
const NO_ENTRIES = -1;
/** `uniform` when the answer depends on the address. */
const VARIES = -2;

/**
 * Physical memory protection: pmpcfg0..3 and pmpaddr0..15 with TOR, NA4 and NAPOT matching
 * and the L bit. Writes recompute two summaries so that a check costs nothing while no entry
 * restricts an access: `lockedAny` (M-mode is checked only then) and the uniform answer.
 */
export class Pmp {
  /** pmpcfg0..3, four 8-bit entries each. */
  readonly cfg = new Int32Array(4);
  /** pmpaddr0..15: bits 33..2 of an address. */
  readonly addr = new Int32Array(16);
  /** True when some active entry is locked: only then do M-mode accesses need a check. */
  lockedAny = false;
  /** The cfg byte that decides every access (the first active entry covers all addresses), NO_ENTRIES or VARIES. */
  private uniform = NO_ENTRIES;

  /** True when every address gets the same answer (so a decision holds for a whole page). */
  uniformAnswer(): boolean {
    return this.uniform !== VARIES;
  }

  /** The cfg byte of entry `i`. */
  entry(i: number): number {
    return (this.cfg[i >>> 2]! >>> ((i & 3) * 8)) & 0xff;
  }

  /** Writes pmpcfg`index`; bytes of locked entries keep their value (WARL). */
  writeCfg(index: number, value: number): void {
    let next = 0;
    for (let b = 0; b < 4; b++) {
      const old = this.entry(index * 4 + b);
      next |= ((old & L) !== 0 ? old : (value >>> (b * 8)) & 0xff) << (b * 8);
    }
    this.cfg[index] = next;
    this.summarize();
  }

  /** Writes pmpaddr`index` unless its entry is locked, or the next entry is a locked TOR. */
  writeAddr(index: number, value: number): void {
    if ((this.entry(index) & L) !== 0) return;
    if (index < 15) {
      const next = this.entry(index + 1);
      if ((next & L) !== 0 && ((next >>> A_SHIFT) & 3) === A_TOR) return;
    }
    this.addr[index] = value;
    this.summarize();
  }

  /** Recomputes the summaries (after a write or a restore). */
  summarize(): void {
    this.lockedAny = false;
    this.uniform = NO_ENTRIES;
    let first = true;
    for (let i = 0; i < 16; i++) {
      const e = this.entry(i);
      if (((e >>> A_SHIFT) & 3) === A_OFF) continue;
      if ((e & L) !== 0) this.lockedAny = true;
      if (first) {
        const lo = this.rangeStart(i, e);
        this.uniform = lo === 0 && this.rangeEnd(i, e) >= ADDRESS_SPACE_END ? e : VARIES;
        first = false;
      }
    }
  }

  /**
   * True when an access of `size` bytes at physical `address` with permission `perm` (one of
   * `PmpPerm`) is allowed at privilege `priv` (privileged spec §3.7.1: the lowest-numbered
   * matching entry decides; a partial match fails; no match allows M and denies S and U).
   */
  allows(address: number, size: number, perm: number, priv: number): boolean {
    const uniform = this.uniform;
    if (uniform === NO_ENTRIES) return priv === Priv.M;
    if (uniform !== VARIES) return decide(uniform, perm, priv);
    const end = address + size;
    for (let i = 0; i < 16; i++) {
      const e = this.entry(i);
      if (((e >>> A_SHIFT) & 3) === A_OFF) continue;
      const lo = this.rangeStart(i, e);
      const hi = this.rangeEnd(i, e);
      if (address >= lo && end <= hi) return decide(e, perm, priv);
      if (address < hi && end > lo) return false;
    }
    return priv === Priv.M;
  }

  /** First byte address of active entry `i` with cfg byte `e`. */
  private rangeStart(i: number, e: number): number {
    const a = this.addr[i]! >>> 0;
    const mode = (e >>> A_SHIFT) & 3;
    if (mode === A_TOR) return i === 0 ? 0 : (this.addr[i - 1]! >>> 0) * 4;
    if (mode === A_NA4) return a * 4;
    return (a - napotMask(a)) * 4;
  }

  /** One past the last byte address of active entry `i` with cfg byte `e`. */
  private rangeEnd(i: number, e: number): number {
    const a = this.addr[i]! >>> 0;
    const mode = (e >>> A_SHIFT) & 3;
    if (mode === A_TOR) return a * 4;
    if (mode === A_NA4) return a * 4 + 4;
    return (a - napotMask(a)) * 4 + (napotMask(a) + 1) * 8;
  }
}

/** The low bits a NAPOT pmpaddr leaves to the range: its trailing ones. */
function napotMask(a: number): number {
  let mask = 0;
  while (mask < 0xffff_ffff && (a & (mask + 1)) !== 0) mask = mask * 2 + 1;
  return mask;
}

/** The decision of a matching entry: M-mode passes unless the entry is locked. */
function decide(e: number, perm: number, priv: number): boolean {
  if (priv === Priv.M && (e & L) === 0) return true;
  return (e & perm) === perm;
}
