import type { EventKind } from '../core/event.js';
import type { Machine } from '../machine/machine.js';
import type { HostInput, PushFamily } from './families/event-family.js';
import { FAMILIES } from './families/registry.js';

/** Input applied at one checkpoint: the family and the payload its device accepted. */
export interface AppliedInput {
  family: PushFamily<EventKind>;
  payload: object;
}

/**
 * Host input of every push family waiting for the guest: the one queue the live side drains
 * at checkpoints (the host sources are merged into it). Input leaves the queue only when its
 * device accepts it (backpressure), so nothing typed, sent or captured is ever dropped.
 */
export class InputQueue {
  private inputs: HostInput[] = [];
  private waiters: (() => void)[] = [];
  /** True once the host side has no more input (every source ended). */
  closed = false;

  /** Appends host input (null, input that carries nothing, is ignored). */
  push(input: HostInput | null): void {
    if (input === null) return;
    this.inputs.push(input);
    this.wake();
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
   * family's device is full, its later input waits too (its order is kept). Returns what was
   * applied, one merged payload per family, in registry order.
   */
  deliver(machine: Machine): AppliedInput[] {
    const accepted = new Map<PushFamily<EventKind>, object>();
    const full = new Set<PushFamily<EventKind>>();
    const left: HostInput[] = [];
    for (const input of this.inputs) {
      const family = input.family;
      if (full.has(family)) {
        left.push(input);
        continue;
      }
      const payload = input.payload as never;
      const taken = family.apply(machine, payload);
      if (taken !== null) {
        const before = accepted.get(family);
        accepted.set(family, before === undefined ? taken : family.merge(before as never, taken));
      }
      const rest = taken === null ? payload : family.rest(payload, taken);
      if (rest !== null) {
        full.add(family);
        left.push({ family, payload: rest });
      }
    }
    this.inputs = left;
    const applied: AppliedInput[] = [];
    for (const family of FAMILIES) {
      const payload = accepted.get(family as PushFamily<EventKind>);
      if (payload !== undefined) applied.push({ family: family as PushFamily<EventKind>, payload });
    }
    return applied;
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
