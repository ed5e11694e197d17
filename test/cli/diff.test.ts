import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { RrEvent } from '../../src/core/event.js';
import { guestElf, readEvents, rewriteLog, tempDir } from '../engine/harness.js';
import { describeCli, rrvm } from './cli-harness.js';

const temp = tempDir('diff');
afterAll(temp.remove);

describe('rrvm diff', () => {
  it('finds two deterministic recordings identical, and a planted CHECKPOINT difference at exactly its icount', () => {
    const a = temp.path('hello-a.rrlog');
    const b = temp.path('hello-b.rrlog');
    for (const log of [a, b]) expect(rrvm(['record', '--checkpoint-every', '100', '-o', log, guestElf('hello')]).code).toBe(0);
    const same = rrvm(['diff', a, b]);
    expect(same.code, describeCli(same)).toBe(0);
    expect(same.stdout.toString()).toMatch(/^identical: /);

    const checkpoints = readEvents(a).events.filter((e) => e.kind === 'CHECKPOINT');
    const planted = checkpoints[Math.floor(checkpoints.length / 2)]!;
    const edited = temp.path('hello-planted.rrlog');
    rewriteLog(a, edited, {
      events: (events) =>
        events.map((e): RrEvent => {
          if (e.seq !== planted.seq || e.kind !== 'CHECKPOINT') return e;
          const digest = Uint8Array.from(e.digest);
          digest[8]! ^= 1; // the RAM sub-digest
          return { ...e, digest };
        }),
    });
    const r = rrvm(['diff', a, edited]);
    expect(r.code, describeCli(r)).toBe(3);
    const text = r.stdout.toString();
    expect(text).toMatch(new RegExp(`^first difference at icount ${planted.icount} \\(event #${planted.seq}\\): the CHECKPOINT digests differ in RAM$`, 'm'));
    expect(text).toContain(`CHECKPOINT @${planted.icount} #${planted.seq}`);
    const json = JSON.parse(rrvm(['diff', '--json', a, edited]).stdout.toString()) as { icount: number; before: unknown[]; a: unknown[]; b: unknown[] };
    expect(json.icount).toBe(planted.icount);
    expect(json.before).toHaveLength(3);
    expect(json.a.length).toBeGreaterThan(0);
  });

  it('finds a planted input byte at exactly its icount, and a log that ends early', () => {
    const input = temp.path('echo-input.txt');
    writeFileSync(input, 'hello world q');
    const log = temp.path('echo.rrlog');
    expect(rrvm(['record', '--serial-in', input, '-o', log, guestElf('echo')]).code).toBe(0);
    const reads = readEvents(log).events.filter((e) => e.kind === 'CHAR_READ');
    const planted = reads[4]!;
    const edited = temp.path('echo-planted.rrlog');
    rewriteLog(log, edited, {
      events: (events) => events.map((e): RrEvent => (e.seq === planted.seq && e.kind === 'CHAR_READ' ? { ...e, bytes: Uint8Array.of(0x21) } : e)),
    });
    const r = rrvm(['diff', log, edited]);
    expect(r.code, describeCli(r)).toBe(3);
    expect(r.stdout.toString()).toMatch(new RegExp(`^first difference at icount ${planted.icount} \\(event #${planted.seq}\\): the CHAR_READ events carry different values$`, 'm'));
    expect(r.stdout.toString()).toContain('bytes="!"');

    const shorter = temp.path('echo-short.rrlog');
    rewriteLog(log, shorter, { events: (events) => events.slice(0, 3), endIcount: readEvents(log).events[2]!.icount });
    const s = rrvm(['diff', log, shorter]);
    expect(s.code, describeCli(s)).toBe(3);
    expect(s.stdout.toString()).toMatch(/first difference at icount \d+ \(event #3\)/);
  });
});
