import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import type { HostPorts } from '../machine/host-ports.js';
import type { Machine } from '../machine/machine.js';
import { hostClockNs } from './host-clock.js';
import type { SerialQueue } from './serial-queue.js';
import type { SessionMode } from './session-mode.js';

/** How idle time (WFI with nothing pending) passes: skipped at once, or waited out in real time. */
export type IdlePolicy = 'skip' | 'realtime';

/** `run` mode: ports talk to the host directly and nothing is recorded. */
export class LiveMode implements SessionMode {
  readonly ports: HostPorts = { clock: () => hostClockNs() };
  private shutdownReason: string | null = null;

  constructor(
    private readonly serialIn: SerialQueue,
    private readonly idlePolicy: IdlePolicy,
    readonly interactive: boolean,
  ) {}

  limitFor(): number {
    return Infinity;
  }

  checkpoint(machine: Machine): void {
    this.deliverSerial(machine);
  }

  /** Offers queued serial input to the UART; returns the bytes it accepted (null if none). */
  protected deliverSerial(machine: Machine): Uint8Array | null {
    return this.serialIn.pending ? this.serialIn.deliver((bytes) => machine.deliverSerial(bytes)) : null;
  }

  async idle(machine: Machine): Promise<number | null> {
    const untilDeadlineNs = machine.nsUntilDeadline();
    const inputPossible = this.serialIn.pending || !this.serialIn.closed;
    if (untilDeadlineNs === Infinity && !inputPossible) return null;
    if (this.idlePolicy === 'skip' && untilDeadlineNs !== Infinity) return untilDeadlineNs;
    // Wait in real time for the deadline or for host input, whichever comes first.
    const start = performance.now();
    const waits: Promise<unknown>[] = [];
    if (!this.serialIn.closed) waits.push(this.serialIn.whenChanged());
    if (untilDeadlineNs !== Infinity) waits.push(sleep(untilDeadlineNs / 1e6));
    await Promise.race(waits);
    const elapsedNs = Math.round((performance.now() - start) * 1e6);
    return Math.min(elapsedNs, untilDeadlineNs);
  }

  /** Asks the session to end at the next checkpoint. */
  requestShutdown(reason: string): void {
    this.shutdownReason ??= reason;
    this.serialIn.close();
  }

  shutdownRequested(): string | null {
    return this.shutdownReason;
  }
}
