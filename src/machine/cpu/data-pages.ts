/** What a slot of the tables holds while its virtual page is not known (deltas are multiples of 4096). */
export const NO_PAGE = 1;
/** Filled slots remembered one by one before a clear empties the whole tables instead. */
const MAX_TRACKED = 4096;

/**
 * The virtual pages compiled code may load from and store to without translating: for every
 * virtual page number, the RAM offset of the page minus its virtual address (so a RAM offset is
 * `address + delta`), or NO_PAGE. Filled by the translated slow paths after an access to RAM
 * was translated and permitted while PMP answers the same everywhere (a store only after the
 * walk set D); emptied whenever a translation may change (Cpu.forgetFetchPage: privilege,
 * mstatus, satp, PMP, TLB flushes, restore). One table lookup per access: a miss (NO_PAGE is
 * odd) also fails the alignment test of halfword and word accesses. The tables (4 MiB each)
 * are made when first asked for (a hart that never translates has none) and then filled in
 * place: compiled code holds them.
 */
export class DataPages {
  private load: Int32Array | null = null;
  private store: Int32Array | null = null;
  /** Virtual page numbers filled since the last clear (load ones, then store ones, mixed), or null once too many to track. */
  private filled: number[] | null = [];

  /** Deltas for loads, by virtual page number. */
  get loadDelta(): Int32Array {
    return this.made().load;
  }

  /** Deltas for stores, by virtual page number. */
  get storeDelta(): Int32Array {
    return this.made().store;
  }

  /** Both tables, made on first use. */
  private made(): { load: Int32Array; store: Int32Array } {
    this.load ??= new Int32Array(1 << 20).fill(NO_PAGE);
    this.store ??= new Int32Array(1 << 20).fill(NO_PAGE);
    return { load: this.load, store: this.store };
  }

  /** Remembers that virtual page `vpn` is RAM at `pageOffset` for loads (or stores, with `store`). */
  fill(store: boolean, vpn: number, pageOffset: number): void {
    (store ? this.storeDelta : this.loadDelta)[vpn] = (pageOffset - vpn * 4096) | 0;
    if (this.filled === null) return;
    if (this.filled.length < MAX_TRACKED) this.filled.push(vpn);
    else this.filled = null;
  }

  /** Forgets every page. */
  clear(): void {
    const { load, store, filled } = this;
    if (load === null || store === null) return;
    if (filled === null) {
      load.fill(NO_PAGE);
      store.fill(NO_PAGE);
      this.filled = [];
      return;
    }
    for (const vpn of filled) {
      load[vpn] = NO_PAGE;
      store[vpn] = NO_PAGE;
    }
    filled.length = 0;
  }
}
