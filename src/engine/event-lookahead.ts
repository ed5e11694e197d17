import type { RrEvent } from '../core/event.js';

/**
 * A window over a log that is read a chunk at a time: look ahead by position, consume from
 * the front. Events stay in the decoder's chunk arrays (no copying per event).
 */
export class EventLookahead {
  private readonly chunks: RrEvent[][] = [];
  /** Index of the next event in chunks[0]. */
  private pos = 0;
  /** Events available from the next one on, across the buffered chunks. */
  private buffered = 0;

  constructor(private readonly source: Iterator<RrEvent[]>) {}

  /** The event `n` places ahead (0 = the next one), or undefined past the end of the log. */
  peek(n = 0): RrEvent | undefined {
    const head = this.chunks[0];
    if (head !== undefined && this.pos + n < head.length) return head[this.pos + n];
    while (this.buffered <= n) {
      const next = this.source.next();
      if (next.done === true) return undefined;
      if (next.value.length === 0) continue;
      this.chunks.push(next.value);
      this.buffered += next.value.length;
    }
    let index = this.pos + n;
    let chunk = 0;
    while (index >= this.chunks[chunk]!.length) index -= this.chunks[chunk++]!.length;
    return this.chunks[chunk]![index];
  }

  /** Drops the next event (it must have been peeked). */
  shift(): void {
    this.buffered--;
    if (++this.pos === this.chunks[0]!.length) {
      this.chunks.shift();
      this.pos = 0;
    }
  }
}
