#!/usr/bin/env node
// Writes the disk-test image: 1 MiB raw, 2048 sectors of 512 bytes, fully deterministic.
//   node examples/disk-test/make-image.mjs [out.img]      (default: disk.img)
// Sector 0: an ASCII header (first line "RRVM disk-test image v1"), zero padded.
// Sector n >= 1: 128 little-endian 32-bit words from xorshift32 seeded with
//   s = (n * 0x9e3779b9 + 0x12345678) mod 2^32 (1 if that is 0);
//   each word: s ^= s << 13; s ^= s >>> 17; s ^= s << 5; word = s.
// disk-test.c computes the same pattern to check what it reads.
import { writeFileSync } from 'node:fs';

const SECTOR = 512;
const SECTORS = 2048;

export function sectorPattern(n) {
  const buf = Buffer.alloc(SECTOR);
  let s = (Math.imul(n, 0x9e3779b9) + 0x12345678) >>> 0;
  if (s === 0) s = 1;
  for (let i = 0; i < SECTOR / 4; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    buf.writeUInt32LE(s, 4 * i);
  }
  return buf;
}

export function makeImage() {
  const img = Buffer.alloc(SECTOR * SECTORS);
  const header =
    'RRVM disk-test image v1\n' +
    `sectors=${SECTORS} sector_size=${SECTOR}\n` +
    'sector n>=1: xorshift32 words seeded n*0x9e3779b9+0x12345678\n';
  img.write(header, 0, 'ascii');
  for (let n = 1; n < SECTORS; n++) sectorPattern(n).copy(img, n * SECTOR);
  return img;
}

const out = process.argv[2] ?? 'disk.img';
writeFileSync(out, makeImage());
console.log(`wrote ${out} (${SECTOR * SECTORS} bytes)`);
