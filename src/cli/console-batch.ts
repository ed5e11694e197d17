/**
 * Collects console bytes and hands them on in batches: a replay flushes it whenever the session
 * yields to the host (every 20 ms) and at the end. A guest that prints a byte per slice would
 * otherwise make one stdout write per byte, and when stdout is a pipe or socket that drains
 * slower than that, Node queues every write separately, at several hundred bytes each.
 */
export class ConsoleBatch {
  private parts: Uint8Array[] = [];
  private bytes = 0;

  constructor(
    private readonly write: (bytes: Uint8Array) => void,
    /** Flushes on its own once this many bytes are waiting. */
    private readonly limit = 64 * 1024,
  ) {}

  /** Adds `bytes` (kept, not copied: the caller must not reuse them). */
  push(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.bytes += bytes.length;
    if (this.bytes >= this.limit) this.flush();
  }

  /** Writes whatever is waiting, as one buffer. */
  flush(): void {
    if (this.bytes === 0) return;
    const out = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.bytes);
    this.parts = [];
    this.bytes = 0;
    this.write(out);
  }
}
