import { describe, expect, it } from 'vitest';
import { checksum, escapeBinary, framePacket, RspDecoder, unescapeBinary } from '../../src/gdb/rsp-packets.js';

const bytes = (text: string): Uint8Array => Buffer.from(text, 'latin1');

describe('checksum', () => {
  it('is the byte sum modulo 256 as two lowercase hex digits', () => {
    expect(checksum('')).toBe('00');
    expect(checksum('OK')).toBe('9a');
    expect(checksum('qSupported')).toBe('37');
    expect(checksum('\xff\x02')).toBe('01');
  });
});

describe('escaping', () => {
  it('escapes # $ } * as } and the byte xor 0x20', () => {
    expect(escapeBinary('a#b$c}d*e')).toBe('a}\x03b}\x04c}]d}\x0ae');
  });

  it('round-trips every byte value', () => {
    const all = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
    expect(unescapeBinary(escapeBinary(all))).toBe(all);
  });
});

describe('framePacket', () => {
  it('frames data as $data#cs', () => {
    expect(framePacket('OK').toString('latin1')).toBe('$OK#9a');
    expect(framePacket('').toString('latin1')).toBe('$#00');
  });

  it('checksums the escaped bytes', () => {
    expect(framePacket('}').toString('latin1')).toBe(`$}]#${checksum('}]')}`);
  });
});

describe('RspDecoder', () => {
  it('splits acks, interrupts and packets, and checks checksums', () => {
    const d = new RspDecoder();
    expect(d.push(bytes('+$OK#9a-\x03$OK#00'))).toEqual([
      { kind: 'ack' },
      { kind: 'packet', data: 'OK', valid: true },
      { kind: 'nack' },
      { kind: 'interrupt' },
      { kind: 'packet', data: 'OK', valid: false },
    ]);
  });

  it('assembles a packet split across reads, in any place', () => {
    const wire = bytes('$qSupported:swbreak+#' + checksum('qSupported:swbreak+'));
    for (let cut = 1; cut < wire.length; cut++) {
      const d = new RspDecoder();
      const items = [...d.push(wire.subarray(0, cut)), ...d.push(wire.subarray(cut))];
      expect(items).toEqual([{ kind: 'packet', data: 'qSupported:swbreak+', valid: true }]);
    }
  });

  it('unescapes binary data and ignores an interrupt byte inside a packet', () => {
    const d = new RspDecoder();
    const body = 'X80000000,2:}]\x03';
    expect(d.push(bytes(`$${body}#${checksum(body)}`))).toEqual([{ kind: 'packet', data: 'X80000000,2:}\x03', valid: true }]);
  });

  it('accepts uppercase checksum digits and skips noise between packets', () => {
    const d = new RspDecoder();
    expect(d.push(bytes('junk$qC#B4'))).toEqual([{ kind: 'packet', data: 'qC', valid: true }]);
  });
});
