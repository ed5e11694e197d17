import { describe, expect, it } from 'vitest';
import type { RrEvent, UnstampedEvent } from '../../src/core/event.js';
import { EventStream } from '../../streams/event-stream.js';
import { charRead, codeOf, end, newScheduler, thrown } from './stream-fixtures.js';

const a: UnstampedEvent = { kind: 'CHAR_READ', port: 0, bytes: new TextEncoder().encode('a') };
const b: UnstampedEvent = { kind: 'CHAR_READ', port: 0, bytes: new TextEncoder().encode('b') };

describe('EventStream', () => {
  it('gives same-icount emissions increasing seq and emits them at their host time', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const stream = new EventStream();
      // Host arrivals: two in one slice (frame 2, icount 100), one later (frame 5, icount 300).
      cold('--(xy)--z|', { x: [a, 100], y: [b, 100], z: [a, 300] } as Record<string, [UnstampedEvent, number]>).subscribe({
        // emit stamps its argument in place (it owns it), so each emission gets a fresh object.
        next: ([e, icount]) => stream.emit({ ...e }, icount),
        complete: () => stream.complete(),
      });
      expectObservable(stream.events$).toBe('--(xy)--z|', {
        x: charRead('a', 100, 0),
        y: charRead('b', 100, 1),
        z: charRead('a', 300, 2),
      });
    });
  });

  it('returns the stamped event and counts emissions', () => {
    const stream = new EventStream();
    expect(stream.emit(a, 7)).toEqual(charRead('a', 7, 0));
    expect(stream.emit({ kind: 'END' }, 9)).toEqual(end(9, 1));
    expect(stream.count).toBe(2);
  });

  it('throws stream.order when icount decreases, and emits nothing for it', () => {
    const stream = new EventStream();
    const seen: RrEvent[] = [];
    stream.events$.subscribe((e) => seen.push(e));
    stream.emit({ ...a }, 50);
    expect(codeOf(thrown(() => stream.emit({ ...b }, 49)))).toBe('stream.order');
    expect(stream.emit({ ...b }, 50)).toEqual(charRead('b', 50, 1));
    expect(seen).toEqual([charRead('a', 50, 0), charRead('b', 50, 1)]);
  });

  it('throws stream.order for an event after END or after complete', () => {
    const ended = new EventStream();
    ended.emit({ kind: 'END' }, 10);
    expect(codeOf(thrown(() => ended.emit(a, 10)))).toBe('stream.order');
    const completed = new EventStream();
    completed.complete();
    expect(codeOf(thrown(() => completed.emit(a, 0)))).toBe('stream.order');
  });

  it('is hot: a late subscriber sees only later events', () => {
    const stream = new EventStream();
    stream.emit(a, 1);
    const seen: RrEvent[] = [];
    stream.events$.subscribe((e) => seen.push(e));
    stream.emit(b, 2);
    expect(seen).toEqual([charRead('b', 2, 1)]);
  });
});
