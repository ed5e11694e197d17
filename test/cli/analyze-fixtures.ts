// Shared by the analyze tests: recordings made in the test, and the shape of `analyze --json`.
import { expect } from 'vitest';
import { guestElf, type ExampleGuest } from '../engine/harness.js';
import { describeCli, rrvmAsync } from './cli-harness.js';

/** What `rrvm analyze --json` prints. */
export interface AnalyzeJson {
  logs: { log: string; outcome: string; icount: number | null; events: number | null; guest: string | null; finalDigest: string | null; message: string | null }[];
  summary: Record<string, number>;
}

/** Records one log per guest into `temp` (`GUEST-NN.rrlog`), a few recorders at a time; returns their paths in order. */
export async function recordLogs(temp: { path: (name: string) => string }, guests: readonly ExampleGuest[]): Promise<string[]> {
  const logs = guests.map((guest, i) => temp.path(`${guest}-${String(i).padStart(2, '0')}.rrlog`));
  const AT_A_TIME = 4;
  for (let from = 0; from < guests.length; from += AT_A_TIME) {
    const batch = guests.slice(from, from + AT_A_TIME).map((guest, k) => rrvmAsync(['record', '-o', logs[from + k]!, guestElf(guest)]));
    for (const r of await Promise.all(batch)) expect(r.code, describeCli(r)).toBe(0);
  }
  return logs;
}
