import { PAGE_BYTES, type Ram } from './ram.js';

const PRIME_A = 0x0100_0193;
const PRIME_B = 0x85eb_ca6b;

/** Hash of one 4 KiB page as two 32-bit lanes, written into `out` at `at`. */
function hashPage(words: Int32Array, first: number, out: Uint32Array, at: number): void {
  let a = 0x811c_9dc5;
  let b = 0x27d4_eb2f;
  for (let i = first; i < first + (PAGE_BYTES >>> 2); i++) {
    const w = words[i]!;
    a = Math.imul(a ^ w, PRIME_A);
    b = Math.imul((b ^ w) + (b << 5), PRIME_B) ^ (b >>> 13);
  }
  out[at] = a;
  out[at + 1] = b;
}

/** A page whose hash changed: its number and new hash. */
export interface PageChange {
  page: number;
  hash: [number, number];
}

/** Spreads a page's hash lane over 32 bits with its page number mixed in (murmur3's finaliser). */
function mix(lane: number, page: number, salt: number): number {
  let h = (lane ^ Math.imul(page + salt, 0x9e37_79b1)) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85eb_ca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2_ae35);
  return (h ^ (h >>> 16)) | 0;
}

/**
 * The RAM part of a state digest, kept incrementally: a hash per 4 KiB page, recomputed only
 * for the pages written since the previous update (Ram's dirty tracking), and a digest that is
 * the sum of every page's hash mixed with its page number, so an update adjusts it by the
 * pages that changed and never walks all of RAM. The page hashes are a cache of RAM contents,
 * never saved.
 */
export class RamDigest {
  /** Two lanes per page. */
  private readonly pageHashes: Uint32Array;
  private lastEpoch: number;
  /** Pages whose hash changed since `changedSinceLastCheckpoint` was last called. */
  private readonly changedPages = new Set<number>();
  /** The two digest lanes: sums (mod 2^32) of every page's mixed hash lanes. */
  private sumA = 0;
  private sumB = 0;

  constructor(private readonly ram: Ram) {
    this.pageHashes = new Uint32Array(ram.pages * 2);
    const zero = new Uint32Array(2);
    hashPage(new Int32Array(PAGE_BYTES >>> 2), 0, zero, 0);
    for (let p = 0; p < ram.pages; p++) {
      this.pageHashes[p * 2] = zero[0]!;
      this.pageHashes[p * 2 + 1] = zero[1]!;
      this.sumA = (this.sumA + mix(zero[0]!, p, 0)) | 0;
      this.sumB = (this.sumB + mix(zero[1]!, p, 0x51ed)) | 0;
    }
    // Every page written since the RAM was created is hashed by the first update.
    this.lastEpoch = 1;
  }

  /** Rehashes the pages written since the last update, then re-arms dirty tracking so the next update sees later writes. */
  update(): void {
    const { ram, pageHashes } = this;
    const epochs = ram.pageEpoch;
    const since = this.lastEpoch;
    const scratch = new Uint32Array(2);
    for (let p = 0; p < ram.pages; p++) {
      if (epochs[p]! < since) continue;
      hashPage(ram.i32, p << 10, scratch, 0);
      const oldA = pageHashes[p * 2]!;
      const oldB = pageHashes[p * 2 + 1]!;
      if (scratch[0] === oldA && scratch[1] === oldB) continue;
      this.sumA = (this.sumA - mix(oldA, p, 0) + mix(scratch[0]!, p, 0)) | 0;
      this.sumB = (this.sumB - mix(oldB, p, 0x51ed) + mix(scratch[1]!, p, 0x51ed)) | 0;
      pageHashes[p * 2] = scratch[0]!;
      pageHashes[p * 2 + 1] = scratch[1]!;
      this.changedPages.add(p);
    }
    this.lastEpoch = ram.nextEpoch();
  }

  /** The pages whose hash changed since the previous call (as of the last update), in page order. */
  changedSinceLastCheckpoint(): PageChange[] {
    const pages = [...this.changedPages].sort((a, b) => a - b);
    this.changedPages.clear();
    return pages.map((page) => ({ page, hash: this.pageHash(page) }));
  }

  /** The hash of page `page` as of the last update. */
  pageHash(page: number): [number, number] {
    return [this.pageHashes[page * 2]!, this.pageHashes[page * 2 + 1]!];
  }

  /** Digest of all of RAM as of the last update (8 bytes). */
  digest(): Uint8Array {
    const out = new Uint8Array(8);
    const view = new DataView(out.buffer);
    view.setUint32(0, this.sumA >>> 0);
    view.setUint32(4, this.sumB >>> 0);
    return out;
  }
}
