/** What a lookup gives for a virtual page that is not known (deltas are multiples of 4096, so it fails alignment tests). */
export const NO_PAGE = 1;
/** log2 of the sets of each table: a virtual page number's low bits pick its set. */
export const DATA_PAGE_SET_BITS = 12;
const SETS = 1 << DATA_PAGE_SET_BITS;
/** An empty set's tag (no virtual page number is negative). */
const EMPTY = -1;

/**
 * The virtual pages compiled code may load from and store to without translating, as two
 * direct-mapped tables (loads and stores apart) of SETS sets: set `vpn & (SETS - 1)` holds a
 * virtual page number (the tag, at an even index) and the RAM offset of that page minus its
 * virtual address (the delta, next to it: a RAM offset is `address + delta`). Filled by the
 * translated slow paths after an access to RAM was translated and permitted while PMP answers
 * the same everywhere (a store only after the walk set D); a page filled into a taken set
 * replaces the one there, which then takes the slow path again. Emptied whenever a translation
 * may change (Cpu.forgetFetchPage: privilege, mstatus, satp, PMP, TLB flushes, restore).
 * Compiled code looks a page up only when an access site changes page (see
 * instruction-source.ts). The tables are small (64 KiB in all) so a machine makes them at
 * once: the earlier 4 MiB tables indexed by page number made V8 collect garbage when a paged
 * session first allocated them (up to 25 ms).
 */
export class DataPages {
  /** Loads: tag, delta, tag, delta, … by set. */
  readonly load = new Int32Array(2 * SETS).fill(EMPTY);
  /** Stores, the same way. */
  readonly store = new Int32Array(2 * SETS).fill(EMPTY);
  /** Sets filled since the last clear (load ones, then store ones, mixed), or null once too many to track. */
  private filled: number[] | null = [];

  /**
   * The RAM offset of a naturally aligned `size`-byte load (a store, with `store`) at virtual
   * `va` when its page is known, else -1: the slow paths use the pages compiled code uses (the
   * interpreter takes them for every access in translated mode).
   */
  ramOffset(store: boolean, va: number, size: number): number {
    const d = delta(store ? this.store : this.load, va >>> 12);
    return d === NO_PAGE || (va & (size - 1)) !== 0 ? -1 : (va + d) | 0;
  }

  /** Remembers that virtual page `vpn` is RAM at `pageOffset` for loads (or stores, with `store`). */
  fill(store: boolean, vpn: number, pageOffset: number): void {
    const table = store ? this.store : this.load;
    const i = (vpn & (SETS - 1)) << 1;
    table[i] = vpn;
    table[i + 1] = pageOffset - vpn * 4096;
    if (this.filled === null) return;
    if (this.filled.length < SETS) this.filled.push(i);
    else this.filled = null;
  }

  /** Forgets every page. */
  clear(): void {
    const { load, store, filled } = this;
    if (filled === null) {
      load.fill(EMPTY);
      store.fill(EMPTY);
      this.filled = [];
      return;
    }
    for (const i of filled) {
      load[i] = EMPTY;
      store[i] = EMPTY;
    }
    filled.length = 0;
  }
}

/** The delta of virtual page `vpn` in `table`, or NO_PAGE (what generated code does inline, see instruction-source.ts). */
function delta(table: Int32Array, vpn: number): number {
  const i = (vpn & (SETS - 1)) << 1;
  return table[i] === vpn ? table[i + 1]! : NO_PAGE;
}
