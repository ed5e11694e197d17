const FNV_PRIME = 0x0100_0193;
const NUMBER_BITS = new Float64Array(1);
const NUMBER_WORDS = new Int32Array(NUMBER_BITS.buffer);

/**
 * A running 64-bit hash (two independent 32-bit FNV-1a lanes) of byte and word streams.
 * Not cryptographic: it detects drift between a recording and its replay.
 */
export class RunningHash {
  private a = 0x811c_9dc5;
  private b = 0x050c_5d1f;

  /** Mixes in bytes. */
  bytes(data: Uint8Array): void {
    let a = this.a;
    let b = this.b;
    for (let i = 0; i < data.length; i++) {
      a = Math.imul(a ^ data[i]!, FNV_PRIME);
      b = Math.imul(b ^ data[i]!, FNV_PRIME) ^ (b >>> 15);
    }
    this.a = a;
    this.b = b;
  }

  /** Mixes in a 32-bit word, low byte first. */
  word(value: number): void {
    let a = this.a;
    let b = this.b;
    for (let shift = 0; shift < 32; shift += 8) {
      const byte = (value >>> shift) & 0xff;
      a = Math.imul(a ^ byte, FNV_PRIME);
      b = Math.imul(b ^ byte, FNV_PRIME) ^ (b >>> 15);
    }
    this.a = a;
    this.b = b;
  }

  /** Mixes in any number exactly (as its IEEE-754 bits: icounts, ns, Infinity). */
  number(value: number): void {
    if ((value | 0) === value) {
      this.word(value);
      return;
    }
    NUMBER_BITS[0] = value;
    this.word(NUMBER_WORDS[0]!);
    this.word(NUMBER_WORDS[1]!);
    this.word(0x7ff8_dead);
  }

  /** The two lanes, to save with the state they hash. */
  save(): [number, number] {
    return [this.a, this.b];
  }

  /** Continues from lanes that `save` returned. */
  restore(lanes: readonly [number, number]): void {
    this.a = lanes[0];
    this.b = lanes[1];
  }

  /** The current value as 8 bytes. */
  digest(): Uint8Array {
    const out = new Uint8Array(8);
    const view = new DataView(out.buffer);
    view.setUint32(0, this.a >>> 0);
    view.setUint32(4, this.b >>> 0);
    return out;
  }
}

/** Lowercase hex of a digest, for reports. */
export function hex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (bytes[i]! < 16 ? '0' : '') + bytes[i]!.toString(16);
  return out;
}
