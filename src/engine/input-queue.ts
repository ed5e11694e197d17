import type { EventKind } from '../core/event.js';
import type { Machine } from '../machine/machine.js';
import type { FamilyIo, HostInput, PushFamily } from './families/event-family.js';

/**
 * Host input of every push family waiting for the guest: the one queue the live side drains
 * at checkpoints (the host sources are merged into it). Input leaves the queue only when its
 * device accepts it (backpressure), so nothing typed, sent or captured is ever dropped.
 */
export class InputQueue {
  private inputs: HostInput[] = [];
  private waiters: (() => void)[] = [];
  private pushWaiters: (() => void)[] = [];
  /** True once the host side has no more input (every source ended). */
  closed = false;
  /** Counts pushes: a change tells that input arrived since it was last read. */
  arrivals = 0;

  /** Appends host input (null, input that carries nothing, is ignored). */
  push(input: HostInput | null): void {
    if (input === null) return;
    this.arrivals++;
    this.inputs.push(input);
    this.wake();
    const waiters = this.pushWaiters;
    this.pushWaiters = [];
    for (const w of waiters) w();
  }

  /** Marks the end of host input. */
  close(): void {
    this.closed = true;
    this.wake();
  }

  /** True when input is waiting. */
  get pending(): boolean {
    return this.inputs.length > 0;
  }

  /**
   * Offers the queued input to the machine, oldest first, and removes what was taken. Once a
   * family's device is full, its later input waits too (its order is kept). `onApplied` hears
   * each payload a device accepted, in the order applied — the order the log must keep, since
   * applying one may pull (a BH that asks for entropy) and replay applies them in log order.
   */
  deliver(machine: Machine, io: FamilyIo, onApplied: (input: HostInput) => void): void {
    const full = new Set<PushFamily<EventKind>>();
    const left: HostInput[] = [];
    for (const input of this.inputs) {
      const family = input.family;
      if (full.has(family)) {
        left.push(input);
        continue;
      }
      const payload = input.payload as never;
      const taken = family.apply(machine, payload, io);
      if (taken !== null) onApplied({ family, payload: taken });
      const rest = taken === null ? payload : family.rest(payload, taken);
      if (rest !== null) {
        full.add(family);
        left.push({ family, payload: rest });
      }
    }
    this.inputs = left;
  }

  /** Resolves when the next input is pushed, even after the queue closed (a completion still due). */
  whenPushed(): Promise<void> {
    return new Promise((resolve) => this.pushWaiters.push(resolve));
  }

  /**
   * Resolves when new input arrives or the queue closes (at once if it is closed). Input already
   * queued does not count: its device had no room for it.
   */
  whenChanged(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
