import { afterAll, describe, expect, it } from 'vitest';
import { guestElf, readEvents, recordGuest, replayLog, stopText, tempDir } from './harness.js';

const temp = tempDir('flood');
afterAll(temp.remove);

const FLOOD_BYTES = 100_000;
const BANNER = "echo: type some text, 'q' quits\n";

/** 99 999 bytes cycling through every value but 'q', then the 'q' that ends the guest. */
function flood(): Uint8Array {
  const out = new Uint8Array(FLOOD_BYTES);
  let b = 0;
  for (let i = 0; i < FLOOD_BYTES - 1; i++) {
    if (b === 0x71) b++;
    out[i] = b;
    b = (b + 1) & 0xff;
  }
  out[FLOOD_BYTES - 1] = 0x71;
  return out;
}

describe('echo flooded with 100 000 bytes at once', () => {
  it('echoes every byte (UART backpressure drops nothing) and replays identically', async () => {
    const input = flood();
    const rec = await recordGuest({ elf: guestElf('echo'), logPath: temp.path('flood.rrlog'), input: { kind: 'all', bytes: input } });
    expect(stopText(rec.stop)).toBe('halt:pass');
    const summary = `\necho: echoed ${FLOOD_BYTES} bytes\n`;
    expect(rec.console.toString('latin1')).toContain(summary);
    // The console is exactly banner + every byte in order + summary.
    expect(rec.console.length).toBe(BANNER.length + FLOOD_BYTES + summary.length);
    expect(rec.console.subarray(BANNER.length, BANNER.length + FLOOD_BYTES).equals(input)).toBe(true);

    // The CHAR_READ events carry exactly the input, in order, each no larger than the UART took.
    const events = readEvents(rec.logPath).events.filter((e) => e.kind === 'CHAR_READ');
    const delivered = Buffer.concat(events.map((e) => (e.kind === 'CHAR_READ' ? e.bytes : new Uint8Array())));
    expect(delivered.equals(input)).toBe(true);

    const rep = await replayLog(rec.logPath);
    expect(rep.console.equals(rec.console)).toBe(true);
    expect(rep.digest).toBe(rec.digest);
    expect(stopText(rep.stop)).toBe(stopText(rec.stop));
  });
});
