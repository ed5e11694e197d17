import { asyncScheduler, Observable } from 'rxjs';
import type { OperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import type { LogFooter } from '../codecs/index.js';
import type { Icount, RrEvent } from '../src/core/event.js';
import { RrvmError } from '../src/core/rrvm-error.js';

/** What the record sink needs of a log writer; `LogWriter` from codecs/ is one. */
export interface RecordSinkWriter {
  append(e: RrEvent): void;
  flush(): void;
  close(end: { icount: Icount }): LogFooter;
  /** After a failed write: end the log after its last complete chunk (LogWriter.salvage); the icount of END, or null. */
  salvage?(reason: string): Icount | null;
}

/** Tuning of the record sink. */
export interface RecordSinkOptions {
  /** Appended events reach the file at most this long after they were appended (default 100 ms of scheduler time). */
  flushEveryMs?: number;
  /** The clock for the flush timer (default asyncScheduler; TestScheduler in marble tests). */
  scheduler?: SchedulerLike;
}

/**
 * Writes the event stream into a log: appends every event but END, flushes what is pending at
 * most `flushEveryMs` after it was appended, and closes the log on END (emitting the footer and
 * completing). The sink unsubscribes from its source at END, so nothing after END is written.
 * A source that completes without END closes at the last icount seen (0 if none); a source
 * that errors still closes the log (END written) and then re-emits the error. A writer failure
 * (disk full, I/O error) first lets the writer salvage the log — SHUTDOWN and END right after its
 * last complete chunk, if they can still be written — and is then emitted as an RrvmError
 * `log.write` saying where the log now ends. Unsubscribing early leaves the writer open.
 */
export function recordSink(writer: RecordSinkWriter, options: RecordSinkOptions = {}): OperatorFunction<RrEvent, LogFooter> {
  const flushEveryMs = options.flushEveryMs ?? 100;
  const scheduler = options.scheduler ?? asyncScheduler;
  return (source) =>
    new Observable<LogFooter>((subscriber) => {
      let upstream: Subscription | undefined;
      let timer: Subscription | undefined;
      let lastIcount: Icount = 0;
      let done = false;

      // Stops everything; the log is left as it is.
      const stop = (): void => {
        done = true;
        timer?.unsubscribe();
        upstream?.unsubscribe();
      };
      const closeAndEmit = (icount: Icount): void => {
        stop();
        const footer = writer.close({ icount });
        subscriber.next(footer);
        subscriber.complete();
      };
      const writeFailed = (err: unknown): void => {
        stop();
        subscriber.error(salvaged(writer, err));
      };
      const guard =
        <A extends unknown[]>(fn: (...args: A) => void) =>
        (...args: A): void => {
          if (done) return;
          try {
            fn(...args);
          } catch (err) {
            writeFailed(err);
          }
        };
      const flush = guard(() => {
        timer = undefined;
        writer.flush();
      });

      upstream = source.subscribe({
        // Written out rather than through `guard`: this runs once per event.
        next: (e: RrEvent) => {
          if (done) return;
          try {
            if (e.kind === 'END') return closeAndEmit(e.icount);
            writer.append(e);
            lastIcount = e.icount;
            // One timer per batch of appends: no wake-ups while nothing is pending.
            timer ??= scheduler.schedule(flush, flushEveryMs);
          } catch (err) {
            writeFailed(err);
          }
        },
        error: guard((err: unknown) => {
          stop();
          try {
            writer.close({ icount: lastIcount });
          } catch (closeErr) {
            // Two failures: report both rather than drop either.
            throw new AggregateError([err, closeErr], `${message(err)}; closing the log then failed: ${message(closeErr)}`);
          }
          subscriber.error(err);
        }),
        complete: guard(() => closeAndEmit(lastIcount)),
      });
      // A synchronous source may reach END while subscribing, before `upstream` was assigned.
      if (done) upstream.unsubscribe();
      return stop;
    });
}

/** The error to report for a writer failure, after letting the writer end the log where it can. */
function salvaged(writer: RecordSinkWriter, err: unknown): unknown {
  if (writer.salvage === undefined) return err;
  const endIcount = writer.salvage(`recording stopped: ${message(err)}`);
  const where =
    endIcount === null
      ? 'the log keeps its complete chunks (no END could be written)'
      : `the recording stopped; the log ends with SHUTDOWN and END at icount ${endIcount} and replays to there`;
  return new RrvmError('log.write', `${message(err)}; ${where}`);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
