// `--chaos-io`: random extra delays before block completions never change what a replay
// reaches. Several seeds record the polled part of disk-test (cut after 4·10^8 instructions);
// one whole run reaches its interrupt-driven part, where 8 requests are in flight and the
// delays make completions arrive out of order. Each recording replays to its own final state
// and console output.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../examples/run-guest.js';
import { readEvents, recordGuest, replayLog, tempDir } from '../harness.js';

const temp = tempDir('chaos-io');
afterAll(temp.remove);

const DISK_TEST = join(REPO_ROOT, 'examples', 'disk-test');
const IMG = temp.path('disk.img');
const INSNS = 400_000_000;

/** True when some completion arrived before one of a request issued earlier (request ids grow with issue order). */
function outOfOrder(requests: readonly number[]): boolean {
  return requests.some((r, i) => i > 0 && r < requests[i - 1]!);
}

const ELF = join(DISK_TEST, 'disk-test.elf');

/** Records disk-test with `seed` (up to `maxInsns`), replays it, and returns the completion order. */
async function roundTrip(seed: number, name: string, maxInsns?: number): Promise<number[]> {
  const rec = await recordGuest({
    elf: ELF,
    logPath: temp.path(name),
    drives: [{ file: IMG, readOnly: false }],
    chaosSeed: seed,
    ...(maxInsns === undefined ? {} : { maxInsns }),
  });
  expect(rec.console.toString('latin1')).toContain('[polled] sector 2047');
  const replay = await replayLog(rec.logPath);
  expect(replay.icount).toBe(rec.icount);
  expect(replay.console.equals(rec.console)).toBe(true);
  expect(replay.digest).toBe(rec.digest);
  return readEvents(rec.logPath).events.flatMap((e) => (e.kind === 'BLOCK_DONE' ? [e.request] : []));
}

describe('record --chaos-io with a disk', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [join(DISK_TEST, 'make-image.mjs'), IMG], { stdio: 'ignore' });
  });

  it('any seed: the recording replays to its own state and output', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (seed) => {
        expect((await roundTrip(seed, `seed-${n++}.rrlog`, INSNS)).length).toBeGreaterThan(20);
      }),
      { numRuns: 3 },
    );
  }, 120_000);

  it('a whole run with completions out of order replays to its own state and output', async () => {
    const done = await roundTrip(5, 'whole.rrlog');
    // The delays did reorder completions (otherwise this test would prove little).
    expect(outOfOrder(done)).toBe(true);
  }, 120_000);
});
