// DESIGN §3: a device runs code later only through the engine (a recorded event): it never
// schedules work of its own. Timers, task queues and promises would run device code at a host
// moment no log records, so replay could not reproduce it.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stripCommentsAndStrings } from '../../core/import-scanner.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const DEVICES = join(REPO, 'src', 'machine', 'devices');

/** Ways of running code later, with the reason printed on a hit. */
const DEFERRALS: [RegExp, string][] = [
  [/\b(setTimeout|setInterval|setImmediate|queueMicrotask|requestAnimationFrame)\b/, 'a host timer or task queue'],
  [/\bPromise\b/, 'a promise'],
  [/\basync\b/, 'an async function'],
  [/\bawait\b/, 'await'],
  [/\.then\s*\(/, 'a promise continuation'],
  [/\bprocess\s*\.\s*nextTick\b/, 'process.nextTick'],
];

function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFilesUnder(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every deferral in a source, as `file:line: what`. */
function deferralsIn(file: string, source: string): string[] {
  const hits: string[] = [];
  stripCommentsAndStrings(source)
    .split('\n')
    .forEach((text, i) => {
      for (const [pattern, what] of DEFERRALS) if (pattern.test(text)) hits.push(`${file}:${i + 1}: ${what}`);
    });
  return hits;
}

describe('devices defer work only through the engine', () => {
  it('no device file uses a timer, a task queue or a promise', () => {
    const files = tsFilesUnder(DEVICES);
    expect(files.some((f) => f.includes(`${join('devices', 'virtio')}`))).toBe(true);
    const hits = files.flatMap((f) => deferralsIn(relative(REPO, f), readFileSync(f, 'utf8')));
    expect(hits).toEqual([]);
  });

  it('would catch each way of deferring, and nothing in comments or strings', () => {
    const source = [
      'setTimeout(() => this.fire(), 10);',
      'queueMicrotask(() => this.fill());',
      'Promise.resolve().then(() => this.done());',
      'async function later() { await this.io; }',
      '// setImmediate in a comment is fine',
      "const text = 'a Promise in a string';",
    ].join('\n');
    expect(deferralsIn('x.ts', source)).toEqual([
      'x.ts:1: a host timer or task queue',
      'x.ts:2: a host timer or task queue',
      'x.ts:3: a promise',
      'x.ts:3: a promise continuation',
      'x.ts:4: an async function',
      'x.ts:4: await',
    ]);
  });
});
