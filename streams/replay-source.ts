import { defer, from, takeWhile } from 'rxjs';
import type { Observable } from 'rxjs';
import type { RrEvent } from '../src/core/event.js';

/**
 * The events of a log as an Observable: cold (each subscription reads the log from the start
 * through `reader.events()`), synchronous, in order, completing right after END. A log cut
 * short (no END) completes after its last complete event; a decode failure is emitted as the
 * reader's RrvmError. Mirror of `recordSink`.
 */
export function replaySource(reader: { events(): Iterable<RrEvent> }): Observable<RrEvent> {
  return defer(() => from(reader.events())).pipe(takeWhile((e) => e.kind !== 'END', true));
}
