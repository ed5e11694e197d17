import { describe, expect, it } from 'vitest';
import type { RrEvent } from '../../src/core/event.js';
import { EventLookahead } from '../../src/engine/event-lookahead.js';

const ev = (icount: number, seq: number): RrEvent => ({ kind: 'WARP', icount, seq, ns: 1 });

/** A log of `sizes.length` chunks with the given sizes, counting how many chunks were pulled. */
function chunked(sizes: number[]): { source: Iterator<RrEvent[]>; pulled: () => number; all: RrEvent[] } {
  const all: RrEvent[] = [];
  const chunks = sizes.map((size) => Array.from({ length: size }, () => {
    const e = ev(all.length * 10, all.length);
    all.push(e);
    return e;
  }));
  let pulled = 0;
  function* gen(): Generator<RrEvent[]> {
    for (const c of chunks) {
      pulled++;
      yield c;
    }
  }
  return { source: gen(), pulled: () => pulled, all };
}

describe('EventLookahead', () => {
  it('peeks any distance ahead across chunks without consuming', () => {
    const { source, all } = chunked([2, 1, 3]);
    const ahead = new EventLookahead(source);
    for (let n = 0; n < all.length; n++) expect(ahead.peek(n)).toBe(all[n]);
    expect(ahead.peek(all.length)).toBeUndefined();
    expect(ahead.peek(0)).toBe(all[0]);
  });

  it('shifts events off the front in order, across chunk boundaries, then ends', () => {
    const { source, all } = chunked([1, 2, 1, 2]);
    const ahead = new EventLookahead(source);
    const seen: RrEvent[] = [];
    for (let e = ahead.peek(); e !== undefined; e = ahead.peek()) {
      seen.push(e);
      expect(ahead.peek(1)).toBe(all[seen.length]);
      ahead.shift();
    }
    expect(seen).toEqual(all);
  });

  it('pulls chunks lazily: only as far as the deepest peek', () => {
    const { source, pulled } = chunked([2, 2, 2]);
    const ahead = new EventLookahead(source);
    expect(pulled()).toBe(0);
    ahead.peek(1);
    expect(pulled()).toBe(1);
    ahead.peek(2);
    expect(pulled()).toBe(2);
    ahead.shift();
    ahead.shift();
    ahead.peek(0);
    expect(pulled()).toBe(2);
  });

  it('skips empty chunks, peeking and shifting', () => {
    const { source, all } = chunked([0, 2, 0, 1]);
    const ahead = new EventLookahead(source);
    expect(ahead.peek(2)).toBe(all[2]);
    expect(ahead.peek(3)).toBeUndefined();
    for (const e of all) {
      expect(ahead.peek()).toBe(e);
      ahead.shift();
    }
    expect(ahead.peek()).toBeUndefined();
  });
});
