import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { RrvmError } from '../../../src/core/rrvm-error.js';
import { DiskImage } from '../../../src/engine/disk/disk-image.js';
import { OVERLAY_HEADER_BYTES } from '../../../src/engine/disk/overlay-file.js';
import { tempDir } from '../harness.js';

const tmp = tempDir('disk-image');
afterAll(() => tmp.remove());

let n = 0;
/** A fresh path in the temp dir. */
const fresh = (name: string): string => tmp.path(`${n++}-${name}`);

/** A base image of `bytes` bytes, byte i = (i * 7 + 3) & 0xff; its mtime set in the past so a write would show. */
function makeBase(bytes = 16 * 512): string {
  const path = fresh('base.img');
  writeFileSync(path, Uint8Array.from({ length: bytes }, (_, i) => (i * 7 + 3) & 0xff));
  utimesSync(path, new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));
  return path;
}

/** `count` sectors filled with `byte`. */
const fill = (count: number, byte: number): Uint8Array => new Uint8Array(count * 512).fill(byte);

/** The base's own bytes for sectors `sector..+count`. */
const baseBytes = (path: string, sector: number, count: number): Uint8Array =>
  new Uint8Array(readFileSync(path).subarray(sector * 512, (sector + count) * 512));

/** Runs `f` and returns the RrvmError it throws. */
function rrvmErrorOf(f: () => unknown): RrvmError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(RrvmError);
    expect((err as Error).message).not.toContain('\n');
    return err as RrvmError;
  }
  throw new Error('expected an RrvmError');
}

/** The base's bytes and mtime, to check it was not touched. */
function fingerprint(path: string): { sha: string; mtimeMs: number; size: number } {
  const st = statSync(path);
  return { sha: createHash('sha256').update(readFileSync(path)).digest('hex'), mtimeMs: st.mtimeMs, size: st.size };
}

describe('DiskImage', () => {
  let base: string;
  beforeEach(() => {
    base = makeBase();
  });

  it('sizes the disk from the base and hashes it', () => {
    const disk = DiskImage.open(base);
    expect(disk.sectors).toBe(16);
    expect(disk.baseBytes).toBe(16 * 512);
    expect(disk.baseSha256).toBe(createHash('sha256').update(readFileSync(base)).digest('hex'));
    expect(disk.overlaySha256).toBeNull();
    expect(disk.overlayBytes).toBeNull();
    expect(disk.readSync(3, 2)).toEqual(baseBytes(base, 3, 2));
    disk.close();
  });

  it('pads a base that is not whole sectors with zeros, virtually', () => {
    const odd = makeBase(1000);
    const disk = DiskImage.open(odd);
    expect(disk.sectors).toBe(2);
    const sector1 = disk.readSync(1, 1);
    expect(sector1.subarray(0, 488)).toEqual(new Uint8Array(readFileSync(odd).subarray(512)));
    expect(sector1.subarray(488)).toEqual(new Uint8Array(24));
    disk.writeSync(1, fill(1, 9));
    expect(disk.readSync(1, 1)).toEqual(fill(1, 9));
    disk.close();
    expect(statSync(odd).size).toBe(1000);
  });

  it('reads a base embedded in a larger file (a packed log): hashes, reads and pads only its bytes, async too', async () => {
    const odd = readFileSync(makeBase(1000));
    const container = fresh('packed.rrlog');
    // 300 bytes before the image and 0xee garbage after it, as chunks follow an embedded image.
    writeFileSync(container, Buffer.concat([Buffer.alloc(300, 0x55), odd, Buffer.alloc(2000, 0xee)]));
    const before = fingerprint(container);
    const disk = DiskImage.open(container, { baseRegion: { offset: 300, bytes: 1000 } });
    expect(disk.sectors).toBe(2);
    expect(disk.baseBytes).toBe(1000);
    expect(disk.baseSha256).toBe(createHash('sha256').update(odd).digest('hex'));
    const both = disk.readSync(0, 2);
    expect(both.subarray(0, 1000)).toEqual(new Uint8Array(odd));
    expect(both.subarray(1000)).toEqual(new Uint8Array(24));
    expect(await disk.read(1, 1)).toEqual(both.subarray(512));
    disk.writeSync(0, fill(1, 7));
    expect(disk.readSync(0, 1)).toEqual(fill(1, 7));
    disk.close();
    expect(fingerprint(container)).toEqual(before);
    expect(rrvmErrorOf(() => DiskImage.open(container, { baseRegion: { offset: 3000, bytes: 1000 } })).message).toMatch(/run past the end of the file/);
  });

  it('keeps writes in memory by default and never writes the base', () => {
    const before = fingerprint(base);
    const disk = DiskImage.open(base);
    disk.writeSync(2, fill(3, 0xaa));
    disk.writeSync(3, fill(1, 0xbb));
    disk.flushSync();
    expect(disk.readSync(0, 6)).toEqual(
      Uint8Array.from([...baseBytes(base, 0, 2), ...fill(1, 0xaa), ...fill(1, 0xbb), ...fill(1, 0xaa), ...baseBytes(base, 5, 1)]),
    );
    disk.close();
    expect(fingerprint(base)).toEqual(before);
    const again = DiskImage.open(base);
    expect(again.readSync(2, 3)).toEqual(baseBytes(base, 2, 3));
    again.close();
  });

  it('writes through an overlay file and leaves the base byte-identical with its mtime', () => {
    const before = fingerprint(base);
    const overlay = fresh('disk.ovl');
    const disk = DiskImage.open(base, { overlay });
    expect(existsSync(overlay)).toBe(true);
    expect(disk.overlayBytes).toBe(0);
    expect(disk.overlaySha256).toBe(createHash('sha256').digest('hex'));
    disk.writeSync(0, fill(16, 0x11));
    disk.writeSync(15, fill(1, 0x22));
    disk.flushSync();
    expect(disk.readSync(14, 2)).toEqual(Uint8Array.from([...fill(1, 0x11), ...fill(1, 0x22)]));
    disk.close();
    expect(fingerprint(base)).toEqual(before);
  });

  it('continues from an existing overlay file: a second run sees the first run’s writes', () => {
    const overlay = fresh('disk.ovl');
    const first = DiskImage.open(base, { overlay });
    first.writeSync(4, fill(2, 0x44));
    first.close(); // no flush: a clean close keeps every whole record
    const second = DiskImage.open(base, { overlay });
    expect(second.overlayBytes).toBe(24 + 1024);
    expect(second.recovery).toBeNull();
    expect(second.readSync(4, 2)).toEqual(fill(2, 0x44));
    expect(second.readSync(6, 1)).toEqual(baseBytes(base, 6, 1));
    second.writeSync(5, fill(1, 0x55));
    second.close();
    const third = DiskImage.open(base, { overlay });
    expect(third.readSync(4, 2)).toEqual(Uint8Array.from([...fill(1, 0x44), ...fill(1, 0x55)]));
    expect(third.overlaySha256).not.toBe(second.overlaySha256);
    third.close();
  });

  it('opens the overlay as it was when a recording started, leaving the file as it is', () => {
    const overlay = fresh('disk.ovl');
    const first = DiskImage.open(base, { overlay });
    first.writeSync(1, fill(1, 0x01));
    first.close();
    const recorded = DiskImage.open(base, { overlay });
    const start = { bytes: recorded.overlayBytes!, sha: recorded.overlaySha256 };
    recorded.writeSync(1, fill(1, 0x02));
    recorded.close();
    const fileBefore = readFileSync(overlay);

    const replayed = DiskImage.open(base, { overlay, overlayStartBytes: start.bytes });
    expect({ bytes: replayed.overlayBytes, sha: replayed.overlaySha256 }).toEqual(start);
    expect(replayed.readSync(1, 1)).toEqual(fill(1, 0x01));
    replayed.writeSync(1, fill(1, 0x03));
    replayed.flushSync();
    expect(replayed.readSync(1, 1)).toEqual(fill(1, 0x03));
    replayed.close();
    expect(readFileSync(overlay)).toEqual(fileBefore);

    expect(rrvmErrorOf(() => DiskImage.open(base, { overlay, overlayStartBytes: start.bytes + 1 })).code).toBe('disk.overlay');
  });

  it('refuses an overlay file of another base image', () => {
    const overlay = fresh('disk.ovl');
    DiskImage.open(base, { overlay }).close();
    const other = makeBase(8 * 512);
    const err = rrvmErrorOf(() => DiskImage.open(other, { overlay }));
    expect(err.code).toBe('disk.overlay');
    expect(err.message).toMatch(/^overlay '.*disk\.ovl' belongs to another disk image \(sha256 [0-9a-f]{16}…\), not this one/);
  });

  it('refuses an overlay that is not one, is corrupt, or cannot be read or created', () => {
    const notOverlay = fresh('notes.txt');
    writeFileSync(notOverlay, 'some notes that are not an overlay');
    expect(rrvmErrorOf(() => DiskImage.open(base, { overlay: notOverlay })).message).toBe(
      `overlay '${notOverlay}' is not an rrvm overlay file (no RRVO magic)`,
    );
    expect(readFileSync(notOverlay, 'utf8')).toBe('some notes that are not an overlay');

    const damaged = fresh('damaged.ovl');
    DiskImage.open(base, { overlay: damaged }).close();
    const bytes = readFileSync(damaged);
    bytes[30]! ^= 1; // inside the base hash: the header check fails
    writeFileSync(damaged, bytes);
    expect(rrvmErrorOf(() => DiskImage.open(base, { overlay: damaged })).message).toMatch(/is corrupt: header check failed$/);

    const future = fresh('future.ovl');
    DiskImage.open(base, { overlay: future }).close();
    const f = readFileSync(future);
    f[4] = 9;
    writeFileSync(future, f);
    expect(rrvmErrorOf(() => DiskImage.open(base, { overlay: future })).message).toMatch(/has format version 9; this rrvm reads version 1$/);

    const dir = fresh('a-dir');
    mkdirSync(dir);
    expect(rrvmErrorOf(() => DiskImage.open(base, { overlay: dir })).message).toBe(`cannot open overlay '${dir}': it is a directory`);

    const nowhere = tmp.path('no-such-dir/x.ovl');
    const err = rrvmErrorOf(() => DiskImage.open(base, { overlay: nowhere }));
    expect(err.code).toBe('disk.overlay');
    expect(err.message).toBe(`cannot create overlay '${nowhere}': no such file`);

    expect(rrvmErrorOf(() => DiskImage.open(base, { overlay: base })).message).toBe(`overlay '${base}' is the disk image '${base}' itself`);
    const missing = rrvmErrorOf(() => DiskImage.open(fresh('missing.img')));
    expect(missing.code).toBe('input.read');
    expect(missing.message).toMatch(/^cannot open disk image '.*missing\.img': no such file$/);
  });

  it('refuses writes on a read-only disk and never creates its overlay', () => {
    const disk = DiskImage.open(base, { readOnly: true });
    expect(rrvmErrorOf(() => disk.writeSync(0, fill(1, 1))).code).toBe('disk.readonly');
    disk.close();
    const overlay = fresh('ro.ovl');
    expect(rrvmErrorOf(() => DiskImage.open(base, { overlay, readOnly: true })).message).toBe(
      `cannot open overlay '${overlay}': no such file (a read-only disk never creates one)`,
    );
    expect(existsSync(overlay)).toBe(false);
    const rw = DiskImage.open(base, { overlay });
    rw.writeSync(7, fill(1, 7));
    rw.close();
    const before = readFileSync(overlay);
    const ro = DiskImage.open(base, { overlay, readOnly: true });
    expect(ro.readSync(7, 1)).toEqual(fill(1, 7));
    ro.flushSync();
    ro.close();
    expect(readFileSync(overlay)).toEqual(before);
  });

  it('guards against out-of-range access', async () => {
    const disk = DiskImage.open(base);
    for (const f of [
      () => disk.readSync(16, 1),
      () => disk.readSync(15, 2),
      () => disk.readSync(-1, 1),
      () => disk.readSync(0.5, 1),
      () => disk.writeSync(16, fill(1, 0)),
      () => disk.writeSync(0, new Uint8Array(100)),
    ]) {
      expect(rrvmErrorOf(f).code).toBe('disk.range');
    }
    expect(rrvmErrorOf(() => disk.readSync(16, 1)).message).toBe(`disk image '${base}': sectors 16+1 outside 0..16`);
    expect(disk.readSync(16, 0)).toEqual(new Uint8Array(0));
    await expect(disk.read(20, 1)).rejects.toMatchObject({ code: 'disk.range' });
    await expect(disk.write(15, fill(2, 0))).rejects.toMatchObject({ code: 'disk.range' });
    disk.close();
  });

  it('runs async operations in call order, refuses sync I/O meanwhile, and closes after them', async () => {
    const overlay = fresh('async.ovl');
    const disk = DiskImage.open(base, { overlay });
    const w1 = disk.write(0, fill(1, 1));
    const r1 = disk.read(0, 1);
    const w2 = disk.write(0, fill(1, 2));
    const r2 = disk.read(0, 1);
    const flushed = disk.flush();
    expect(rrvmErrorOf(() => disk.readSync(0, 1)).code).toBe('disk.busy');
    disk.close();
    await expect(disk.read(0, 1)).rejects.toMatchObject({ code: 'disk.closed' });
    await w1;
    expect(await r1).toEqual(fill(1, 1));
    await w2;
    expect(await r2).toEqual(fill(1, 2));
    await flushed;
    const again = DiskImage.open(base, { overlay });
    expect(again.readSync(0, 1)).toEqual(fill(1, 2));
    again.close();
  });
});

describe('DiskImage overlay file, torn ends', () => {
  /** An overlay with two flushed writes (sectors 1 and 2) then an unflushed one (sector 3, 2 sectors). */
  function killedWriter(): { base: string; overlay: string; flushedEnd: number } {
    const base = makeBase();
    const overlay = fresh('torn.ovl');
    const disk = DiskImage.open(base, { overlay });
    disk.writeSync(1, fill(1, 0xa1));
    disk.writeSync(2, fill(1, 0xa2));
    disk.flushSync();
    const flushedEnd = statSync(overlay).size;
    disk.writeSync(3, fill(2, 0xa3));
    disk.close();
    return { base, overlay, flushedEnd };
  }

  it('drops a write cut short at the end, keeps every whole one and says no flushed write was lost', () => {
    const { base, overlay, flushedEnd } = killedWriter();
    truncateSync(overlay, statSync(overlay).size - 5);
    const disk = DiskImage.open(base, { overlay });
    expect(disk.readSync(1, 2)).toEqual(Uint8Array.from([...fill(1, 0xa1), ...fill(1, 0xa2)]));
    expect(disk.readSync(3, 2)).toEqual(baseBytes(base, 3, 2));
    expect(disk.recovery).toEqual({
      droppedBytes: 24 + 1024 - 5,
      flushedBytes: flushedEnd,
      note: `overlay '${overlay}': dropped a torn write of ${24 + 1024 - 5} bytes at its end; it was never flushed, every flushed write is intact`,
    });
    expect(statSync(overlay).size).toBe(flushedEnd); // cut back to the last whole record
    expect(disk.overlayBytes).toBe(flushedEnd - OVERLAY_HEADER_BYTES);
    disk.writeSync(3, fill(1, 0xb3));
    disk.close();
    const next = DiskImage.open(base, { overlay });
    expect(next.recovery).toBeNull();
    expect(next.readSync(1, 3)).toEqual(Uint8Array.from([...fill(1, 0xa1), ...fill(1, 0xa2), ...fill(1, 0xb3)]));
    next.close();
  });

  it('drops a torn end without touching the file when read-only', () => {
    const { base, overlay } = killedWriter();
    truncateSync(overlay, statSync(overlay).size - 100);
    const size = statSync(overlay).size;
    const disk = DiskImage.open(base, { overlay, readOnly: true });
    expect(disk.recovery?.droppedBytes).toBe(24 + 1024 - 100);
    expect(disk.readSync(2, 2)).toEqual(Uint8Array.from([...fill(1, 0xa2), ...baseBytes(base, 3, 1)]));
    disk.close();
    expect(statSync(overlay).size).toBe(size);
  });

  it('drops garbage (a zero-filled tail, a damaged last record) after the last flush', () => {
    const { base, overlay, flushedEnd } = killedWriter();
    appendFileSync(overlay, new Uint8Array(700));
    const zeros = DiskImage.open(base, { overlay });
    expect(zeros.recovery?.droppedBytes).toBe(700);
    expect(zeros.readSync(3, 2)).toEqual(fill(2, 0xa3));
    zeros.close();
    const bytes = readFileSync(overlay);
    bytes[bytes.length - 1]! ^= 0xff;
    writeFileSync(overlay, bytes);
    const damaged = DiskImage.open(base, { overlay });
    expect(damaged.recovery?.droppedBytes).toBe(24 + 1024);
    expect(statSync(overlay).size).toBe(flushedEnd);
    damaged.close();
  });

  it('refuses an overlay that lost flushed writes', () => {
    const { base, overlay, flushedEnd } = killedWriter();
    truncateSync(overlay, flushedEnd - 3);
    const before = readFileSync(overlay);
    let err: unknown;
    try {
      DiskImage.open(base, { overlay });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({
      code: 'disk.overlay',
      message: `overlay '${overlay}' is corrupt: flushed writes lost (valid records end at byte ${flushedEnd - 24 - 512}, flushed up to byte ${flushedEnd})`,
    });
    expect(readFileSync(overlay)).toEqual(before); // not "repaired"
  });
});
