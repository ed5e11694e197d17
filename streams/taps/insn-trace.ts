import type { Subscription } from 'rxjs';
import { disassemble, REGISTER_NAMES } from './internal/disassemble.js';
import { hex8 } from './internal/hex.js';
import { openLineFile } from './internal/line-file.js';
import type { TapSession } from './tap.js';

/** Default output file of the `insn-trace` tap. */
export const INSN_TRACE_FILE = 'insn-trace.txt';

/**
 * Built-in tap `insn-trace[=FILE]`: one line per instruction retired — icount, pc, raw bits,
 * disassembly, and the register written with its new value — and one line per trap entry:
 * `        42 80000010 00a00513 addi a0, zero, 10  a0=0000000a`,
 * `       108 trap cause=0000000b tval=00000000 epc=80000040`. Formatting the text bounds it to
 * about a million instructions per second (docs/taps.md has the costs).
 */
export function insnTrace(session: TapSession): Subscription {
  const file = openLineFile(session.options['file'] ?? INSN_TRACE_FILE, 'insn-trace');
  const close = (): void => file.close();
  /** By pc: the bits last seen there and the line's middle (pc, raw bits, disassembly), which loops repeat. */
  const seen = new Map<number, { bits: number; text: string }>();
  const middle = (pc: number, bits: number): string => {
    const known = seen.get(pc);
    if (known !== undefined && known.bits === bits) return known.text;
    const raw = bits === 0 ? '????????' : (bits & 3) === 3 ? hex8(bits) : bits.toString(16).padStart(4, '0').padStart(8, ' ');
    const text = `${hex8(pc)} ${raw} ${bits === 0 ? '?' : disassemble(bits, pc)}`;
    seen.set(pc, { bits, text });
    return text;
  };
  const insns = session.exec.insns$.subscribe({
    next(b) {
      // Written in groups of lines: one file write per group, not per instruction.
      let lines: string[] = [];
      for (let i = 0; i < b.count; i++) {
        const rd = b.rd[i]!;
        lines.push(`${String(b.icount[i]).padStart(10)} ${middle(b.pc[i]!, b.bits[i]!)}${rd === 0 ? '' : `  ${REGISTER_NAMES[rd]}=${hex8(b.value[i]!)}`}`);
        if (lines.length === 4096) {
          file.write(lines.join('\n'));
          lines = [];
        }
      }
      if (lines.length > 0) file.write(lines.join('\n'));
    },
    complete: close,
    error: close,
  });
  insns.add(
    session.exec.traps$.subscribe((b) => {
      for (let i = 0; i < b.count; i++) {
        file.write(`${String(b.icount[i]).padStart(10)} trap cause=${hex8(b.cause[i]!)} tval=${hex8(b.tval[i]!)} epc=${hex8(b.epc[i]!)}`);
      }
    }),
  );
  return insns;
}
