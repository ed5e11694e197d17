import { PAGE_BYTES } from '../machine/ram.js';
import type { Snapshot } from './snapshot.js';

/** Bytes a snapshot holds besides its RAM pages (registers, devices, the page table). */
const FIXED_BYTES_PER_PAGE_SLOT = 8;
const FIXED_BYTES = 16 * 1024;

/**
 * The automatic snapshots of a replay, ordered by icount, within a memory cap. RAM pages
 * shared between snapshots are counted once. When the cap is exceeded, the snapshot whose
 * removal leaves the smallest gap goes (never the one at icount 0), so snapshots thin out
 * evenly and the longest stretch to re-execute grows as slowly as it can.
 */
export class SnapshotStore {
  private readonly snapshots: Snapshot[] = [];
  /** References to each page array held by the snapshots. */
  private readonly pageRefs = new Map<Uint8Array, number>();
  private bytes = 0;
  /** The snapshot added last: never evicted by its own addition. */
  private newest: Snapshot | null = null;

  constructor(
    /** The memory cap in bytes. */
    readonly capBytes: number,
  ) {}

  /** Memory the snapshots hold, in bytes (shared pages counted once). */
  get heldBytes(): number {
    return this.bytes;
  }

  /** How many snapshots are held. */
  get count(): number {
    return this.snapshots.length;
  }

  /** The icounts of the snapshots held, ascending. */
  icounts(): number[] {
    return this.snapshots.map((s) => s.icount);
  }

  /** Adds a snapshot (replacing one at the same icount), then evicts down to the cap. */
  add(snapshot: Snapshot): void {
    const at = this.indexAfter(snapshot.icount);
    if (at > 0 && this.snapshots[at - 1]!.icount === snapshot.icount) this.removeAt(at - 1);
    this.snapshots.splice(this.indexAfter(snapshot.icount), 0, snapshot);
    this.newest = snapshot;
    this.bytes += FIXED_BYTES + FIXED_BYTES_PER_PAGE_SLOT * snapshot.session.machine.pages.length;
    for (const page of snapshot.session.machine.pages) {
      if (page === null) continue;
      const refs = this.pageRefs.get(page) ?? 0;
      if (refs === 0) this.bytes += PAGE_BYTES;
      this.pageRefs.set(page, refs + 1);
    }
    // The snapshot just taken stays: the run that took it goes on from it.
    while (this.bytes > this.capBytes && this.evictOne());
  }

  /** The latest snapshot at or before `icount`, or undefined. */
  atOrBefore(icount: number): Snapshot | undefined {
    const at = this.indexAfter(icount);
    return at > 0 ? this.snapshots[at - 1] : undefined;
  }

  /** The latest snapshot strictly before `icount`, or undefined. */
  before(icount: number): Snapshot | undefined {
    return this.atOrBefore(icount - 1);
  }

  /** Index of the first snapshot with an icount above `icount`. */
  private indexAfter(icount: number): number {
    let lo = 0;
    let hi = this.snapshots.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.snapshots[mid]!.icount <= icount) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Evicts one snapshot if any may go; false when none may. */
  private evictOne(): boolean {
    // Candidates: every snapshot but the first, the last and the newest.
    let best = -1;
    let bestGap = Infinity;
    for (let i = 1; i < this.snapshots.length - 1; i++) {
      if (this.snapshots[i] === this.newest) continue;
      const gap = this.snapshots[i + 1]!.icount - this.snapshots[i - 1]!.icount;
      if (gap < bestGap) {
        bestGap = gap;
        best = i;
      }
    }
    if (best > 0) this.removeAt(best);
    return best > 0;
  }

  private removeAt(index: number): void {
    const [gone] = this.snapshots.splice(index, 1);
    this.bytes -= FIXED_BYTES + FIXED_BYTES_PER_PAGE_SLOT * gone!.session.machine.pages.length;
    for (const page of gone!.session.machine.pages) {
      if (page === null) continue;
      const refs = this.pageRefs.get(page)! - 1;
      if (refs === 0) {
        this.pageRefs.delete(page);
        this.bytes -= PAGE_BYTES;
      } else this.pageRefs.set(page, refs);
    }
  }
}
