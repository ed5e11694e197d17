import type { SourceLine } from './addr2line.js';

/**
 * An lcov tracefile (geninfo's format: `SF`, `DA`, `LF`, `LH` per source file) from the source
 * line of every instruction and each instruction's execution count: a line's count is the
 * highest count of its instructions. Files and lines in ascending order.
 */
export function lcovText(lines: readonly (SourceLine | null)[], counts: readonly number[]): string {
  const files = new Map<string, Map<number, number>>();
  lines.forEach((where, i) => {
    if (where === null) return;
    let file = files.get(where.file);
    if (file === undefined) files.set(where.file, (file = new Map()));
    file.set(where.line, Math.max(file.get(where.line) ?? 0, counts[i]!));
  });
  const out: string[] = [];
  for (const name of [...files.keys()].sort()) {
    const file = files.get(name)!;
    const numbers = [...file.keys()].sort((a, b) => a - b);
    out.push('TN:', `SF:${name}`);
    for (const n of numbers) out.push(`DA:${n},${file.get(n)!}`);
    out.push(`LF:${numbers.length}`, `LH:${numbers.filter((n) => file.get(n)! > 0).length}`, 'end_of_record');
  }
  return out.length === 0 ? '' : out.join('\n') + '\n';
}
