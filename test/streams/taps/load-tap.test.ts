import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RrvmError } from '../../../src/core/rrvm-error.js';
import { consoleTranscript } from '../../../streams/taps/console-transcript.js';
import { eventsJsonl } from '../../../streams/taps/events-jsonl.js';
import { loadTap } from '../../../streams/taps/load-tap.js';
import { codeOf, tempDir } from '../stream-fixtures.js';
import { fakeSession } from './tap-fixtures.js';

const temp = tempDir('load');
afterAll(temp.remove);

/** The RrvmError that loading `spec` rejects with. */
async function loadError(spec: string, cwd?: string): Promise<RrvmError> {
  const error = await loadTap(spec, cwd).then(
    () => new Error('expected a rejection'),
    (err: unknown) => err,
  );
  expect(codeOf(error)).toBe('tap.load');
  expect((error as Error).message).not.toContain('\n');
  return error as RrvmError;
}

describe('loadTap', () => {
  it('resolves built-ins with their default or given file and extra options', async () => {
    expect(await loadTap('events-jsonl')).toEqual({ name: 'events-jsonl', tap: eventsJsonl, options: { file: 'events.jsonl' } });
    expect(await loadTap('console')).toEqual({ name: 'console', tap: consoleTranscript, options: { file: 'console.txt' } });
    expect(await loadTap('console=out/c.txt,width=8')).toEqual({
      name: 'console',
      tap: consoleTranscript,
      options: { file: 'out/c.txt', width: '8' },
    });
  });

  it('imports a JS module by absolute path or relative to cwd, with its options', async () => {
    const path = join(temp.dir, 'my-tap.js');
    writeFileSync(
      path,
      'export default function myTap(session) {\n' +
        '  return session.events$.subscribe((e) => (globalThis.__rrvmTapSeen ??= []).push(session.options.label + e.kind));\n' +
        '}\n',
    );
    const absolute = await loadTap(`${path},label=x:`);
    expect(absolute.name).toBe(`${path}`);
    expect(absolute.options).toEqual({ label: 'x:' });
    const { session, events } = fakeSession(absolute.options);
    absolute.tap(session);
    events.next({ kind: 'BH', id: 1, icount: 0, seq: 0 });
    expect((globalThis as { __rrvmTapSeen?: string[] }).__rrvmTapSeen).toEqual(['x:BH']);

    const relativeSpec = `./${relative(process.cwd(), path)}`;
    expect((await loadTap(relativeSpec)).tap).toBe(absolute.tap);
    expect((await loadTap('./my-tap.js', temp.dir)).tap).toBe(absolute.tap);
  });

  it('loads the bundled count-events example', async () => {
    const { tap } = await loadTap('./examples/taps/count-events.js');
    expect(tap.name).toBe('countEvents');
  });

  it('rejects with tap.load and a one-line message for bad specs', async () => {
    expect((await loadError('./nope/missing-tap.js')).message).toMatch(/^tap '\.\/nope\/missing-tap\.js': no such file \//);
    expect((await loadError('frobnicate')).message).toBe(
      "tap 'frobnicate': no such built-in tap (events-jsonl, console, net-pcap, insn-trace, mmio, coverage, profile); a module needs a path like ./my-tap.js",
    );
    expect((await loadError('events-jsonl=')).message).toBe("tap 'events-jsonl=': empty file name");
    expect((await loadError('console,verbose')).message).toBe("tap 'console,verbose': option 'verbose' is not key=value");

    writeFileSync(join(temp.dir, 'no-default.js'), 'export const tap = () => {};\n');
    expect((await loadError('./no-default.js', temp.dir)).message).toMatch(/has no default export function/);
    writeFileSync(join(temp.dir, 'broken.js'), 'export default function (session {\n');
    expect((await loadError('./broken.js', temp.dir)).message).toMatch(/^tap '\.\/broken\.js': cannot import .*broken\.js: /);
  });
});
