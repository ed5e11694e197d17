import { describe, expect, it } from 'vitest';
import { audioCapture$, audioClock$ } from '../../../streams/sources/audio-capture.js';
import { parseWav, wavBytes } from '../../../streams/sources/wav-file.js';
import { codeOf, newScheduler, thrown } from '../stream-fixtures.js';

const s16 = (...values: number[]): Uint8Array => {
  const b = new Uint8Array(2 * values.length);
  values.forEach((v, i) => new DataView(b.buffer).setInt16(2 * i, v, true));
  return b;
};

describe('audioClock$', () => {
  it('emits the frames due each 10 ms period of real time, never drifting', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      // 8 kHz: 80 frames per period; 44.1 kHz: 441.
      expectObservable(audioClock$(8000, scheduler), '^ 35ms !').toBe('10ms a 9ms a 9ms a', { a: 80 });
      expectObservable(audioClock$(44100, scheduler), '^ 25ms !').toBe('10ms a 9ms a', { a: 441 });
    });
  });

  it('carries fractions of a frame into the next period', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      // 11025 Hz: 110.25 frames per 10 ms, so 110, 110, 110, 111.
      expectObservable(audioClock$(11025, scheduler), '^ 45ms !').toBe('10ms a 9ms a 9ms a 9ms b', { a: 110, b: 111 });
    });
  });
});

describe('audioCapture$', () => {
  it('captures a tone at half scale, the same on every channel', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      // 8 kHz, 2000 Hz: a quarter turn per frame: 0, 16384, 0, -16384, …
      const first = s16(...Array.from({ length: 80 }, (_, i) => [0, 16384, 0, -16384][i % 4]!).flatMap((v) => [v, v]));
      expectObservable(audioCapture$({ kind: 'tone', hz: 2000 }, 8000, 2, scheduler), '^ 15ms !').toBe('10ms a', { a: first });
    });
  });

  it('captures a WAV file as it is, widened to the stream\'s channels, then silence', () => {
    const scheduler = newScheduler();
    const pcm = { rate: 8000, channels: 1, samples: s16(...Array.from({ length: 100 }, (_, i) => i + 1)) };
    scheduler.run(({ expectObservable }) => {
      const a = s16(...Array.from({ length: 80 }, (_, i) => [i + 1, i + 1]).flat());
      const b = s16(...Array.from({ length: 80 }, (_, i) => (i < 20 ? [81 + i, 81 + i] : [0, 0])).flat());
      expectObservable(audioCapture$({ kind: 'wav', pcm }, 8000, 2, scheduler), '^ 25ms !').toBe('10ms a 9ms b', { a, b });
    });
  });

  it('captures silence as zeros', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      expectObservable(audioCapture$({ kind: 'silence' }, 16000, 1, scheduler), '^ 15ms !').toBe('10ms a', { a: new Uint8Array(320) });
    });
  });
});

describe('parseWav', () => {
  it('reads back what wavBytes writes, skipping other chunks', () => {
    const pcm = { rate: 22050, channels: 2, samples: s16(1, -1, 2, -2) };
    expect(parseWav(wavBytes(pcm), 'a.wav')).toEqual(pcm);
    const bytes = wavBytes(pcm);
    const withList = new Uint8Array(bytes.length + 12);
    withList.set(bytes.subarray(0, 36));
    withList.set(Uint8Array.from(Buffer.from('LIST\x04\x00\x00\x00INFO', 'latin1')), 36);
    withList.set(bytes.subarray(36), 48);
    expect(parseWav(withList, 'b.wav')).toEqual(pcm);
  });

  it('names what is wrong with a WAV it cannot take', () => {
    const bad = (edit: (b: Buffer) => void): string => {
      const b = Buffer.from(wavBytes({ rate: 48000, channels: 2, samples: new Uint8Array(8) }));
      edit(b);
      const err = thrown(() => parseWav(b, 'x.wav'));
      expect(codeOf(err)).toBe('audio.wav');
      return (err as Error).message;
    };
    expect(bad((b) => b.write('RIFX', 0))).toBe('x.wav: not a WAV file (no RIFF/WAVE header)');
    expect(bad((b) => b.writeUInt16LE(8, 34))).toMatch(/^x\.wav: not PCM S16_LE \(format 1, 8 bits per sample\)/);
    expect(bad((b) => b.writeUInt16LE(6, 22))).toBe('x.wav: 6 channels: only mono and stereo are supported');
    expect(bad((b) => b.writeUInt32LE(7000, 24))).toMatch(/^x\.wav: 7000 Hz is not supported/);
    expect(bad((b) => b.write('junk', 36))).toBe('x.wav: no data chunk');
  });
});
