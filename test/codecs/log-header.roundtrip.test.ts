import { describe, expect, it } from 'vitest';
import { crc32, decodeLogHeader, encodeLogHeader, LOG_FORMAT_VERSION, memoryLogSource } from '../../codecs/index.js';
import type { LogHeader } from '../../codecs/index.js';
import { crc32Portable } from '../../codecs/crc32.js';
import { errorCode, sampleHeader } from './log-fixtures.js';

describe('encodeLogHeader / decodeLogHeader', () => {
  it('restores every field and says where the chunks start', () => {
    const header: LogHeader = {
      ...sampleHeader('deflate'),
      disks: [
        { id: 'hd0', baseSha256: 'cd'.repeat(32), bytes: 1 << 20, path: '/images/hd0.img', serial: 'disk0', overlay: null },
        { id: 'hd1', baseSha256: 'ef'.repeat(32), bytes: 4096, path: '/images/hd1.img', serial: '', overlay: { path: '/tmp/hd1.rrov', bytes: 96, sha256: '01'.repeat(32) } },
      ],
      devices: [
        { kind: 'virtio-blk', slot: 0, drive: 'hd0', readonly: false },
        { kind: 'virtio-net', slot: 1 },
      ],
    };
    const bytes = encodeLogHeader(header);
    expect(Array.from(bytes.subarray(0, 4), (b) => String.fromCharCode(b)).join('')).toBe('RRVM');
    expect(new DataView(bytes.buffer).getUint16(4, true)).toBe(LOG_FORMAT_VERSION);
    const withChunk = new Uint8Array(bytes.length + 3);
    withChunk.set(bytes);
    expect(decodeLogHeader(memoryLogSource(withChunk), 'x')).toEqual({ header, end: bytes.length });
  });

  it('keeps where a cut log starts (version 4) and ignores that key in a version 3 header', () => {
    const header: LogHeader = { ...sampleHeader(), cut: { fromIcount: 5000, sourceCreatedAt: '2026-01-01T00:00:00.000Z', sourceEndIcount: 9000 } };
    const bytes = encodeLogHeader(header);
    expect(decodeLogHeader(memoryLogSource(bytes), 'x').header).toEqual(header);
    const old = Uint8Array.from(bytes);
    const view = new DataView(old.buffer);
    view.setUint16(4, 3, true);
    view.setUint32(old.length - 4, crc32(old.subarray(0, old.length - 4)), true);
    expect(decodeLogHeader(memoryLogSource(old), 'x').header).toEqual(sampleHeader());
    expect(() => encodeLogHeader({ ...sampleHeader(), cut: { fromIcount: -1 } } as unknown as LogHeader)).toThrow(/bad cut entry/);
  });

  it('ignores keys it does not know but keeps only LogHeader fields', () => {
    const bytes = encodeLogHeader({ ...sampleHeader(), extra: 1 } as LogHeader);
    expect(decodeLogHeader(memoryLogSource(bytes), 'x').header).toEqual(sampleHeader());
  });

  it('refuses to write an invalid header', () => {
    const bad: Partial<Record<keyof LogHeader, unknown>>[] = [
      { elfSha256: 'AB'.repeat(32) },
      { compression: 'zstd' },
      { createdAt: 'yesterday' },
      { ramBytes: -1 },
      { icountShift: 31 },
      { disks: [{ id: 'hd0', baseSha256: 'x', bytes: 1 }] },
      { devices: [{ slot: 0 }] },
      { devices: [{ kind: 'x', nested: { a: 1 } }] },
    ];
    for (const change of bad) {
      let code = 'nothing thrown';
      try {
        encodeLogHeader({ ...sampleHeader(), ...change } as LogHeader);
      } catch (error) {
        code = errorCode(error);
      }
      expect(code, JSON.stringify(change)).toBe('log.write');
    }
  });
});

describe('crc32', () => {
  it('computes CRC-32/IEEE, natively and with the portable table alike', () => {
    const check = new TextEncoder().encode('123456789');
    expect(crc32(check)).toBe(0xcbf43926);
    expect(crc32Portable(check)).toBe(0xcbf43926);
    const noise = Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24);
    expect(crc32Portable(noise)).toBe(crc32(noise));
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});
