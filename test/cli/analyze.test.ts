// `rrvm analyze`: many logs replayed on a pool of worker threads give the same results, in
// the order of the arguments, as one thread and as `rrvm verify` of each log; a broken log
// fails alone.
import { existsSync, readFileSync, truncateSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guestElf, rewriteLog, tempDir, type ExampleGuest } from '../engine/harness.js';
import { describeCli, rrvmAsync, type CliResult } from './cli-harness.js';
import { recordLogs, type AnalyzeJson } from './analyze-fixtures.js';

const temp = tempDir('analyze');
afterAll(temp.remove);

/** 20 recordings: clock guests (each reads the host clock, so each log differs) and hello. */
const GUESTS: ExampleGuest[] = Array.from({ length: 20 }, (_, i) => (i % 4 === 3 ? 'hello' : 'clock'));
let logs: string[] = [];

beforeAll(async () => {
  logs = await recordLogs(temp, GUESTS);
}, 240_000);

function json(r: CliResult): AnalyzeJson {
  return JSON.parse(r.stdout.toString()) as AnalyzeJson;
}

describe('rrvm analyze', () => {
  it('over 20 logs with 2 workers equals the serial result and verify of each log', async () => {
    const parallel = await rrvmAsync(['analyze', '--json', '--jobs', '2', ...logs]);
    expect(parallel.code, describeCli(parallel)).toBe(0);
    const serial = await rrvmAsync(['analyze', '--json', '--jobs', '1', ...logs]);
    expect(serial.code, describeCli(serial)).toBe(0);
    expect(json(parallel)).toEqual(json(serial));
    const { logs: results, summary } = json(parallel);
    expect(summary).toEqual({ logs: 20, ok: 20, divergence: 0, incomplete: 0, error: 0 });
    expect(results.map((r) => r.log)).toEqual(logs);
    // Clock logs differ from each other, so a result given to the wrong log would show.
    expect(new Set(results.map((r) => r.finalDigest)).size).toBeGreaterThan(10);
    for (let from = 0; from < logs.length; from += 4) {
      const verifies = await Promise.all(logs.slice(from, from + 4).map((log) => rrvmAsync(['verify', '--json', log])));
      verifies.forEach((verify, k) => {
        expect(verify.code, describeCli(verify)).toBe(0);
        const v = JSON.parse(verify.stdout.toString()) as { icount: number; events: number; finalDigest: string; stop: string };
        expect(results[from + k], logs[from + k]).toMatchObject({ outcome: 'ok', icount: v.icount, events: v.events, finalDigest: v.finalDigest, guest: v.stop, message: null });
      });
    }
  }, 240_000);

  it('prints one line per log in argument order and a summary', async () => {
    const some = logs.slice(0, 5).reverse();
    const r = await rrvmAsync(['analyze', '--jobs', '2', ...some]);
    expect(r.code, describeCli(r)).toBe(0);
    const lines = r.stdout.toString().trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    some.forEach((log, i) => expect(lines[i]).toMatch(new RegExp(`^ok +${log.replaceAll('.', '\\.')}: \\d+ instructions, \\d+ events, guest pass, final digest [0-9a-f]{16}$`)));
    expect(lines[5]).toBe('5 logs: 5 ok, 0 divergence, 0 incomplete, 0 error');
  }, 60_000);

  it('reports a corrupt, a cut-short and a diverging log on their own lines; the others still succeed', async () => {
    const corrupt = temp.path('corrupt.rrlog');
    writeFileSync(corrupt, Buffer.concat([Buffer.from('XXXX'), readFileSync(logs[0]!).subarray(4)]));
    const cut = temp.path('cut.rrlog');
    writeFileSync(cut, readFileSync(logs[1]!));
    truncateSync(cut, statSync(cut).size - 30);
    const diverging = temp.path('diverging.rrlog');
    // The first clock read answered one instruction late: the guest asks for it at another icount.
    let moved = false;
    rewriteLog(logs[2]!, diverging, {
      events: (events) =>
        events.map((e) => {
          if (moved || e.kind !== 'CLOCK') return e;
          moved = true;
          return { ...e, icount: e.icount + 1 };
        }),
    });
    const args = [logs[3]!, corrupt, logs[4]!, cut, diverging, logs[5]!];
    const r = await rrvmAsync(['analyze', '--jobs', '2', ...args]);
    expect(r.code, describeCli(r)).toBe(3);
    const lines = r.stdout.toString().trimEnd().split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[0]).toMatch(/^ok /);
    expect(lines[1]).toMatch(/^error +\S*corrupt\.rrlog: .*not an rrvm log \(offset 0/);
    expect(lines[2]).toMatch(/^ok /);
    expect(lines[3]).toMatch(/^incomplete +\S*cut\.rrlog: log ends without END at icount \d+/);
    expect(lines[4]).toMatch(/^divergence +\S*diverging\.rrlog: at icount \d+; expected: CLOCK/);
    expect(lines[5]).toMatch(/^ok /);
    expect(lines[6]).toBe('6 logs: 3 ok, 1 divergence, 1 incomplete, 1 error');

    const withoutDivergence = await rrvmAsync(['analyze', '--json', logs[3]!, corrupt]);
    expect(withoutDivergence.code, describeCli(withoutDivergence)).toBe(1);
    expect(json(withoutDivergence).logs.map((l) => l.outcome)).toEqual(['ok', 'error']);
  }, 120_000);

  it('runs a tap over every log into a file per log ({log}), the same files replay --tap writes', async () => {
    const some = logs.slice(0, 3);
    const r = await rrvmAsync(['analyze', '--tap', 'events-jsonl={log}.jsonl', '--tap', 'console=out-{log}.txt', ...some], { cwd: temp.dir });
    expect(r.code, describeCli(r)).toBe(0);
    for (const log of some) {
      const name = log.replace(/^.*\//, '').replace(/\.rrlog$/, '');
      const single = await rrvmAsync(['replay', '--tap', `events-jsonl=single-${name}.jsonl`, '--tap', `console=single-${name}.txt`, log], { cwd: temp.dir });
      expect(single.code, describeCli(single)).toBe(0);
      expect(readFileSync(temp.path(`${name}.jsonl`), 'utf8')).toBe(readFileSync(temp.path(`single-${name}.jsonl`), 'utf8'));
      expect(readFileSync(temp.path(`out-${name}.txt`), 'latin1')).toBe(readFileSync(temp.path(`single-${name}.txt`), 'latin1'));
    }
  }, 120_000);

  it('refuses tap output files two logs would share, before replaying anything', async () => {
    const out = temp.path('shared.jsonl');
    const r = await rrvmAsync(['analyze', '--tap', `events-jsonl=${out}`, logs[0]!, logs[1]!]);
    expect(r.code, describeCli(r)).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^rrvm: .* would both write .*shared\.jsonl; put \{log\} in the file name/);
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('reports a tap that throws inside its subscriber as that log\'s error', async () => {
    const tap = temp.path('throwing-tap.mjs');
    writeFileSync(tap, "export default (session) => session.events$.subscribe(() => { throw new Error('boom in the tap'); });\n");
    const r = await rrvmAsync(['analyze', '--jobs', '2', '--tap', tap, logs[0]!, logs[3]!]);
    expect(r.code, describeCli(r)).toBe(1);
    const lines = r.stdout.toString().trimEnd().split('\n');
    expect(lines.slice(0, 2).every((line) => /^error +\S+: a tap failed: boom in the tap$/.test(line)), lines.join('\n')).toBe(true);
  }, 60_000);

  it('reports a tap that fails on one log as that log\'s error', async () => {
    const r = await rrvmAsync(['analyze', '--tap', 'events-jsonl=/nonexistent-dir/{log}.jsonl', logs[0]!]);
    expect(r.code, describeCli(r)).toBe(1);
    expect(r.stdout.toString()).toMatch(/^error +\S+: tap events-jsonl: cannot write '\/nonexistent-dir\/clock-00\.jsonl'/);
    expect(r.stdout.toString()).toMatch(/1 log: 0 ok, 0 divergence, 0 incomplete, 1 error\n$/);
  }, 60_000);
});

describe('rrvm analyze, bad usage', () => {
  it('rejects --jobs 0 with one line', async () => {
    const r = await rrvmAsync(['analyze', '--jobs', '0', guestElf('hello')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rrvm: option '--jobs <n>' argument '0' is invalid/);
  });
});
