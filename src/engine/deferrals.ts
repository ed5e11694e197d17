import type { Machine } from '../machine/machine.js';

/** A BH asked for and not yet run: which device (its virtio slot) and what for. */
export interface PendingBh {
  readonly owner: number;
  readonly tag: number;
}

/** Deferral state kept with a snapshot (see `Deferrals.save`). */
export interface SavedDeferrals {
  readonly nextId: number;
  readonly pending: ReadonlyMap<number, PendingBh>;
}

/**
 * One-shot deferred calls (BHs, DESIGN §3): the engine state behind the machine's `defer`
 * port. A device asks for a BH and gets an id; the BH is plain data (owner, tag), never a
 * closure, so snapshots save it and replay matches it by id. Live, a BH is due at once (or
 * after a `--chaos-io` delay) and `onDue` queues it as a BH event; the machine runs it when
 * that event is applied at a checkpoint. In replay the recorded BH events run them.
 */
export class Deferrals {
  private nextId = 1;
  private readonly pending = new Map<number, PendingBh>();
  private delayed = 0;

  constructor(
    private readonly live: boolean,
    /** Live: BH `id` is due (queue its event). */
    private readonly onDue: (id: number) => void = () => {},
    /** `--chaos-io`: an extra delay before each BH is due, in ms. */
    private readonly chaosDelayMs: (() => number) | null = null,
  ) {}

  /** Live: BHs whose chaos delay has not ended (their event is still coming). */
  get inFlight(): number {
    return this.delayed;
  }

  /** Asks for a BH for device `owner` with `tag` (the machine's `defer` port); returns its id. */
  start(owner: number, tag: number): number {
    const id = this.nextId++;
    this.pending.set(id, { owner, tag });
    if (!this.live) return id;
    const delayMs = this.chaosDelayMs?.() ?? 0;
    if (delayMs > 0) {
      this.delayed++;
      setTimeout(() => {
        this.delayed--;
        this.onDue(id);
      }, delayMs);
    } else {
      this.onDue(id);
    }
    return id;
  }

  /** Runs BH `id` in its device; false when no device asked for it (a divergence in replay). */
  run(machine: Machine, id: number): boolean {
    const bh = this.pending.get(id);
    if (bh === undefined) return false;
    this.pending.delete(id);
    machine.runDeferred(bh.owner, bh.tag, id);
    return true;
  }

  /** The BHs pending and the next id (entries are never changed, so snapshots share them). */
  save(): SavedDeferrals {
    return { nextId: this.nextId, pending: new Map(this.pending) };
  }

  /** Returns to a state `save` returned. */
  restore(saved: SavedDeferrals): void {
    this.nextId = saved.nextId;
    this.pending.clear();
    for (const [id, bh] of saved.pending) this.pending.set(id, bh);
  }
}
