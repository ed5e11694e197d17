import { defer, from, takeWhile } from 'rxjs';
import type { Observable } from 'rxjs';
import type { RrEvent } from '../src/engine/event.js';

/**
 * The events of a log as an Observable: cold (each subscription reads the log from the start
 * through `reader.events()`), synchronous, in order, completing right after END. A log cut
 * short (no END) completes after its last complete event; a decode failure is emitted as the
 * reader's RrvmError. Mirror of `recordSink`.
 */
export function replaySource(reader: { events(): Iterable<RrEvent> }): Observable<RrEvent> {
  return defer(() => from(reader.events())).pipe(takeWhile((e) => e.kind !== 'END', true));
}

/**
 * Pull-side view of a log for the replay gate: one event of look-ahead over an iterator.
 * Errors thrown by the iterator (a bad chunk) surface from `peek`/`take`.
 */
export class ReplayCursor {
  private next: IteratorResult<RrEvent> | undefined;

  constructor(private readonly events: Iterator<RrEvent>) {}

  /** The next event without consuming it; undefined at the end of the log. */
  peek(): RrEvent | undefined {
    this.next ??= this.events.next();
    return this.next.done === true ? undefined : this.next.value;
  }

  /** Consumes and returns the next event; undefined at the end of the log. */
  take(): RrEvent | undefined {
    const e = this.peek();
    if (e !== undefined) this.next = undefined;
    return e;
  }
}
