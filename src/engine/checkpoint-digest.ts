import type { Machine } from '../machine/machine.js';
import { hex, RunningHash } from '../machine/running-hash.js';

/** The parts of a CHECKPOINT digest, in payload order. */
const PARTS = ['hart', 'RAM', 'devices', 'console output'] as const;
/** Bytes of the fixed part of a CHECKPOINT payload: four 8-byte sub-digests. */
const FIXED_BYTES = 32;
/** Bytes per changed-page entry after the fixed part. */
const PAGE_ENTRY_BYTES = 12;

/**
 * The payload of a CHECKPOINT event: the sub-digests of the hart, RAM, devices and console
 * output (8 bytes each), then one 12-byte entry (page number, two hash lanes; little-endian
 * u32s) per RAM page whose contents changed since the previous checkpoint, so that a replay
 * can name the first page that differs.
 */
export function checkpointDigest(machine: Machine, output: RunningHash): Uint8Array {
  const { hart, ram, devices } = machine.digests();
  const changes = machine.ramDigest.changedSinceLastCheckpoint();
  const out = new Uint8Array(FIXED_BYTES + PAGE_ENTRY_BYTES * changes.length);
  out.set(hart, 0);
  out.set(ram, 8);
  out.set(devices, 16);
  out.set(output.digest(), 24);
  const view = new DataView(out.buffer);
  changes.forEach((c, i) => {
    view.setUint32(FIXED_BYTES + i * PAGE_ENTRY_BYTES, c.page, true);
    view.setUint32(FIXED_BYTES + i * PAGE_ENTRY_BYTES + 4, c.hash[0], true);
    view.setUint32(FIXED_BYTES + i * PAGE_ENTRY_BYTES + 8, c.hash[1], true);
  });
  return out;
}

/** The sub-digests (hart, RAM, devices, console output) that differ between two CHECKPOINT payloads, by name. */
export function differingCheckpointParts(a: Uint8Array, b: Uint8Array): string[] {
  return PARTS.filter((_, i) => hex(a.subarray(i * 8, i * 8 + 8)) !== hex(b.subarray(i * 8, i * 8 + 8)));
}

/**
 * Compares the machine with a recorded CHECKPOINT payload. Returns null when they agree, or
 * what differs: the parts by name, and for RAM the first differing page and its address.
 */
export function checkpointMismatch(expected: Uint8Array, machine: Machine, output: RunningHash): string | null {
  const { hart, ram, devices } = machine.digests();
  machine.ramDigest.changedSinceLastCheckpoint();
  const actual = [hart, ram, devices, output.digest()];
  if (expected.length < FIXED_BYTES || (expected.length - FIXED_BYTES) % PAGE_ENTRY_BYTES !== 0) {
    return `a malformed CHECKPOINT payload of ${expected.length} bytes`;
  }
  const differing = differingCheckpointParts(expected, Uint8Array.from(actual.flatMap((part) => [...part])));
  if (differing.length === 0) return null;
  let text = `${differing.join(', ')} differ${differing.length === 1 ? 's' : ''}`;
  if (differing.includes('RAM')) {
    const view = new DataView(expected.buffer, expected.byteOffset, expected.byteLength);
    let page = -1;
    for (let at = FIXED_BYTES; at < expected.length && page < 0; at += PAGE_ENTRY_BYTES) {
      const p = view.getUint32(at, true);
      const [a, b] = p < machine.ram.pages ? machine.ramDigest.pageHash(p) : [-1, -1];
      if (a !== view.getUint32(at + 4, true) || b !== view.getUint32(at + 8, true)) page = p;
    }
    text +=
      page >= 0
        ? `; first differing RAM page: ${page} (0x${(0x8000_0000 + page * 4096).toString(16)}–0x${(0x8000_0000 + page * 4096 + 4095).toString(16)})`
        : '; the differing RAM page is one the recording did not write since the previous checkpoint';
  }
  return text;
}

/** One digest of the whole state (hart, RAM, devices, console output) as hex: what `verify` prints. */
export function fullStateDigest(machine: Machine, output: RunningHash): string {
  const { hart, ram, devices } = machine.digests();
  const h = new RunningHash();
  for (const part of [hart, ram, devices, output.digest()]) h.bytes(part);
  return hex(h.digest());
}
