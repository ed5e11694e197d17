// Imports run one way: core ← machine ← codecs ← streams ← engine ← gdb ← cli (DESIGN §1;
// the CLI's `gdb` command starts the stub, so cli sits above gdb).
// A lower layer never imports a higher one, not even for a type.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importsOf } from './import-scanner.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Each layer's folder and its rank: a file may import only its own layer and lower ones. */
const LAYERS: { name: string; dir: string; rank: number }[] = [
  { name: 'core', dir: 'src/core', rank: 0 },
  { name: 'machine', dir: 'src/machine', rank: 1 },
  { name: 'codecs', dir: 'codecs', rank: 2 },
  { name: 'streams', dir: 'streams', rank: 3 },
  { name: 'engine', dir: 'src/engine', rank: 4 },
  { name: 'gdb', dir: 'src/gdb', rank: 5 },
  { name: 'cli', dir: 'src/cli', rank: 6 },
];

function layerOf(repoPath: string): (typeof LAYERS)[number] | undefined {
  return LAYERS.find((l) => repoPath === l.dir || repoPath.startsWith(l.dir + '/'));
}

function tsFilesUnder(dir: string): string[] {
  const abs = join(REPO, dir);
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(REPO, path)).isDirectory() ? tsFilesUnder(path) : name.endsWith('.ts') ? [path] : [];
  });
}

/** Every import that runs up a layer, as `file:line → target`. */
function upwardImports(files: { path: string; source: string }[]): string[] {
  const bad: string[] = [];
  for (const { path, source } of files) {
    const from = layerOf(path);
    if (from === undefined) continue;
    for (const { specifier, line } of importsOf(source)) {
      if (!specifier.startsWith('.')) continue;
      const target = relative(REPO, resolve(REPO, dirname(path), specifier));
      const to = layerOf(target);
      if (to === undefined) {
        bad.push(`${path}:${line} → ${target} (outside every layer)`);
      } else if (to.rank > from.rank) {
        bad.push(`${path}:${line} → ${target} (${from.name} must not import ${to.name})`);
      }
    }
  }
  return bad;
}

describe('layers', () => {
  it('no file imports a layer above its own', () => {
    const files = LAYERS.flatMap((l) => tsFilesUnder(l.dir)).map((path) => ({ path, source: readFileSync(join(REPO, path), 'utf8') }));
    expect(files.length).toBeGreaterThan(50);
    expect(upwardImports(files)).toEqual([]);
  });

  it('src/core imports nothing outside itself', () => {
    for (const path of tsFilesUnder('src/core')) {
      for (const { specifier } of importsOf(readFileSync(join(REPO, path), 'utf8'))) {
        expect(specifier.startsWith('./'), `${path} imports ${specifier}`).toBe(true);
      }
    }
  });

  it('reports an upward import with its file and line, even a type-only one', () => {
    const files = [
      { path: 'src/machine/x.ts', source: "import { ok } from '../core/event.js';\nimport type { Session } from '../engine/session.js';" },
      { path: 'codecs/y.ts', source: "import { EventStream } from '../streams/event-stream.js';" },
      { path: 'src/gdb/z.ts', source: "import { program } from '../cli/program.js';" },
      { path: 'src/gdb/w.ts', source: "import { Machine } from '../machine/machine.js';" },
    ];
    expect(upwardImports(files)).toEqual([
      'src/machine/x.ts:2 → src/engine/session.js (machine must not import engine)',
      'codecs/y.ts:1 → streams/event-stream.js (codecs must not import streams)',
      'src/gdb/z.ts:1 → src/cli/program.js (gdb must not import cli)',
    ]);
  });
});
