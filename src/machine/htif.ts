import type { HaltReason } from '../core/halt-reason.js';
import { MemoryMap } from './memory-map.js';
import type { Ram } from './ram.js';

/** HTIF system calls served through `tohost` (spike's syscall proxy, riscv-pk numbering). */
const Syscall = { WRITE: 64, EXIT: 93 } as const;
/** The syscall block ("magic_mem") is 8 uint64 words: the number, then the arguments. */
const MAGIC_MEM_BYTES = 64;

/** What the HTIF proxy reaches: RAM, the console and the halt. */
export interface HtifPorts {
  readonly ram: Ram;
  /** Appends bytes to the guest console output. */
  console(bytes: Uint8Array): void;
  halt(reason: HaltReason): void;
}

/**
 * Serves a store of `value` (the low word of the 64-bit `tohost`) as spike's HTIF does for the
 * riscv-tests: 1 passes; another odd value fails with code `value >> 1`; an even nonzero
 * value is the physical address of a syscall block: write(fd 1 or 2, buf, len) goes to the
 * console and exit(code) halts, then the result is put in the block's first word, `tohost` is
 * cleared and `fromhost` set to 1 (the guest waits for it). Any other request halts with
 * `htif-unsupported` naming the value, so a guest never spins waiting for an answer.
 */
export function serveTohost(ports: HtifPorts, value: number, tohostOffset: number, fromhostOffset: number): void {
  if (value === 0) return;
  if ((value & 1) === 1) return ports.halt(value === 1 ? { kind: 'pass' } : { kind: 'fail', code: value >>> 1 });
  const ram = ports.ram;
  const block = (value >>> 0) - MemoryMap.RAM;
  const word = (i: number): number => ram.read(block + 8 * i, 4);
  if (fromhostOffset < 0 || !ram.contains(block, MAGIC_MEM_BYTES)) return ports.halt({ kind: 'htif-unsupported', tohost: value >>> 0 });
  const call = word(0);
  if (call === Syscall.EXIT) return ports.halt(word(1) === 0 ? { kind: 'pass' } : { kind: 'fail', code: word(1) });
  const buf = word(2) - MemoryMap.RAM;
  const len = word(3);
  if (call !== Syscall.WRITE || (word(1) !== 1 && word(1) !== 2) || !ram.contains(buf, len)) {
    return ports.halt({ kind: 'htif-unsupported', tohost: value >>> 0 });
  }
  ports.console(ram.u8.slice(buf, buf + len));
  ram.write(block, 4, len);
  ram.write(block + 4, 4, 0);
  ram.write(tohostOffset, 4, 0);
  ram.write(fromhostOffset, 4, 1);
  ram.write(fromhostOffset + 4, 4, 0);
}
