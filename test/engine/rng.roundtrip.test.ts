import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { DivergenceError } from '../../src/engine/divergence.js';
import { REPO_ROOT } from '../examples/run-guest.js';
import { readEvents, recordGuest, replayLog, rewriteLog, tempDir, type Recording } from './harness.js';

const temp = tempDir('rng');
afterAll(temp.remove);

const RNG_ELF = join(REPO_ROOT, 'examples', 'rng', 'rng.elf');

describe('virtio-rng (RANDOM pull events)', () => {
  let rec: Recording;

  beforeAll(async () => {
    rec = await recordGuest({ elf: RNG_ELF, logPath: temp.path('rng.rrlog'), virtio: [{ kind: 'virtio-rng' }] });
  });

  it('records the entropy the guest asked for and replays it byte for byte', async () => {
    const text = rec.console.toString('latin1');
    expect(text).toContain('rng: virtio-rng ready');
    expect(text).toContain('rng: done');
    const random = readEvents(rec.logPath).events.filter((e) => e.kind === 'RANDOM');
    // The guest asks for 16, 32 and 16 bytes; each answer is in the log and printed as hex.
    expect(random.map((e) => (e.kind === 'RANDOM' ? e.bytes.length : 0))).toEqual([16, 32, 16]);
    for (const e of random) if (e.kind === 'RANDOM') expect(text).toContain(Buffer.from(e.bytes).toString('hex'));
    const replay = await replayLog(rec.logPath);
    expect(replay.console.equals(rec.console)).toBe(true);
    expect(replay.digest).toBe(rec.digest);
  });

  it('two recordings differ (the entropy is the host\'s), each replays to its own output', async () => {
    const other = await recordGuest({ elf: RNG_ELF, logPath: temp.path('rng2.rrlog'), virtio: [{ kind: 'virtio-rng' }] });
    expect(other.console.equals(rec.console)).toBe(false);
    expect((await replayLog(other.logPath)).console.equals(other.console)).toBe(true);
  });

  it('diverges when a RANDOM answer in the log is changed', async () => {
    const path = temp.path('rng-tampered.rrlog');
    let first = true;
    rewriteLog(rec.logPath, path, {
      events: (events) =>
        events.map((e) => {
          if (e.kind !== 'RANDOM' || !first) return e;
          first = false;
          const bytes = Uint8Array.from(e.bytes);
          bytes[0] ^= 0xff;
          return { ...e, bytes };
        }),
    });
    await expect(replayLog(path)).rejects.toBeInstanceOf(DivergenceError);
  });

  it('without --rng the guest finds no device and fails, as on QEMU without -device virtio-rng-device', async () => {
    const bare = await recordGuest({ elf: RNG_ELF, logPath: temp.path('bare.rrlog') });
    expect(bare.console.toString('latin1')).toContain('no virtio-rng device');
    expect(bare.stop).toEqual({ kind: 'halt', halt: { kind: 'fail', code: 2 } });
  });
});
