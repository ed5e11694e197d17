import { describe, expect, it, vi } from 'vitest';
import { RrvmError } from '../../../src/core/rrvm-error.js';
import { attachTaps } from '../../../streams/taps/attach-taps.js';
import { loadTap } from '../../../streams/taps/load-tap.js';
import type { Tap } from '../../../streams/taps/tap.js';
import { codeOf, end } from '../stream-fixtures.js';
import { fakeSession } from './tap-fixtures.js';

describe('attachTaps', () => {
  it('gives each tap its own options and waits for promise taps in finish', async () => {
    const { session, events } = fakeSession();
    const seen: string[] = [];
    const syncTap: Tap = (s) => s.events$.subscribe((e) => seen.push(`${s.options['id']}:${e.kind}`));
    let flushed = false;
    const asyncTap: Tap = (s) =>
      new Promise<void>((resolve) =>
        s.events$.subscribe({ complete: () => setTimeout(() => ((flushed = true), resolve()), 5) }),
      );
    const attached = attachTaps(
      [
        { name: 'a', tap: syncTap, options: { id: 'a' } },
        { name: 'b', tap: asyncTap, options: {} },
      ],
      session,
    );
    events.next(end(7, 0));
    events.complete();
    expect(flushed).toBe(false);
    await attached.finish();
    expect(flushed).toBe(true);
    expect(seen).toEqual(['a:END']);
  });

  it('rejects finish with tap.error naming the tap whose promise rejected', async () => {
    const { session } = fakeSession();
    const attached = attachTaps([{ name: 'flaky', tap: () => Promise.reject(new Error('disk full')), options: {} }], session);
    await expect(attached.finish()).rejects.toEqual(new RrvmError('tap.error', 'tap flaky: disk full'));
  });

  it('unsubscribes the taps already started when one throws while starting', () => {
    const { session, events } = fakeSession();
    const seen: number[] = [];
    const good: Tap = (s) => s.events$.subscribe((e) => seen.push(e.icount));
    const bad: Tap = () => {
      throw new TypeError('oops');
    };
    let error: unknown;
    try {
      attachTaps([{ name: 'good', tap: good, options: {} }, { name: 'bad', tap: bad, options: {} }], session);
    } catch (err) {
      error = err;
    }
    expect(codeOf(error)).toBe('tap.error');
    events.next(end(1, 0));
    expect(seen).toEqual([]);
  });

  it('runs the count-events example: a summary on stderr when events$ completes', async () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const { session, events } = fakeSession();
      const attached = attachTaps([await loadTap('./examples/taps/count-events.js')], session);
      events.next({ kind: 'CHAR_READ', port: 0, bytes: Uint8Array.of(0x61), icount: 10, seq: 0 });
      events.next({ kind: 'CHAR_READ', port: 0, bytes: Uint8Array.of(0x62), icount: 10, seq: 1 });
      events.next(end(99, 2));
      expect(write).not.toHaveBeenCalled();
      events.complete();
      await attached.finish();
      expect(write.mock.calls.map(([text]) => String(text)).join('')).toBe(
        'count-events (replay, completed at icount 99):\n  CHAR_READ  2\n  END        1\n',
      );
    } finally {
      write.mockRestore();
    }
  });
});
