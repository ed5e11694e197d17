/** Access kinds of an address translation; each has its own TLB ways. */
export const Access = {
  FETCH: 0,
  LOAD: 1,
  STORE: 2,
} as const;

/** log2 of the entries per (access kind, privilege) way. */
const WAY_BITS = 8;
const WAY_MASK = (1 << WAY_BITS) - 1;

/**
 * A direct-mapped software TLB for Sv32: one way of 256 entries per access kind and per
 * privilege (S or U), each mapping a 4 KiB virtual page number to a physical page number.
 * An entry is only filled after the walk found the access permitted with the A (and for
 * stores D) bit set, so a hit needs no further checks. Superpages are cached per 4 KiB page.
 * ASIDs are not tagged: satp writes flush everything.
 */
export class Tlb {
  /** Virtual page number held by each entry, or -1. */
  private readonly vpns = new Int32Array(6 << WAY_BITS).fill(-1);
  /** Physical page number of each entry (22 bits). */
  private readonly ppns = new Int32Array(6 << WAY_BITS);
  /** True when an entry came from a superpage: flushing one address must then flush all. */
  private superpages = false;

  /** The physical page number for `vpn`, or -1 on a miss. */
  lookup(access: number, priv: number, vpn: number): number {
    const i = slot(access, priv, vpn);
    return this.vpns[i] === vpn ? this.ppns[i]! : -1;
  }

  /** Remembers a permitted translation. */
  fill(access: number, priv: number, vpn: number, ppn: number, superpage: boolean): void {
    const i = slot(access, priv, vpn);
    this.vpns[i] = vpn;
    this.ppns[i] = ppn;
    if (superpage) this.superpages = true;
  }

  /** Forgets every entry (satp write, sfence.vma without address, SUM/MXR change, restore). */
  flushAll(): void {
    this.vpns.fill(-1);
    this.superpages = false;
  }

  /** Forgets the entries for virtual page `vpn` (sfence.vma with an address), in every ASID. */
  flushPage(vpn: number): void {
    if (this.superpages) return this.flushAll();
    for (let way = 0; way < 6; way++) {
      const i = (way << WAY_BITS) | (vpn & WAY_MASK);
      if (this.vpns[i] === vpn) this.vpns[i] = -1;
    }
  }
}

/** Entry index of `vpn` in the way of (access, priv); priv is 0 (U) or 1 (S). */
function slot(access: number, priv: number, vpn: number): number {
  return (((access << 1) | priv) << WAY_BITS) | (vpn & WAY_MASK);
}
