import { of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { TestScheduler } from 'rxjs/testing';
import type { LogFooter } from '../../codecs/index.js';
import type { RrEvent } from '../../src/core/event.js';
import { RrvmError } from '../../src/core/rrvm-error.js';
import { recordSink } from '../../streams/record-sink.js';
import { charRead, end, newScheduler } from './stream-fixtures.js';

/** A writer that logs each call with the virtual time (ms) it happened at. */
function fakeWriter(scheduler: TestScheduler, failOn?: 'append' | 'close') {
  const calls: string[] = [];
  const footer = (icount: number) => ({ endIcount: icount }) as LogFooter;
  return {
    calls,
    footer,
    append(e: RrEvent) {
      if (failOn === 'append') throw new RrvmError('log.write', 'disk full');
      calls.push(`${scheduler.now()} append ${e.kind}@${e.icount}#${e.seq}`);
    },
    flush() {
      calls.push(`${scheduler.now()} flush`);
    },
    close(e: { icount: number }) {
      calls.push(`${scheduler.now()} close@${e.icount}`);
      if (failOn === 'close') throw new RrvmError('log.write', 'disk gone');
      return footer(e.icount);
    },
  };
}

const a = charRead('a', 10, 0);
const b = charRead('b', 10, 1);
const c = charRead('c', 40, 2);

describe('recordSink', () => {
  it('flushes pending events 100 ms after the first unflushed append, and not when idle', () => {
    const scheduler = newScheduler();
    const writer = fakeWriter(scheduler);
    scheduler.run(({ cold, expectObservable }) => {
      // a at 0 ms, b at 50 ms, c at 300 ms, END at 500 ms.
      const source = cold('a 49ms b 249ms c 199ms e', { a, b, c, e: end(60, 3) });
      expectObservable(source.pipe(recordSink(writer, { scheduler }))).toBe('500ms (f|)', { f: writer.footer(60) });
    });
    expect(writer.calls).toEqual([
      '0 append CHAR_READ@10#0',
      '50 append CHAR_READ@10#1',
      '100 flush',
      '300 append CHAR_READ@40#2',
      '400 flush',
      '500 close@60',
    ]);
  });

  it('uses the default scheduler and period under TestScheduler.run', () => {
    const scheduler = newScheduler();
    const writer = fakeWriter(scheduler);
    scheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('a 199ms e', { a, e: end(10, 1) }).pipe(recordSink(writer))).toBe('200ms (f|)', {
        f: writer.footer(10),
      });
    });
    expect(writer.calls).toEqual(['0 append CHAR_READ@10#0', '100 flush', '200 close@10']);
  });

  it('closes at the END icount, emits the footer, completes and writes nothing after END', () => {
    const scheduler = newScheduler();
    const writer = fakeWriter(scheduler);
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-e-b-c-|', { a, e: end(25, 1), b, c });
      expectObservable(source.pipe(recordSink(writer, { scheduler }))).toBe('---(f|)', { f: writer.footer(25) });
      // The sink lets go of its source at END: later events are never seen, let alone written.
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
    expect(writer.calls).toEqual(['1 append CHAR_READ@10#0', '3 close@25']);
  });

  it('ignores what a synchronous source emits after END', () => {
    const scheduler = newScheduler();
    const writer = fakeWriter(scheduler);
    const footers: LogFooter[] = [];
    of(a, end(30, 1), c).pipe(recordSink(writer, { scheduler })).subscribe((f) => footers.push(f));
    expect(writer.calls).toEqual(['0 append CHAR_READ@10#0', '0 close@30']);
    expect(footers).toEqual([writer.footer(30)]);
  });

  it('closes at the last icount seen when the source completes without END', () => {
    const scheduler = newScheduler();
    const writer = fakeWriter(scheduler);
    scheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-c|', { a, c }).pipe(recordSink(writer, { scheduler }))).toBe('----(f|)', {
        f: writer.footer(40),
      });
    });
    expect(writer.calls).toEqual(['1 append CHAR_READ@10#0', '3 append CHAR_READ@40#2', '4 close@40']);
  });

  it('closes at icount 0 when the source completes with no events', () => {
    const scheduler = newScheduler();
    const writer = fakeWriter(scheduler);
    scheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold<RrEvent>('--|').pipe(recordSink(writer, { scheduler }))).toBe('--(f|)', { f: writer.footer(0) });
    });
    expect(writer.calls).toEqual(['2 close@0']);
  });

  it('still closes the log (END written) when the source errors, then re-emits the error', () => {
    const scheduler = newScheduler();
    const writer = fakeWriter(scheduler);
    const failure = new RrvmError('input.read', 'stdin broke');
    scheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-b-#', { a, b }, failure).pipe(recordSink(writer, { scheduler }))).toBe(
        '-----#',
        undefined,
        failure,
      );
    });
    expect(writer.calls).toEqual(['1 append CHAR_READ@10#0', '3 append CHAR_READ@10#1', '5 close@10']);
  });

  it('reports both errors when closing fails after a source error', () => {
    const scheduler = newScheduler();
    const writer = fakeWriter(scheduler, 'close');
    const failure = new Error('source broke');
    let seen: unknown;
    scheduler.run(({ cold }) => {
      cold('-a-#', { a }, failure)
        .pipe(recordSink(writer, { scheduler }))
        .subscribe({ error: (err: unknown) => (seen = err) });
    });
    expect(seen).toBeInstanceOf(AggregateError);
    expect((seen as AggregateError).errors).toEqual([failure, new RrvmError('log.write', 'disk gone')]);
  });

  it('emits a writer failure as the error and stops reading the source', () => {
    const scheduler = newScheduler();
    const writer = fakeWriter(scheduler, 'append');
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('--a--b--|', { a, b });
      expectObservable(source.pipe(recordSink(writer, { scheduler }))).toBe(
        '--#',
        undefined,
        new RrvmError('log.write', 'disk full'),
      );
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
    expect(writer.calls).toEqual([]);
  });
});
