import type { Subscription } from 'rxjs';
import { disassemble, REGISTER_NAMES } from './internal/disassemble.js';
import { hex8 } from './internal/hex.js';
import { openByteFile } from './internal/line-file.js';
import { ascii, AsciiOut } from './internal/ascii-out.js';
import type { TapSession } from './tap.js';

/** Default output file of the `insn-trace` tap. */
export const INSN_TRACE_FILE = 'insn-trace.txt';

/**
 * Built-in tap `insn-trace[=FILE]`: one line per instruction retired — icount, pc, raw bits,
 * disassembly, and the register written with its new value — and one line per trap entry:
 * `        42 80000010 00a00513 addi a0, zero, 10  a0=0000000a`,
 * `       108 trap cause=0000000b tval=00000000 epc=80000040`. Formatting the text bounds it to
 * a few million instructions per second (docs/taps.md has the costs).
 */
export function insnTrace(session: TapSession): Subscription {
  const out = new AsciiOut(openByteFile(session.options['file'] ?? INSN_TRACE_FILE, 'insn-trace'));
  const close = (): void => out.close();
  /** By pc: the bits last seen there and the line's middle (pc, raw bits, disassembly), which loops repeat. */
  const seen = new Map<number, { bits: number; text: Uint8Array }>();
  const middle = (pc: number, bits: number): Uint8Array => {
    const known = seen.get(pc);
    if (known !== undefined && known.bits === bits) return known.text;
    const raw = bits === 0 ? '????????' : (bits & 3) === 3 ? hex8(bits) : bits.toString(16).padStart(4, '0').padStart(8, ' ');
    const text = ascii(` ${hex8(pc)} ${raw} ${bits === 0 ? '?' : disassemble(bits, pc)}`);
    seen.set(pc, { bits, text });
    return text;
  };
  /** `  a0=` and the like, by register. */
  const written = REGISTER_NAMES.map((name) => ascii(`  ${name}=`));
  const insns = session.exec.insns$.subscribe({
    next(b) {
      for (let i = 0; i < b.count; i++) {
        const text = middle(b.pc[i]!, b.bits[i]!);
        out.room(text.length + 48);
        out.decimal(b.icount[i]!, 10);
        out.bytes(text);
        const rd = b.rd[i]!;
        if (rd !== 0) {
          out.bytes(written[rd]!);
          out.hex8(b.value[i]!);
        }
        out.newline();
      }
    },
    complete: close,
    error: close,
  });
  const trapText = [' trap cause=', ' tval=', ' epc='].map(ascii);
  insns.add(
    session.exec.traps$.subscribe((b) => {
      for (let i = 0; i < b.count; i++) {
        out.room(96);
        out.decimal(b.icount[i]!, 10);
        out.bytes(trapText[0]!);
        out.hex8(b.cause[i]!);
        out.bytes(trapText[1]!);
        out.hex8(b.tval[i]!);
        out.bytes(trapText[2]!);
        out.hex8(b.epc[i]!);
        out.newline();
      }
    }),
  );
  return insns;
}
