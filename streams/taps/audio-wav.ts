import { wavBytes } from '../sources/wav-file.js';

/**
 * The guest's audio output as a WAV file (`--audio-out`), built from what the sound device
 * played: each piece lands at its byte offset in the output, so a piece played again (reverse
 * execution re-runs a stretch) overwrites itself and nothing is written twice. The format is
 * the output stream's, as last started. `bytes()` is the finished file.
 */
export class AudioWav {
  private rate = 48000;
  private channels = 2;
  private data = new Uint8Array(0);
  private length = 0;

  /** The output stream started at `rate` Hz with `channels` channels. */
  format(rate: number, channels: number): void {
    this.rate = rate;
    this.channels = channels;
  }

  /** `bytes` were played starting at output byte `offset`. */
  played(offset: number, bytes: Uint8Array): void {
    const end = offset + bytes.length;
    if (end > this.data.length) {
      const grown = new Uint8Array(Math.max(end, 2 * this.data.length));
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    }
    this.data.set(bytes, offset);
    this.length = Math.max(this.length, end);
  }

  /** The WAV file of everything played so far. */
  bytes(): Uint8Array {
    return wavBytes({ rate: this.rate, channels: this.channels, samples: this.data.subarray(0, this.length) });
  }
}
