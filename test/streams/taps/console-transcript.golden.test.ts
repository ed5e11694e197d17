import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { consoleTranscript } from '../../../streams/taps/console-transcript.js';
import { tempDir } from '../stream-fixtures.js';
import { fakeSession } from './tap-fixtures.js';

const temp = tempDir('console');
afterAll(temp.remove);

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('consoleTranscript', () => {
  it('prefixes each line with the icount at which it started', () => {
    const file = join(temp.dir, 'console.txt');
    const { session, console } = fakeSession({ file });
    consoleTranscript(session);
    console.next({ icount: 1234, bytes: text('Hello') });
    console.next({ icount: 2000, bytes: text(', world\r\nsecond\n\nthi') });
    const euro = text('€');
    console.next({ icount: 3000, bytes: euro.subarray(0, 2) }); // a UTF-8 sequence split across chunks
    console.next({ icount: 4000, bytes: euro.subarray(2) });
    console.next({ icount: 123_456_789_012, bytes: text('\nlast, unfinished') });
    console.complete();
    expect(readFileSync(file, 'utf8')).toBe(
      [
        '[      1234] Hello, world',
        '[      2000] second',
        '[      2000] ',
        '[      2000] thi€',
        '[123456789012] last, unfinished',
        '',
      ].join('\n'),
    );
  });

  it('writes an empty file for a silent guest', () => {
    const file = join(temp.dir, 'silent.txt');
    const { session, console } = fakeSession({ file });
    consoleTranscript(session);
    console.complete();
    expect(readFileSync(file, 'utf8')).toBe('');
  });
});
