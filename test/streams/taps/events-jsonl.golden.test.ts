import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventsJsonl } from '../../../streams/taps/events-jsonl.js';
import { codeOf, end, tempDir, thrown } from '../stream-fixtures.js';
import { fakeSession } from './tap-fixtures.js';

const temp = tempDir('jsonl');
afterAll(temp.remove);

describe('eventsJsonl', () => {
  it('writes every event as one JSON line, stamp first, bytes as hex, complete when events$ completes', () => {
    const file = join(temp.dir, 'events.jsonl');
    const { session, events } = fakeSession({ file });
    eventsJsonl(session);
    events.next({ kind: 'CLOCK', clock: 'rtc', value: 1_700_000_000_000_000_000, icount: 0, seq: 0 });
    events.next({ kind: 'CHAR_READ', port: 0, bytes: Uint8Array.of(0x6c, 0x73, 0x0a), icount: 4096, seq: 1 });
    events.next({ kind: 'INPUT', device: 1, events: [1, 30, 1], icount: 4096, seq: 2 });
    events.next({ kind: 'SHUTDOWN', reason: 'end of input script', icount: 9000, seq: 3 });
    events.next(end(9001, 4));
    events.complete();
    expect(readFileSync(file, 'utf8')).toBe(
      [
        '{"kind":"CLOCK","icount":0,"seq":0,"clock":"rtc","value":1700000000000000000}',
        '{"kind":"CHAR_READ","icount":4096,"seq":1,"port":0,"bytes":"6c730a"}',
        '{"kind":"INPUT","icount":4096,"seq":2,"device":1,"events":[1,30,1]}',
        '{"kind":"SHUTDOWN","icount":9000,"seq":3,"reason":"end of input script"}',
        '{"kind":"END","icount":9001,"seq":4}',
        '',
      ].join('\n'),
    );
  });

  it('completes its file when events$ errors or the tap is unsubscribed', () => {
    const failed = fakeSession({ file: join(temp.dir, 'failed.jsonl') });
    eventsJsonl(failed.session);
    failed.events.next({ kind: 'BH', id: 3, icount: 5, seq: 0 });
    failed.events.error(new Error('divergence'));
    expect(readFileSync(join(temp.dir, 'failed.jsonl'), 'utf8')).toBe('{"kind":"BH","icount":5,"seq":0,"id":3}\n');

    const aborted = fakeSession({ file: join(temp.dir, 'aborted.jsonl') });
    const subscription = eventsJsonl(aborted.session);
    aborted.events.next({ kind: 'WARP', ns: 100, icount: 1, seq: 0 });
    subscription.unsubscribe();
    expect(readFileSync(join(temp.dir, 'aborted.jsonl'), 'utf8')).toBe('{"kind":"WARP","icount":1,"seq":0,"ns":100}\n');
  });

  it('fails at start with tap.write when the file cannot be created', () => {
    const { session } = fakeSession({ file: join(temp.dir, 'no-such-dir', 'e.jsonl') });
    expect(codeOf(thrown(() => eventsJsonl(session)))).toBe('tap.write');
    expect(existsSync(join(temp.dir, 'no-such-dir'))).toBe(false);
  });
});
