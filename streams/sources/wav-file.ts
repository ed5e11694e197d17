import { RrvmError } from '../../src/core/rrvm-error.js';

/** PCM audio as virtio-sound takes it: S16_LE samples, interleaved. */
export interface Pcm16 {
  rate: number;
  channels: number;
  /** Interleaved little-endian signed 16-bit samples. */
  samples: Uint8Array;
}

/** The frame rates and channel counts virtio-sound offers (8–48 kHz, mono or stereo). */
export const WAV_RATES: readonly number[] = [8000, 11025, 16000, 22050, 32000, 44100, 48000];

/**
 * Reads a RIFF/WAVE file of PCM S16_LE, 1–2 channels, at one of WAV_RATES. Throws RrvmError
 * `audio.wav` naming the file and what is wrong with it.
 */
export function parseWav(bytes: Uint8Array, name: string): Pcm16 {
  const fail = (what: string): never => {
    throw new RrvmError('audio.wav', `${name}: ${what}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') fail('not a WAV file (no RIFF/WAVE header)');
  let format: Omit<Pcm16, 'samples'> | null = null;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16) fail('fmt chunk too short');
      const [codec, channels, rate, bits] = [view.getUint16(body, true), view.getUint16(body + 2, true), view.getUint32(body + 4, true), view.getUint16(body + 14, true)];
      if (codec !== 1 || bits !== 16) fail(`not PCM S16_LE (format ${codec}, ${bits} bits per sample); convert it with: sox IN -b 16 -e signed-integer OUT.wav`);
      if (channels < 1 || channels > 2) fail(`${channels} channels: only mono and stereo are supported`);
      if (!WAV_RATES.includes(rate)) fail(`${rate} Hz is not supported (${WAV_RATES.join(', ')})`);
      format = { rate, channels };
    } else if (id === 'data') {
      if (format === null) fail('data chunk before the fmt chunk');
      const end = Math.min(bytes.length, body + size);
      const frameBytes = 2 * format!.channels;
      return { ...format!, samples: bytes.slice(body, body + Math.floor((end - body) / frameBytes) * frameBytes) };
    }
    at = body + size + (size & 1);
  }
  return fail('no data chunk');
}

/** A RIFF/WAVE file of PCM S16_LE holding `samples`. */
export function wavBytes(pcm: Pcm16): Uint8Array {
  const out = new Uint8Array(44 + pcm.samples.length);
  const view = new DataView(out.buffer);
  const text = (at: number, s: string): void => out.set(Buffer.from(s, 'latin1'), at);
  text(0, 'RIFF');
  view.setUint32(4, 36 + pcm.samples.length, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, pcm.channels, true);
  view.setUint32(24, pcm.rate, true);
  view.setUint32(28, pcm.rate * 2 * pcm.channels, true);
  view.setUint16(32, 2 * pcm.channels, true);
  view.setUint16(34, 16, true);
  text(36, 'data');
  view.setUint32(40, pcm.samples.length, true);
  out.set(pcm.samples, 44);
  return out;
}
