import type { Machine } from '../machine/machine.js';

const FNV_PRIME = 0x0100_0193;

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

  /** The current value as 8 bytes. */
  digest(): Uint8Array {
    const out = new Uint8Array(8);
    const view = new DataView(out.buffer);
    view.setUint32(0, this.a >>> 0);
    view.setUint32(4, this.b >>> 0);
    return out;
  }
}

/**
 * Digest of the hart's architectural state (pc, x1..x31, privilege, trap CSRs, icount, the
 * virtual clock) and of all console output so far: what a CHECKPOINT event carries.
 */
export function stateDigest(machine: Machine, output: RunningHash): Uint8Array {
  const cpu = machine.cpu;
  const h = new RunningHash();
  h.bytes(output.digest());
  h.word(cpu.pc);
  for (let r = 1; r < 32; r++) h.word(cpu.x[r]!);
  for (const v of [cpu.priv, cpu.mstatus, cpu.mie, cpu.mip, cpu.mtvec, cpu.mscratch, cpu.mepc, cpu.mcause, cpu.mtval]) h.word(v);
  h.word(cpu.icount % 2 ** 32);
  h.word(Math.floor(cpu.icount / 2 ** 32));
  h.word(machine.clock.biasNs % 2 ** 32);
  h.word(Math.floor(machine.clock.biasNs / 2 ** 32));
  return h.digest();
}

/** Lowercase hex of a digest, for reports. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
