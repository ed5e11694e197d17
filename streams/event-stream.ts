import { Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import type { Icount, RrEvent, UnstampedEvent } from '../src/core/event.js';
import { RrvmError } from '../src/core/rrvm-error.js';

/**
 * The single ordered stream of a run (DESIGN §4): stamps events with (icount, seq) as they are
 * applied and multicasts them. Hot: a subscriber sees only events emitted after it subscribed.
 * Invariant: seq = 0, 1, 2, … without gaps, icount never decreases, nothing follows END.
 */
export class EventStream {
  private readonly subject = new Subject<RrEvent>();
  private seq = 0;
  private lastIcount: Icount = 0;
  private ended = false;
  private stopped = false;

  /** Every stamped event, in order; completes or errors when the run does. */
  readonly events$: Observable<RrEvent> = this.subject.asObservable();

  /**
   * Stamps `e` in place (the stream owns it from now on) at `icount` with the next seq, emits
   * it to every subscriber (synchronously) and returns it. Throws RrvmError `stream.order` when icount decreases, is not a whole number
   * ≥ 0, or the stream already carried END, was completed or errored.
   */
  emit(e: UnstampedEvent, icount: Icount): RrEvent {
    if (this.ended || this.stopped) {
      throw new RrvmError('stream.order', `${e.kind} at icount ${icount} emitted after the event stream ended`);
    }
    if (!Number.isSafeInteger(icount) || icount < 0) {
      throw new RrvmError('stream.order', `${e.kind} stamped with invalid icount ${icount}`);
    }
    if (icount < this.lastIcount) {
      throw new RrvmError('stream.order', `${e.kind} at icount ${icount} follows icount ${this.lastIcount}`);
    }
    // Stamp and advance before emitting, so a re-entrant emit from a subscriber stays ordered.
    // NB: stamps `e` in place. Object spread here cost ~2 µs per event on Node 20 (a slow path
    // for literals holding large doubles), which made event-dense runs 5x slower.
    const stamped = e as RrEvent;
    stamped.icount = icount;
    stamped.seq = this.seq++;
    this.lastIcount = icount;
    this.ended = e.kind === 'END';
    // Nobody listening (a replay without taps): skip RxJS's per-event delivery machinery.
    if (this.subject.observed) this.subject.next(stamped);
    return stamped;
  }

  /** Ends the stream: subscribers (record sink, taps) finish their output. */
  complete(): void {
    this.stopped = true;
    this.subject.complete();
  }

  /** Ends the stream with `err`: the record sink still writes END, then re-emits `err`. */
  error(err: unknown): void {
    this.stopped = true;
    this.subject.error(err);
  }

  /** Events emitted so far (END included). */
  get count(): number {
    return this.seq;
  }
}
