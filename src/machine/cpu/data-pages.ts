/**
 * The delta of a virtual page that is not known (deltas are multiples of 4096). The tables hold
 * each delta XOR NO_PAGE, so a fresh table (all zero, which the OS hands out without touching
 * it) knows no page: readers XOR it back.
 */
export const NO_PAGE = 1;
/** Filled slots remembered one by one before a clear empties the whole tables instead. */
const MAX_TRACKED = 4096;

/**
 * The virtual pages compiled code may load from and store to without translating: for every
 * virtual page number, the RAM offset of the page minus its virtual address (so a RAM offset is
 * `address + delta`), or NO_PAGE, stored XOR NO_PAGE (see there). Filled by the translated
 * slow paths after an access to RAM was translated and permitted while PMP answers the same
 * everywhere (a store only after the walk set D); emptied whenever a translation may change
 * (Cpu.forgetFetchPage: privilege, mstatus, satp, PMP, TLB flushes, restore). One table lookup
 * per access (compiled code looks again only when an access site changes page, see
 * instruction-source.ts): a miss (NO_PAGE is odd) also fails the alignment test of halfword
 * and word accesses. The tables (4 MiB each) are made when first asked for (a hart that never
 * translates has none; filling them with NO_PAGE took 28 ms per machine) and then filled in
 * place: compiled code holds them.
 */
export class DataPages {
  private load: Int32Array | null = null;
  private store: Int32Array | null = null;
  /** Virtual page numbers filled since the last clear (load ones, then store ones, mixed), or null once too many to track. */
  private filled: number[] | null = [];

  /** Deltas for loads XOR NO_PAGE, by virtual page number. */
  get loadDelta(): Int32Array {
    return this.made().load;
  }

  /** Deltas for stores XOR NO_PAGE, by virtual page number. */
  get storeDelta(): Int32Array {
    return this.made().store;
  }

  /** Both tables, made on first use. */
  private made(): { load: Int32Array; store: Int32Array } {
    this.load ??= new Int32Array(1 << 20);
    this.store ??= new Int32Array(1 << 20);
    return { load: this.load, store: this.store };
  }

  /**
   * The RAM offset of a naturally aligned `size`-byte load (a store, with `store`) at virtual
   * `va` when its page is known, else -1: the slow paths use the pages compiled code uses (the
   * interpreter takes them for every access in translated mode).
   */
  ramOffset(store: boolean, va: number, size: number): number {
    const table = store ? this.store : this.load;
    if (table === null) return -1;
    const d = table[va >>> 12]! ^ NO_PAGE;
    return d === NO_PAGE || (va & (size - 1)) !== 0 ? -1 : (va + d) | 0;
  }

  /** Remembers that virtual page `vpn` is RAM at `pageOffset` for loads (or stores, with `store`). */
  fill(store: boolean, vpn: number, pageOffset: number): void {
    (store ? this.storeDelta : this.loadDelta)[vpn] = (pageOffset - vpn * 4096) ^ NO_PAGE;
    if (this.filled === null) return;
    if (this.filled.length < MAX_TRACKED) this.filled.push(vpn);
    else this.filled = null;
  }

  /** Forgets every page. */
  clear(): void {
    const { load, store, filled } = this;
    if (load === null || store === null) return;
    if (filled === null) {
      load.fill(0);
      store.fill(0);
      this.filled = [];
      return;
    }
    for (const vpn of filled) {
      load[vpn] = 0;
      store[vpn] = 0;
    }
    filled.length = 0;
  }
}
