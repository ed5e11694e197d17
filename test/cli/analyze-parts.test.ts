// The pieces of `rrvm analyze` that need no replay: the result lines and exit status, `{log}`
// in tap specs and the refusal of shared output files, the --queue URL, the job check.
import { describe, expect, it } from 'vitest';
import { RrvmError } from '../../src/core/rrvm-error.js';
import { checkJob, failedResult } from '../../src/cli/analyze-job.js';
import { analyzeStatus, resultLine, summarize, summaryLine, type LogResult } from '../../src/cli/analyze-report.js';
import { checkTapOutputs, tapsForLog } from '../../src/cli/analyze-taps.js';
import { parseRedisUrl } from '../../src/cli/redis-target.js';

const ok: LogResult = { log: 'a.rrlog', outcome: 'ok', icount: 10, events: 3, guest: 'fail 2', finalDigest: '00112233aabbccdd', message: null };
const diverged: LogResult = {
  log: 'b.rrlog',
  ...failedResult('divergence', 144, 'replay diverged from the recording at icount 144 (pc 0x80000220)\n  expected: CLOCK @145 #0\n  actual:   the guest read the rtc clock at icount 144\n  no events applied yet'),
};
const broken: LogResult = { log: 'c.rrlog', ...failedResult('error', null, 'c.rrlog: not an rrvm log\nsecond line') };

/** The RrvmError `f` throws. */
async function errorOf(f: () => unknown): Promise<RrvmError> {
  try {
    await f();
  } catch (err) {
    expect(err).toBeInstanceOf(RrvmError);
    return err as RrvmError;
  }
  throw new Error('expected an RrvmError');
}

describe('analyze result lines', () => {
  it('says how each log ended on one line', () => {
    expect(resultLine(ok)).toBe('ok         a.rrlog: 10 instructions, 3 events, guest fail 2, final digest 00112233aabbccdd');
    expect(resultLine(diverged)).toBe('divergence b.rrlog: at icount 144; expected: CLOCK @145 #0; actual: the guest read the rtc clock at icount 144');
    expect(resultLine(broken)).toBe('error      c.rrlog: c.rrlog: not an rrvm log');
  });

  it('counts outcomes, and exits 3 for any divergence, else 1 for any failure, else 0', () => {
    const summary = summarize([ok, diverged, broken, ok]);
    expect(summary).toEqual({ logs: 4, ok: 2, divergence: 1, incomplete: 0, error: 1 });
    expect(summaryLine(summary)).toBe('4 logs: 2 ok, 1 divergence, 0 incomplete, 1 error');
    expect(analyzeStatus(summary)).toBe(3);
    expect(analyzeStatus(summarize([ok, broken]))).toBe(1);
    // A guest that failed in a faithful recording is not a failed analysis.
    expect(analyzeStatus(summarize([ok]))).toBe(0);
    expect(summaryLine(summarize([ok]))).toBe('1 log: 1 ok, 0 divergence, 0 incomplete, 0 error');
  });
});

describe('analyze tap specs', () => {
  it('replaces {log} with the log file name without .rrlog', () => {
    expect(tapsForLog(['events-jsonl=out/{log}.jsonl', 'console', './t.js,file={log}-{log}.txt'], '/x/run-7.rrlog')).toEqual([
      'events-jsonl=out/run-7.jsonl',
      'console',
      './t.js,file=run-7-run-7.txt',
    ]);
  });

  it('refuses files two logs or two taps would share, and accepts one file per log', async () => {
    const logs = ['a/run.rrlog', 'b/other.rrlog'];
    const specs = (spec: string): string[][] => logs.map((log) => tapsForLog([spec], log));
    await expect(checkTapOutputs(logs, specs('events-jsonl=out/{log}.jsonl'), '/tmp')).resolves.toBeUndefined();
    const shared = await errorOf(() => checkTapOutputs(logs, specs('console'), '/tmp'));
    expect(shared.code).toBe('cli.usage');
    expect(shared.message).toBe(
      'a/run.rrlog (--tap console) and b/other.rrlog (--tap console) would both write /tmp/console.txt; put {log} in the file name, e.g. --tap events-jsonl=out/{log}.jsonl',
    );
    // Same names in different directories collide too.
    const sameName = ['a/run.rrlog', 'b/run.rrlog'];
    expect((await errorOf(() => checkTapOutputs(sameName, sameName.map((log) => tapsForLog(['coverage={log}.txt'], log)), '/tmp'))).message).toMatch(/would both write \/tmp\/run\.txt/);
    expect((await errorOf(() => checkTapOutputs(['a.rrlog'], [['events-jsonl=x', 'console=x']], '/tmp'))).code).toBe('cli.usage');
    expect((await errorOf(() => checkTapOutputs(['a.rrlog'], [['no-such-tap']], '/tmp'))).code).toBe('tap.load');
  });
});

describe('--queue URL', () => {
  it('reads host, port (6379 by default), credentials and database', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6380')).toEqual({ host: '127.0.0.1', port: 6380, label: '127.0.0.1:6380' });
    expect(parseRedisUrl('redis://queue.example')).toEqual({ host: 'queue.example', port: 6379, label: 'queue.example:6379' });
    expect(parseRedisUrl('redis://me:s%40cret@[::1]:7000/2')).toEqual({ host: '::1', port: 7000, username: 'me', password: 's@cret', db: 2, label: '[::1]:7000' });
  });

  it('refuses anything else with a cli.usage error', () => {
    for (const [url, why] of [
      ['localhost:6379', /unsupported scheme 'localhost'/],
      ['http://h:1', /unsupported scheme 'http'/],
      ['redis://h:1/zero', /database 'zero' is not a number/],
      ['not a url', /not a URL/],
    ] as const) {
      let error: unknown = null;
      try {
        parseRedisUrl(url);
      } catch (err) {
        error = err;
      }
      expect(error, url).toBeInstanceOf(RrvmError);
      expect((error as RrvmError).code).toBe('cli.usage');
      expect((error as RrvmError).message).toMatch(why);
    }
  });
});

describe('jobs taken from a queue', () => {
  it('are checked before they run', () => {
    const job = { kind: 'log', log: '/l.rrlog', taps: ['console'], cwd: '/' };
    expect(checkJob({ ...job, extra: 1 })).toEqual(job);
    for (const bad of [null, 'x', { ...job, kind: 'segment' }, { ...job, taps: [1] }, { ...job, log: undefined }]) {
      expect(() => checkJob(bad)).toThrow(/not an rrvm analyze job/);
    }
  });
});
