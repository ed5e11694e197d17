// The committed guest ELFs must be exactly what `make -C examples` builds from the
// committed sources. Needs the cross compiler; skips with a printed reason without it
// (fails instead when RRVM_REQUIRE_TOOLS=1).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLES_DIR, GUESTS, VIRTIO_GUESTS, findTool, skipWithoutTool } from './run-guest.js';

const GCC = 'riscv64-unknown-elf-gcc';
const skip = skipWithoutTool('guests-build', GCC);
/** Every guest the Makefile builds: the plain ones and those with the virtio driver. */
const BUILT = [...GUESTS, ...VIRTIO_GUESTS, 'net-echo', 'cpu-bench-sv32'];

describe.skipIf(skip)('guest ELFs are reproducible from their sources', () => {
  const out = mkdtempSync(join(tmpdir(), 'rrvm-guests-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  let built: { ok: boolean; log: string } | undefined;

  function build(): { ok: boolean; log: string } {
    if (!built) {
      const r = spawnSync('make', ['-C', EXAMPLES_DIR, `OUT=${out}`], {
        encoding: 'utf8',
        timeout: 300_000,
        killSignal: 'SIGKILL',
      });
      built = { ok: r.status === 0, log: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
    }
    return built;
  }

  it('make -C examples OUT=<tmp> succeeds', () => {
    expect(findTool(GCC), `${GCC} is required (RRVM_REQUIRE_TOOLS=1) but is not on PATH`).toBeTruthy();
    const b = build();
    expect(b.ok, b.log).toBe(true);
  }, 300_000);

  for (const guest of BUILT) {
    it(`${guest}.elf is byte-identical to a fresh build`, () => {
      expect(findTool(GCC), `${GCC} is required (RRVM_REQUIRE_TOOLS=1) but is not on PATH`).toBeTruthy();
      const b = build();
      expect(b.ok, b.log).toBe(true);
      const committed = readFileSync(join(EXAMPLES_DIR, guest, `${guest}.elf`));
      const fresh = readFileSync(join(out, guest, `${guest}.elf`));
      // Buffer.equals, not toEqual: a mismatch message of two 20 KB buffers helps nobody.
      expect(
        committed.equals(fresh),
        `examples/${guest}/${guest}.elf is stale: run \`npm run build:guests\` and commit the result`,
      ).toBe(true);
    }, 300_000);
  }
});
