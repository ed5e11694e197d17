/**
 * Host serial input waiting for the guest's UART. Bytes leave the queue only when the UART
 * accepts them (backpressure), so nothing typed or piped is ever dropped.
 */
export class SerialQueue {
  private chunks: Uint8Array[] = [];
  private waiters: (() => void)[] = [];
  /** True once the host side has no more input (EOF). */
  closed = false;

  /** Appends host input. */
  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push(bytes);
    this.wake();
  }

  /** Marks the end of host input. */
  close(): void {
    this.closed = true;
    this.wake();
  }

  /** True when bytes are waiting. */
  get pending(): boolean {
    return this.chunks.length > 0;
  }

  /**
   * Offers queued bytes to `accept` (which returns how many it took) and removes what was
   * taken. Returns the bytes delivered, or null when none were.
   */
  deliver(accept: (bytes: Uint8Array) => number): Uint8Array | null {
    const taken: Uint8Array[] = [];
    while (this.chunks.length > 0) {
      const head = this.chunks[0]!;
      const n = accept(head);
      if (n > 0) taken.push(head.subarray(0, n));
      if (n < head.length) {
        this.chunks[0] = head.subarray(n);
        break;
      }
      this.chunks.shift();
    }
    if (taken.length === 0) return null;
    return taken.length === 1 ? taken[0]! : Buffer.concat(taken);
  }

  /**
   * Resolves when new input arrives or the queue closes (at once if it is closed). Bytes
   * already queued do not count: the UART had no room for them.
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
