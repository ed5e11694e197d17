import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import type { RrEvent } from '../../src/core/event.js';
import { RrvmError } from '../../src/core/rrvm-error.js';

/** A fresh TestScheduler that compares with vitest's deep equality. */
export function newScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** A CHAR_READ of `text` at (icount, seq). */
export function charRead(text: string, icount: number, seq: number): RrEvent {
  return { kind: 'CHAR_READ', port: 0, bytes: new TextEncoder().encode(text), icount, seq };
}

/** END at (icount, seq). */
export function end(icount: number, seq: number): RrEvent {
  return { kind: 'END', icount, seq };
}

/** The `code` of an RrvmError, or a description of whatever else was thrown. */
export function codeOf(error: unknown): string {
  return error instanceof RrvmError ? error.code : `not an RrvmError: ${String(error)}`;
}

/** What `fn` throws (fails the test when it returns). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** A temporary directory, removed by the returned function. */
export function tempDir(label: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `rrvm-streams-${label}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
