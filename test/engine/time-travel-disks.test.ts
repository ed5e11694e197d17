// Time travel over a recording with a disk: the disk's writes and the block requests in
// flight go with every snapshot, so seeks in any order reach the same state.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogReader } from '../../codecs/index.js';
import { openReplayDrives } from '../../src/cli/open-drives.js';
import { fullStateDigest } from '../../src/engine/checkpoint-digest.js';
import { TimeTravelSession } from '../../src/engine/time-travel-session.js';
import { parseElf } from '../../src/machine/elf-loader.js';
import { MemoryMap } from '../../src/machine/memory-map.js';
import { RRVM_CLI } from '../cli/cli-harness.js';
import { REPO_ROOT } from '../examples/run-guest.js';
import { tempDir } from './harness.js';

const temp = tempDir('tt-disks');
afterAll(temp.remove);

const ELF = join(REPO_ROOT, 'examples', 'disk-test', 'disk-test.elf');

describe('time travel with a disk', () => {
  const log = temp.path('d.rrlog');
  beforeAll(() => {
    const img = temp.path('disk.img');
    execFileSync(process.execPath, [join(REPO_ROOT, 'examples', 'disk-test', 'make-image.mjs'), img]);
    // The whole run: reads, writes read back, writes undone, requests in flight everywhere.
    execFileSync(process.execPath, [RRVM_CLI, 'record', '--drive', `file=${img},serial=rrvm-disk0`, '-o', log, ELF], { stdio: 'ignore' });
  }, 60_000);

  function session(): TimeTravelSession {
    const reader = LogReader.open(log);
    const image = parseElf(readFileSync(ELF), MemoryMap.RAM, reader.header.ramBytes);
    return new TimeTravelSession({ image, reader, drives: openReplayDrives(reader.header.disks, []), onConsole: () => {}, snapshotEvery: 1 << 24 });
  }

  it('seeks in random order reach the states a forward walk reaches', async () => {
    const forward = session();
    expect(forward.session.machine.virtio.some((slot) => slot.name === 'virtio-blk')).toBe(true);
    const points = Array.from({ length: 10 }, (_, i) => Math.floor((forward.endIcount * (i + 1)) / 11));
    const expected = new Map<number, string>();
    for (const p of points) {
      await forward.seek(p);
      expected.set(p, fullStateDigest(forward.session.machine, forward.session.output));
    }
    const shuffled = session();
    const order = [...points].sort((a, b) => ((a * 7919) % 101) - ((b * 7919) % 101));
    for (const p of [...order, ...order.reverse()]) {
      await shuffled.seek(p);
      expect(shuffled.icount).toBe(p);
      expect(fullStateDigest(shuffled.session.machine, shuffled.session.output), `at icount ${p}`).toBe(expected.get(p));
    }
  }, 60_000);
});
