import { readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DiskImage } from '../../../src/engine/disk/disk-image.js';
import { tempDir } from '../harness.js';

const tmp = tempDir('disk-prop');
afterAll(() => tmp.remove());

const SECTORS = 8;
/** A base of 8 sectors minus 100 bytes: the last sector is padded. */
const BASE_BYTES = SECTORS * 512 - 100;

type Op = { kind: 'read'; sector: number; count: number } | { kind: 'write'; sector: number; count: number; byte: number } | { kind: 'flush' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('read' as const), sector: fc.nat({ max: SECTORS - 1 }), count: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ kind: fc.constant('write' as const), sector: fc.nat({ max: SECTORS - 1 }), count: fc.integer({ min: 1, max: 3 }), byte: fc.nat({ max: 255 }) }),
  fc.constant({ kind: 'flush' as const }),
).map((op) => (op.kind === 'flush' ? op : { ...op, count: Math.min(op.count, SECTORS - op.sector) }) as Op);

/** Write data: sector-distinct so a misplaced sector shows. */
const dataOf = (op: { sector: number; count: number; byte: number }): Uint8Array =>
  Uint8Array.from({ length: op.count * 512 }, (_, i) => (op.byte + op.sector * 31 + (i >> 9) * 7 + (i & 0xff)) & 0xff);

let run = 0;

describe('DiskImage sync and async', () => {
  it('give the same bytes as a flat model and as each other for any sequence of reads, writes and flushes (async ones issued all at once)', async () => {
    const base = tmp.path('base.img');
    writeFileSync(base, Uint8Array.from({ length: BASE_BYTES }, (_, i) => (i * 13 + 5) & 0xff));
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), fc.boolean(), async (ops, withFile) => {
        run++;
        const syncOverlay = withFile ? tmp.path(`sync-${run}.ovl`) : undefined;
        const asyncOverlay = withFile ? tmp.path(`async-${run}.ovl`) : undefined;
        const syncDisk = DiskImage.open(base, syncOverlay === undefined ? {} : { overlay: syncOverlay });
        const asyncDisk = DiskImage.open(base, asyncOverlay === undefined ? {} : { overlay: asyncOverlay });
        // The model: the base padded to whole sectors, written in place.
        const model = new Uint8Array(SECTORS * 512);
        model.set(readFileSync(base));
        const syncReads: Uint8Array[] = [];
        for (const op of ops) {
          if (op.kind === 'read') {
            syncReads.push(syncDisk.readSync(op.sector, op.count));
            expect(syncReads.at(-1)).toEqual(model.slice(op.sector * 512, (op.sector + op.count) * 512));
          } else if (op.kind === 'write') {
            syncDisk.writeSync(op.sector, dataOf(op));
            model.set(dataOf(op), op.sector * 512);
          } else {
            syncDisk.flushSync();
          }
        }
        const pending: Promise<Uint8Array | void>[] = [];
        for (const op of ops) {
          if (op.kind === 'read') pending.push(asyncDisk.read(op.sector, op.count));
          else if (op.kind === 'write') pending.push(asyncDisk.write(op.sector, dataOf(op)));
          else pending.push(asyncDisk.flush());
        }
        const results = await Promise.all(pending);
        const asyncReads = results.filter((r): r is Uint8Array => r instanceof Uint8Array);
        expect(asyncReads).toEqual(syncReads);
        expect(await asyncDisk.read(0, SECTORS)).toEqual(syncDisk.readSync(0, SECTORS));
        syncDisk.close();
        asyncDisk.close();
        if (withFile) expect(readFileSync(asyncOverlay!)).toEqual(readFileSync(syncOverlay!));
      }),
      { numRuns: 40, seed: 4242 },
    );
  });
});
