/** log2 of the entries of each direct-mapped table. */
const BITS = 8;
const MASK = (1 << BITS) - 1;

/**
 * The virtual pages compiled code may load from and store to without translating: for each
 * of 256 slots (virtual page number mod 256) the page number held, or -1, and the RAM offset
 * of its page. Filled by the translated slow paths after an access to RAM was translated and
 * permitted while PMP answers the same everywhere (a store only after the walk set D); emptied
 * whenever a translation may change (Cpu.forgetFetchPage: privilege, mstatus, satp, PMP, TLB
 * flushes, restore). The arrays are filled in place: compiled code holds them.
 */
export class DataPages {
  readonly loadTag = new Int32Array(1 << BITS).fill(-1);
  readonly loadBase = new Int32Array(1 << BITS);
  readonly storeTag = new Int32Array(1 << BITS).fill(-1);
  readonly storeBase = new Int32Array(1 << BITS);
  /** True while some slot holds a page (so clearing an empty table costs nothing). */
  private filled = false;

  /** Remembers that virtual page `vpn` is RAM at `pageOffset` for loads (or stores, with `store`). */
  fill(store: boolean, vpn: number, pageOffset: number): void {
    const slot = vpn & MASK;
    (store ? this.storeTag : this.loadTag)[slot] = vpn;
    (store ? this.storeBase : this.loadBase)[slot] = pageOffset;
    this.filled = true;
  }

  /** Forgets every page. */
  clear(): void {
    if (!this.filled) return;
    this.loadTag.fill(-1);
    this.storeTag.fill(-1);
    this.filled = false;
  }
}
