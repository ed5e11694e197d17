import { afterAll, describe, expect, it } from 'vitest';
import { guestElf, tempDir } from '../engine/harness.js';
import type { ExampleGuest } from '../engine/harness.js';
import { describeCli, rrvm } from './cli-harness.js';

const temp = tempDir('golden');
afterAll(temp.remove);

/**
 * Scenarios whose logs are fully deterministic: no clock reads, no input, no idling, so every
 * icount and every CHECKPOINT digest is the same on every run and machine. Nothing is masked.
 */
const SCENARIOS: { name: string; guest: ExampleGuest; args: string[] }[] = [
  { name: 'hello', guest: 'hello', args: [] },
  { name: 'hello, a CHECKPOINT every 100 instructions', guest: 'hello', args: ['--checkpoint-every', '100'] },
  { name: 'cpu-bench stopped by --max-insns 1M', guest: 'cpu-bench', args: ['--max-insns', '1M', '--checkpoint-every', '250000'] },
];

describe('rrvm dump of deterministic recordings', () => {
  for (const [i, scenario] of SCENARIOS.entries()) {
    it(`matches the golden dump: ${scenario.name}`, () => {
      const log = temp.path(`golden-${i}.rrlog`);
      const rec = rrvm(['record', ...scenario.args, '-o', log, guestElf(scenario.guest)]);
      expect([0, 4], describeCli(rec)).toContain(rec.code);
      const text = rrvm(['dump', log]);
      expect(text.code, describeCli(text)).toBe(0);
      const json = rrvm(['dump', '--json', log]);
      expect(json.code, describeCli(json)).toBe(0);
      expect(text.stdout.toString()).toMatchSnapshot('text');
      expect(json.stdout.toString()).toMatchSnapshot('json');
    });
  }
});
