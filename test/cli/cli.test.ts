import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogReader } from '../../codecs/index.js';
import { guestElf, tempDir } from '../engine/harness.js';
import { describeCli, expectOneLineStderr, NO_STACK, rrvm, rrvmBackground, rrvmSlowReader, RRVM_CLI } from './cli-harness.js';

const temp = tempDir('cli');
afterAll(temp.remove);


beforeAll(() => {
  if (!existsSync(RRVM_CLI)) throw new Error(`${RRVM_CLI} is missing: build first (npx tsc -p tsconfig.json)`);
});

describe('rrvm --help', () => {
  it('lists every command and exits 0', () => {
    const r = rrvm(['--help']);
    expect(r.code, describeCli(r)).toBe(0);
    const text = r.stdout.toString();
    for (const command of ['run', 'record', 'replay', 'verify', 'info', 'dump', 'gdb']) expect(text).toMatch(new RegExp(`^\\s+${command} `, 'm'));
  });

  const OPTIONS: Record<string, string[]> = {
    run: ['--memory', '--icount-shift', '--max-insns', '--idle', '--stats', '--serial-in', '--input-script'],
    record: ['--output', '--checkpoint-every', '--compress', '--max-insns', '--serial-in', '--input-script'],
    replay: ['--elf', '--force', '--until', '--stats', '--save-snapshot', '--from-snapshot'],
    verify: ['--json', '--elf', '--force', '--from-snapshot'],
    info: ['--json'],
    dump: ['--json', '--kind', '--from', '--to'],
  };
  for (const [command, options] of Object.entries(OPTIONS)) {
    it(`rrvm ${command} --help exits 0 and names its options`, () => {
      const r = rrvm([command, '--help']);
      expect(r.code, describeCli(r)).toBe(0);
      const text = r.stdout.toString();
      expect(text).toContain(`Usage: rrvm ${command}`);
      for (const option of options) expect(text).toContain(option);
    });
  }
});

describe('bad input', () => {
  it('rejects an unknown flag with one line and exit 1', () => {
    const r = rrvm(['run', '--bogus', guestElf('hello')]);
    expect(r.code, describeCli(r)).toBe(1);
    expectOneLineStderr(r.stderr, /unknown option '--bogus'/);
  });

  it('rejects a bad option value with one line and exit 1', () => {
    const r = rrvm(['run', '--max-insns', 'lots', guestElf('hello')]);
    expect(r.code, describeCli(r)).toBe(1);
    expectOneLineStderr(r.stderr, /--max-insns/);
  });

  it('reports a missing ELF as "no such file", exit 1', () => {
    const r = rrvm(['run', temp.path('nope.elf')]);
    expect(r.code, describeCli(r)).toBe(1);
    expectOneLineStderr(r.stderr, /no such file/);
  });

  it('rejects a text file given as ELF, exit 1', () => {
    const text = temp.path('not-an-elf.elf');
    writeFileSync(text, 'this is not an ELF file\n');
    for (const command of [['run'], ['record', '-o', temp.path('never.rrlog')]]) {
      const r = rrvm([...command, text]);
      expect(r.code, describeCli(r)).toBe(1);
      expectOneLineStderr(r.stderr, /not an ELF/);
    }
  });

  it('rejects a garbage file given as log with a log.* message naming the offset, exit 1', () => {
    const garbage = temp.path('garbage.rrlog');
    writeFileSync(garbage, Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 151 + 7) & 0xff)));
    for (const command of ['replay', 'verify', 'info', 'dump']) {
      const r = rrvm([command, garbage]);
      expect(r.code, `${command}: ${describeCli(r)}`).toBe(1);
      expectOneLineStderr(r.stderr, /not an rrvm log \(offset 0/);
    }
  });

  it('stops cpu-bench at --max-insns 1000 with exit 4', () => {
    const r = rrvm(['run', '--max-insns', '1000', guestElf('cpu-bench')]);
    expect(r.code, describeCli(r)).toBe(4);
    expect(r.stderr).toContain('stopped after 1000 instructions (--max-insns)');
  });
});

describe('record, replay, info, dump, verify', () => {
  const helloLog = temp.path('hello.rrlog');
  const clockLog = temp.path('clock.rrlog');
  let helloOut: Buffer;

  beforeAll(() => {
    const r = rrvm(['record', '-o', helloLog, guestElf('hello')]);
    expect(r.code, describeCli(r)).toBe(0);
    helloOut = r.stdout;
    const c = rrvm(['record', '-o', clockLog, guestElf('clock')]);
    expect(c.code, describeCli(c)).toBe(0);
  });

  it('replays hello with the recorded output, exit 0', () => {
    expect(helloOut.toString()).toContain('Hello from rrvm guest!');
    const r = rrvm(['replay', helloLog]);
    expect(r.code, describeCli(r)).toBe(0);
    expect(r.stdout.equals(helloOut)).toBe(true);
  });

  it('replays clock with the recorded output (times included), exit 0', () => {
    const recorded = rrvm(['record', '-o', temp.path('clock2.rrlog'), guestElf('clock')]);
    const r = rrvm(['replay', temp.path('clock2.rrlog')]);
    expect(r.code, describeCli(r)).toBe(0);
    expect(r.stdout.toString()).toMatch(/rtc_ns=\d+/);
    expect(r.stdout.equals(recorded.stdout)).toBe(true);
  });

  it('rrvm info describes the log', () => {
    const r = rrvm(['info', helloLog]);
    expect(r.code, describeCli(r)).toBe(0);
    const text = r.stdout.toString();
    expect(text).toMatch(/^status:\s+complete$/m);
    expect(text).toContain(guestElf('hello'));
    expect(text).toMatch(/^instructions:\s+\d+$/m);
    expect(text).toMatch(/^\s+CHECKPOINT\s+1\b/m);
    expect(text).toMatch(/^\s+END\s+1\b/m);
  });

  it('rrvm info --json describes the log as JSON', () => {
    const r = rrvm(['info', '--json', helloLog]);
    expect(r.code, describeCli(r)).toBe(0);
    const info = JSON.parse(r.stdout.toString()) as Record<string, unknown>;
    expect(info).toMatchObject({ complete: true, counts: { CHECKPOINT: 1, END: 1 }, fileBytes: statSync(helloLog).size });
    expect(info['header']).toMatchObject({ elfPath: guestElf('hello'), icountShift: 3, ramBytes: 128 * 1024 * 1024 });
    expect(info['instructions']).toBeGreaterThan(0);
  });

  it('rrvm dump --kind CLOCK --json prints one JSON object per CLOCK event', () => {
    const r = rrvm(['dump', '--kind', 'CLOCK', '--json', clockLog]);
    expect(r.code, describeCli(r)).toBe(0);
    const lines = r.stdout.toString().trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    let previous = -1;
    for (const line of lines) {
      const e = JSON.parse(line) as { kind: string; icount: number; clock: string };
      expect(e.kind).toBe('CLOCK');
      expect(e.clock).toBe('rtc');
      expect(e.icount).toBeGreaterThan(previous);
      previous = e.icount;
    }
  });

  it('rrvm verify prints OK and exits 0; --json says ok', () => {
    const r = rrvm(['verify', clockLog]);
    expect(r.code, describeCli(r)).toBe(0);
    expect(r.stdout.toString()).toMatch(/^OK .*replayed identically; final digest [0-9a-f]{16}$/m);
    const j = rrvm(['verify', '--json', clockLog]);
    expect(j.code, describeCli(j)).toBe(0);
    expect(JSON.parse(j.stdout.toString())).toMatchObject({ ok: true, stop: 'pass' });
  });

  it('rrvm dump into a slowly read pipe prints every event of a large log', async () => {
    const log = temp.path('rtc-loop.rrlog');
    const rec = rrvm(['record', '-o', log, guestElf('rtc-loop')]);
    expect(rec.code, describeCli(rec)).toBe(0);
    const events = LogReader.open(log).footer!.eventCount;
    expect(events).toBe(100_003);
    // stdout is a pipe read slowly (as by `| less`): the CLI must not exit before it took everything.
    const r = await rrvmSlowReader(['dump', log], 1_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString().trimEnd().split('\n')).toHaveLength(events);
  });
});

describe('a replay against a patched ELF', () => {
  const log = temp.path('hello-for-patch.rrlog');
  const patched = temp.path('patched.elf');

  beforeAll(() => {
    const r = rrvm(['record', '-o', log, guestElf('hello')]);
    expect(r.code, describeCli(r)).toBe(0);
    copyFileSync(guestElf('hello'), patched);
    const bytes = readFileSync(patched);
    bytes[bytes.indexOf('Hello from')] = 'J'.charCodeAt(0);
    writeFileSync(patched, bytes);
  });

  it('with --force diverges: exit 3 within seconds, with a report', () => {
    const r = rrvm(['replay', '--elf', patched, '--force', log], { timeoutMs: 15_000 });
    expect(r.code, describeCli(r)).toBe(3);
    expect(r.stderr).toMatch(/replay diverged from the recording at icount \d+ \(pc 0x[0-9a-f]{8}\)/);
    expect(r.stderr).toMatch(/expected: CHECKPOINT/);
    expect(r.stderr).toMatch(/actual: +the state differs: RAM, console output differ; first differing RAM page: 0 \(0x80000000/);
    expect(r.stderr).not.toMatch(NO_STACK);
    expect(r.stdout.toString()).toContain('Jello from rrvm guest!');
  });

  it('without --force refuses (replay.elf): exit 1 with one line', () => {
    const r = rrvm(['replay', '--elf', patched, log]);
    expect(r.code, describeCli(r)).toBe(1);
    expectOneLineStderr(r.stderr, /is not the ELF this log was recorded with .*--force/);
    expect(r.stdout.length).toBe(0);
  });
});

describe('logs cut short', () => {
  it('replays a log cut in the middle of its last chunk: exit 0, "log ends without END at icount N"', () => {
    // Two input bursts 1 s apart: the first is flushed as a chunk (100 ms after it) before the
    // second arrives, even on a loaded machine.
    const script = temp.path('slow.jsonl');
    writeFileSync(script, '{"after_ms":20,"serial":"abc\\n"}\n{"after_ms":1000,"serial":"q"}\n');
    const log = temp.path('echo-slow.rrlog');
    const rec = rrvm(['record', '--input-script', script, '-o', log, guestElf('echo')]);
    expect(rec.code, describeCli(rec)).toBe(0);
    const reader = LogReader.open(log);
    expect(reader.chunks.length).toBeGreaterThanOrEqual(2);
    const last = reader.chunks.at(-1)!;
    const cut = temp.path('echo-cut.rrlog');
    writeFileSync(cut, readFileSync(log).subarray(0, last.offset + Math.ceil(last.length / 2)));
    const expectedIcount = LogReader.open(cut).truncatedAt!.icount;
    expect(expectedIcount).toBeGreaterThan(0);

    const r = rrvm(['replay', cut], { timeoutMs: 15_000 });
    expect(r.code, describeCli(r)).toBe(0);
    expect(r.stderr).toContain(`log ends without END at icount ${expectedIcount}`);
    // The replay stops at the last complete event (the delivery of '\n'), before the guest echoes it.
    expect(r.stdout.toString()).toMatch(/abc$/);
    // info says the same; verify refuses (log.truncated).
    expect(rrvm(['info', cut]).stdout.toString()).toContain(`cut short: no END; complete chunks end at icount ${expectedIcount}`);
    const v = rrvm(['verify', cut]);
    expect(v.code, describeCli(v)).toBe(1);
    expectOneLineStderr(v.stderr, new RegExp(`log ends without END at icount ${expectedIcount}`));
  });

  it('replays an rtc-loop log cut in its last chunk (ending on a CLOCK read) in time: exit 0', () => {
    const log = temp.path('rtc-loop-for-cut.rrlog');
    const rec = rrvm(['record', '-o', log, guestElf('rtc-loop')]);
    expect(rec.code, describeCli(rec)).toBe(0);
    const last = LogReader.open(log).chunks.at(-1)!;
    const cut = temp.path('rtc-loop-cut.rrlog');
    writeFileSync(cut, readFileSync(log).subarray(0, last.offset + Math.ceil(last.length / 2)));
    const reader = LogReader.open(cut);
    expect([...reader.events()].at(-1)!.kind).toBe('CLOCK');
    const r = rrvm(['replay', cut], { timeoutMs: 10_000 });
    expect(r.timedOut, `replay of a cut rtc-loop log hangs: ${describeCli(r)}`).toBe(false);
    expect(r.code, describeCli(r)).toBe(0);
    expect(r.stderr).toMatch(/log ends without END at icount \d+/);
  });

  it('replays the log of a recorder killed mid-run (exit 0, log ends without END); verify exits 1', async () => {
    const log = temp.path('killed.rrlog');
    const input = temp.path('empty-input.txt');
    writeFileSync(input, '');
    const recorder = rrvmBackground(['record', '--serial-in', input, '-o', log, guestElf('cpu-bench')]);
    // Kill it mid-run, as soon as its first chunk (the first CHECKPOINT, after 2^24 instructions)
    // is on disk: about 0.6 s after the start here, while cpu-bench records for about 2 s on an
    // idle machine (a fixed 1.5 s could outlast it on a fast one). A busy machine gets 10 s.
    const chunks = (): number => {
      try {
        return LogReader.open(log).chunks.length;
      } catch {
        return 0; // not created yet, or the header is still being written
      }
    };
    for (let waited = 0; waited < 10_000 && chunks() < 1; waited += 50) await sleep(50);
    recorder.kill();
    const exit = await recorder.exited;
    expect(exit.signal, 'the recorder finished before it was killed').toBe('SIGKILL');
    const reader = LogReader.open(log);
    expect(reader.footer).toBeNull();
    const cutIcount = reader.truncatedAt!.icount;
    expect(cutIcount).toBeGreaterThan(0);

    const r = rrvm(['replay', log], { timeoutMs: 30_000 });
    expect(r.code, describeCli(r)).toBe(0);
    expect(r.stderr).toContain(`log ends without END at icount ${cutIcount}`);
    const v = rrvm(['verify', log]);
    expect(v.code, describeCli(v)).toBe(1);
    expectOneLineStderr(v.stderr, /log ends without END/);
  });
});

describe('rrvm record --input-script', () => {
  it('records every scripted line and replays identically', () => {
    const script = temp.path('x.jsonl');
    writeFileSync(script, '{"after_ms":50,"serial":"hi\\n"}\n{"after_ms":50,"serial":"q"}\n');
    const log = temp.path('echo-script.rrlog');
    const rec = rrvm(['record', '--input-script', script, '-o', log, guestElf('echo')]);
    expect(rec.code, describeCli(rec)).toBe(0);
    const text = rec.stdout.toString();
    expect(text).toContain('hi\nq');
    expect(text).toContain('echoed 4 bytes');
    const rep = rrvm(['replay', log]);
    expect(rep.code, describeCli(rep)).toBe(0);
    expect(rep.stdout.equals(rec.stdout)).toBe(true);
    const chars = rrvm(['dump', '--kind', 'CHAR_READ', '--json', log]).stdout.toString().trimEnd().split('\n');
    expect(chars).toHaveLength(4);
  });
});

describe('rrvm record with stdin piped', () => {
  it('echoes every one of 100 000 bytes piped in as fast as the host writes them, and replays identically', () => {
    // a..p only ('q' ends the echo guest), a newline every 64 bytes, then the 'q'.
    const input = Buffer.alloc(100_001);
    for (let i = 0; i < 100_000; i++) input[i] = i % 64 === 63 ? 0x0a : 0x61 + (i % 16);
    input[100_000] = 0x71;
    const log = temp.path('echo-flood.rrlog');
    const rec = rrvm(['record', '-o', log, guestElf('echo')], { input, timeoutMs: 60_000 });
    expect(rec.code, describeCli(rec)).toBe(0);
    const text = rec.stdout.toString('latin1');
    expect(text).toContain('echoed 100001 bytes');
    // Every byte came back, in order (the guest echoes what it reads, after its prompt line).
    expect(text).toContain(input.toString('latin1'));
    const rep = rrvm(['replay', log], { timeoutMs: 60_000 });
    expect(rep.code, describeCli(rep)).toBe(0);
    expect(rep.stdout.equals(rec.stdout)).toBe(true);
  });

  it('refuses to write the log over a file that is not an rrvm log, leaving it intact', () => {
    const precious = temp.path('precious.txt');
    writeFileSync(precious, 'do not overwrite me\n');
    const r = rrvm(['record', '-o', precious, guestElf('hello')]);
    expect(r.code, describeCli(r)).toBe(1);
    expectOneLineStderr(r.stderr, /refusing to overwrite/);
    expect(readFileSync(precious, 'utf8')).toBe('do not overwrite me\n');
  });
});

describe('taps, compression and --until through the CLI', () => {
  it('record --compress with taps, then replay with the same taps: identical event and console files', () => {
    const log = temp.path('clock-tapped.rrlog');
    const files = (mode: string) => ({ events: temp.path(`${mode}.jsonl`), console: temp.path(`${mode}.txt`) });
    const rec = files('rec');
    const r = rrvm(['record', '--compress', '-o', log, '--tap', `events-jsonl=${rec.events}`, '--tap', `console=${rec.console}`, guestElf('clock')]);
    expect(r.code, describeCli(r)).toBe(0);
    const rep = files('rep');
    const p = rrvm(['replay', log, '--tap', `events-jsonl=${rep.events}`, '--tap', `console=${rep.console}`]);
    expect(p.code, describeCli(p)).toBe(0);
    const recEvents = readFileSync(rec.events, 'utf8');
    expect(recEvents.split('\n').filter((l) => l.includes('"kind":"CLOCK"'))).toHaveLength(6);
    expect(readFileSync(rep.events, 'utf8')).toBe(recEvents);
    expect(readFileSync(rep.console, 'utf8')).toBe(readFileSync(rec.console, 'utf8'));
    expect(rrvm(['info', log]).stdout.toString()).toContain('deflated');
  });

  it('replay --until stops early with exit 0 and a prefix of the output', () => {
    const log = temp.path('hello-until.rrlog');
    const full = rrvm(['record', '-o', log, guestElf('hello')]);
    expect(full.code, describeCli(full)).toBe(0);
    const r = rrvm(['replay', '--until', '300', log]);
    expect(r.code, describeCli(r)).toBe(0);
    expect(r.stderr).toContain('stopped at icount 300 (--until)');
    expect(full.stdout.subarray(0, r.stdout.length).equals(r.stdout)).toBe(true);
    expect(r.stdout.length).toBeLessThan(full.stdout.length);
  });

  it('a file tap sees the run: the example count-events tap prints its summary', () => {
    const r = rrvm(['run', '--tap', 'examples/taps/count-events.js', guestElf('clock')]);
    expect(r.code, describeCli(r)).toBe(0);
    expect(r.stderr).toMatch(/count-events \(run, completed at icount \d+\)/);
    expect(r.stderr).toMatch(/CLOCK\s+6/);
  });

  it('a tap that throws fails the run with one line and exit 1', () => {
    const tap = temp.path('throwing-tap.mjs');
    writeFileSync(tap, "export default (s) => s.events$.subscribe(() => { throw new Error('tap broke'); });\n");
    const r = rrvm(['run', '--tap', tap, guestElf('clock')]);
    expect(r.code, describeCli(r)).toBe(1);
    expectOneLineStderr(r.stderr, /a tap failed: tap broke/);
  });

  it('run --idle realtime waits out the guest\'s timers and prints the same lines', () => {
    const r = rrvm(['run', '--idle', 'realtime', guestElf('clock')]);
    expect(r.code, describeCli(r)).toBe(0);
    const masked = (b: Buffer) => b.toString().replace(/=\d+/g, '=N');
    const skipped = rrvm(['run', guestElf('clock')]);
    expect(masked(r.stdout)).toBe(masked(skipped.stdout));
    // Five 10 ms timer sleeps, waited in real time.
    expect(r.ms).toBeGreaterThanOrEqual(50);
  });
});
