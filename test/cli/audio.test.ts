// `--audio-in` and `--audio-out` end to end through the built CLI: the audio guest records
// against a WAV file written here (and tone:440), replays with byte-identical console output
// and a byte-identical WAV that sox reads; a snapshot taken with audio periods in flight
// resumes exactly; a WAV of the wrong format is one line and exit 1.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { wavBytes } from '../../streams/sources/wav-file.js';
import { decodeSnapshot } from '../../codecs/index.js';
import { Machine } from '../../src/machine/machine.js';
import type { StateRecord } from '../../src/machine/state.js';
import { replayLog, tempDir } from '../engine/harness.js';
import { findTool, skipWithoutTool } from '../examples/run-guest.js';
import { REPO_ROOT, describeCli, expectOneLineError, rrvm, type CliResult } from './cli-harness.js';

const temp = tempDir('cli-audio');
afterAll(temp.remove);
const ELF = join(REPO_ROOT, 'examples', 'audio', 'audio.elf');
const noSox = skipWithoutTool('cli-audio (sox --i)', 'sox');


/** A mono 16 kHz WAV: a square wave of ±1000, 2 s (its samples are taken at the stream's 48 kHz, as they are: 2/3 s). */
function squareWav(): Uint8Array {
  const samples = new Uint8Array(2 * 32000);
  const view = new DataView(samples.buffer);
  for (let i = 0; i < 32000; i++) view.setInt16(2 * i, (i >> 4) & 1 ? 1000 : -1000, true);
  return wavBytes({ rate: 16000, channels: 1, samples });
}

describe('audio on the command line', () => {
  const log = temp.path('audio.rrlog');
  const recWav = temp.path('rec.wav');
  const repWav = temp.path('rep.wav');
  let rec: CliResult;

  it('records the audio guest against a WAV file: it captures the file (peak 1000, rms 1000) and plays 0.5 s', () => {
    const input = temp.path('square.wav');
    writeFileSync(input, squareWav());
    rec = rrvm(['record', '--audio-in', input, '--audio-out', recWav, '-o', log, ELF], { timeoutMs: 60_000 });
    expect(rec.code, describeCli(rec)).toBe(0);
    expect(rec.stdout.toString()).toBe('audio: virtio-sound ready, 2 streams\naudio: played 24000 frames\naudio: captured 24000 frames peak=1000 rms=1000\n');
    const wav = readFileSync(recWav);
    expect(wav.length).toBe(44 + 24000 * 4);
    expect(wav.readUInt32LE(24)).toBe(48000);
    expect(wav.readUInt16LE(22)).toBe(2);
  });

  it('replays with the same console and writes a byte-identical WAV', () => {
    const rep = rrvm(['replay', '--audio-out', repWav, log], { timeoutMs: 60_000 });
    expect(rep.code, describeCli(rep)).toBe(0);
    expect(rep.stdout.equals(rec.stdout)).toBe(true);
    expect(readFileSync(repWav).equals(readFileSync(recWav))).toBe(true);
    const dump = rrvm(['dump', log]).stdout.toString();
    expect(dump).toMatch(/^AUDIO_OUT @\d+ #\d+ stream=0 frames=\d+$/m);
    expect(dump).toMatch(/^AUDIO_IN @\d+ #\d+ stream=1 samples=/m);
  });

  it('replays to the same console and final state whatever the slice size', async () => {
    const [a, b] = [await replayLog(log), await replayLog(log, { sliceIcount: 37 })];
    expect(a.console.equals(rec.stdout)).toBe(true);
    expect(b.console.equals(rec.stdout)).toBe(true);
    expect(b.digest).toBe(a.digest);
  }, 60_000);

  it.skipIf(noSox)('sox reads both WAV files as 48 kHz stereo 16-bit, 0.5 s', () => {
    expect(findTool('sox'), 'sox is required (RRVM_REQUIRE_TOOLS=1) but is not on PATH').toBeTruthy();
    for (const file of [recWav, repWav]) {
      const info = spawnSync('sox', ['--i', file], { encoding: 'utf8' });
      expect(info.status, info.stderr).toBe(0);
      expect(info.stdout).toMatch(/Channels\s*: 2/);
      expect(info.stdout).toMatch(/Sample Rate\s*: 48000/);
      expect(info.stdout).toMatch(/Precision\s*: 16-bit/);
      expect(info.stdout).toMatch(/Duration\s*: 00:00:00\.50 = 24000 samples/);
    }
  });

  it('resumes from a snapshot taken with audio periods in flight and prints the same rest', () => {
    const endIcount = Number(/instructions:\s+(\d+)/.exec(rrvm(['info', log]).stdout.toString())![1]);
    const snap = temp.path('mid.rrsnap');
    const head = rrvm(['replay', '--until', String(Math.floor(endIcount * 0.3)), '--save-snapshot', snap, log], { timeoutMs: 60_000 });
    expect(head.code, describeCli(head)).toBe(0);
    // The snapshot holds the output stream running with transfers held (how much of them was played depends on the recording's timing).
    const template = new Machine({ ramBytes: 128 << 20, icountShift: 3, virtio: [{ kind: 'virtio-sound' }] }, { clock: () => 0, random: (n) => new Uint8Array(n), blockIo: () => {}, defer: () => 0, netTx: () => {}, audioStream: () => {} });
    const saved = decodeSnapshot(readFileSync(snap), template.saveRecords(), snap).machine.state;
    const sound = ((saved.virtio as StateRecord[])[7]!.device as StateRecord);
    expect((sound.pcms as number[][])[0]![0]).toBe(3);
    expect((sound.tx as StateRecord[]).length).toBeGreaterThan(0);
    const tail = rrvm(['replay', '--from-snapshot', snap, log], { timeoutMs: 60_000 });
    expect(tail.code, describeCli(tail)).toBe(0);
    expect(Buffer.concat([head.stdout, tail.stdout]).equals(rec.stdout)).toBe(true);
  });

  it('records tone:440 and measures it exactly (peak 16384, rms 11585)', () => {
    const r = rrvm(['run', '--audio-in', 'tone:440', ELF], { timeoutMs: 60_000 });
    expect(r.code, describeCli(r)).toBe(0);
    expect(r.stdout.toString()).toContain('audio: captured 24000 frames peak=16384 rms=11585\n');
  });

  it('refuses a WAV of the wrong format, a bad tone and --audio-out for a log without sound, in one line', () => {
    const float = Buffer.from(wavBytes({ rate: 48000, channels: 2, samples: new Uint8Array(16) }));
    float.writeUInt16LE(3, 20); // IEEE float
    const floatPath = temp.path('float.wav');
    writeFileSync(floatPath, float);
    expectOneLineError(rrvm(['record', '--audio-in', floatPath, '-o', temp.path('x.rrlog'), ELF]), /float\.wav: not PCM S16_LE/);
    const fast = Buffer.from(wavBytes({ rate: 96000, channels: 1, samples: new Uint8Array(4) }));
    const fastPath = temp.path('fast.wav');
    writeFileSync(fastPath, fast);
    expectOneLineError(rrvm(['run', '--audio-in', fastPath, ELF]), /fast\.wav: 96000 Hz is not supported/);
    const notWav = temp.path('text.wav');
    writeFileSync(notWav, 'hello');
    expectOneLineError(rrvm(['run', '--audio-in', notWav, ELF]), /text\.wav: not a WAV file/);
    expectOneLineError(rrvm(['run', '--audio-in', 'tone:abc', ELF]), /expected tone:HZ/);
    const plain = temp.path('hello.rrlog');
    expect(rrvm(['record', '-o', plain, join(REPO_ROOT, 'examples', 'hello', 'hello.elf')]).code).toBe(0);
    expectOneLineError(rrvm(['replay', '--audio-out', temp.path('none.wav'), plain]), /no sound device/);
  });
});
