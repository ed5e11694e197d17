// DESIGN §3: src/machine is pure and synchronous; every host value enters through a port.
// This scans src/machine, and every file it reaches by relative imports, for host APIs.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importsOf, stripCommentsAndStrings } from '../core/import-scanner.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MACHINE = join(REPO, 'src', 'machine');

/** What counts as reaching the host, with the reason printed on a hit. */
const HOST_APIS: [RegExp, string][] = [
  [/\bDate\b/, 'Date (host clock)'],
  [/\bperformance\b/, 'performance (host clock)'],
  [/\bprocess\s*\./, 'process.* (host state)'],
  [/\bprocess\s*\[/, 'process[...] (host state)'],
  [/\bMath\s*\.\s*random\b/, 'Math.random (host entropy)'],
  [/\bcrypto\b/, 'crypto (host entropy)'],
  [/\b(setTimeout|setInterval|setImmediate|queueMicrotask|requestAnimationFrame)\b/, 'timer / task queue'],
  [/\b(clearTimeout|clearInterval|clearImmediate)\b/, 'timer / task queue'],
  [/\bglobalThis\b/, 'globalThis (reaches anything)'],
  [/\brequire\s*\(/, 'require() (module loading)'],
  [/\bimport\s*\(/, 'dynamic import()'],
  [/\bconsole\s*\./, 'console (host output)'],
  [/\bfetch\s*\(/, 'fetch (network)'],
  [/\b(Worker|SharedArrayBuffer|Atomics)\b/, 'threads / shared memory'],
];

/**
 * Module specifiers the machine may import: only relative paths. A bare specifier is a
 * package or a Node built-in (node:*, fs, net, crypto, rxjs, ...), none of which belong here.
 */
const isRelative = (specifier: string): boolean => specifier.startsWith('./') || specifier.startsWith('../');

/** One place where source code reaches the host. */
export interface HostHit {
  file: string;
  line: number;
  what: string;
  text: string;
}

/** Every host API use and every non-relative import in one file's source. */
export function scanSource(file: string, source: string): HostHit[] {
  const hits: HostHit[] = [];
  const original = source.split('\n');
  const code = stripCommentsAndStrings(source).split('\n');
  code.forEach((text, index) => {
    for (const [pattern, what] of HOST_APIS) {
      if (pattern.test(text)) hits.push({ file, line: index + 1, what, text: original[index]!.trim() });
    }
  });
  for (const { specifier, line } of importsOf(source)) {
    if (!isRelative(specifier)) hits.push({ file, line, what: `import of '${specifier}'`, text: original[line - 1]!.trim() });
  }
  return hits;
}

function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFilesUnder(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** src/machine's files plus every file they reach through relative imports (e.g. core/rrvm-error.ts). */
function machineClosure(): string[] {
  const seen = new Set<string>();
  const queue = tsFilesUnder(MACHINE);
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const { specifier } of importsOf(readFileSync(file, 'utf8'))) {
      if (!isRelative(specifier)) continue;
      const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
      if (existsSync(target)) queue.push(target);
    }
  }
  return [...seen].sort();
}

const format = (hits: HostHit[]): string => hits.map((h) => `${h.file}:${h.line}: ${h.what}: ${h.text}`).join('\n');

describe('host boundary of src/machine', () => {
  it('no file of the machine, or reached from it, uses a host API or imports a package', () => {
    const files = machineClosure();
    expect(files.length).toBeGreaterThan(20);
    const hits = files.flatMap((file) => scanSource(relative(REPO, file), readFileSync(file, 'utf8')));
    expect(hits, `host APIs found in the deterministic machine:\n${format(hits)}`).toEqual([]);
  });

  it('the scan covers the CPU, the devices and the ELF loader', () => {
    const files = machineClosure().map((f) => relative(REPO, f));
    for (const expected of ['src/machine/cpu/cpu.ts', 'src/machine/devices/clint.ts', 'src/machine/elf-loader.ts', 'src/machine/machine.ts']) {
      expect(files).toContain(expected);
    }
  });
});

describe('host API scanner', () => {
  const sample = [
    "import { readFileSync } from 'node:fs';",
    "import * as net from 'net';",
    "import { createHash } from 'crypto';",
    "import { Subject } from 'rxjs';",
    "import type { Observable } from 'rxjs/internal/Observable';",
    "export { x } from 'fs';",
    "import { ok } from './ok.js';",
    "import { fine } from '../engine/rrvm-error.js';",
    'const now = Date.now();',
    'const t = performance.now();',
    'const env = process.env.X;',
    'const r = Math.random();',
    'setTimeout(() => {}, 1);',
    'queueMicrotask(f);',
    'setImmediate(f); setInterval(f, 5);',
    '// a comment about Date.now() and Math.random() is fine',
    '/* so is process.hrtime()',
    '   and setTimeout in a block comment */',
    "const s = 'Date.now() in a string is fine';",
    'const t2 = `time ${Date.now()}`;',
    'const ok = updateDeadline(x); // performed',
  ].join('\n');

  it('reports file:line of every host API and package import, and nothing in comments or strings', () => {
    const hits = scanSource('sample.ts', sample);
    expect(hits.map((h) => `${h.line}:${h.what.split(' ')[0]}`).sort()).toEqual(
      [
        "1:import", "2:import", "3:import", "4:import", "5:import", "6:import",
        '9:Date', '10:performance', '11:process.*', '12:Math.random', '13:timer', '14:timer', '15:timer',
        '20:Date',
      ].sort(),
    );
    expect(format(hits)).toContain('sample.ts:9: Date (host clock): const now = Date.now();');
  });

  it('would fail on a machine file with a Date.now() line added', () => {
    const file = join(MACHINE, 'cpu', 'cpu.ts');
    const source = readFileSync(file, 'utf8');
    expect(scanSource('cpu.ts', source)).toEqual([]);
    const lines = source.split('\n');
    lines.splice(10, 0, 'const startedMs = Date.now();');
    const hits = scanSource('cpu.ts', lines.join('\n'));
    expect(hits).toEqual([{ file: 'cpu.ts', line: 11, what: 'Date (host clock)', text: 'const startedMs = Date.now();' }]);
  });

  it('keeps line numbers across multi-line comments and strings', () => {
    const source = "/* a\nb */ x\n'c'\n`d${1}\ne`\n// f\ny";
    const stripped = stripCommentsAndStrings(source);
    expect(stripped.length).toBe(source.length);
    expect(stripped.split('\n')).toEqual(['    ', '     x', "' '", '` ${1}', ' `', '    ', 'y']);
  });
});
