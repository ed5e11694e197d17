import type { Command } from 'commander';
import type { CaptureSource } from '../../streams/sources/audio-capture.js';
import { parseWav } from '../../streams/sources/wav-file.js';
import { AudioWav } from '../../streams/taps/audio-wav.js';
import { RrvmError } from '../core/rrvm-error.js';
import { readInputFile } from './load-guest.js';
import { writeFileAtomically } from './write-file.js';

/** The audio options of `run` and `record` (`replay` takes only `audioOut`). */
export interface AudioOptions {
  /** `--audio-out FILE.wav`: where the guest's sound output is written. */
  audioOut?: string;
  /** `--audio-in FILE.wav|tone:HZ|silence`: what the guest's sound input captures. */
  audioIn?: string;
}

const AUDIO_IN_HELP = 'attach a virtio-sound device whose input stream captures SOURCE in real time: a WAV file (PCM S16_LE, mono or stereo, 8–48 kHz), tone:HZ (a sine at half scale) or silence; recorded as AUDIO_IN events';
const AUDIO_OUT_HELP = 'attach a virtio-sound device whose output is consumed at its real-time rate (recorded as AUDIO_OUT events) and written to FILE.wav';

/** Adds `--audio-out` and `--audio-in` (run, record) or only `--audio-out` (replay). */
export function addAudioOptions(cmd: Command, input = true): Command {
  if (!input) return cmd.option('--audio-out <file.wav>', 'write what the replayed guest played on its virtio-sound output to FILE.wav (byte-identical to the recorded run\'s)');
  return cmd.option('--audio-out <file.wav>', AUDIO_OUT_HELP).option('--audio-in <source>', AUDIO_IN_HELP);
}

/** The capture source `--audio-in` names; throws RrvmError (`cli.usage`, `audio.wav`, `input.read`) in one line. */
export function captureSourceOf(spec: string): CaptureSource {
  if (spec === 'silence') return { kind: 'silence' };
  const tone = /^tone:(\d+(?:\.\d+)?)$/.exec(spec);
  if (tone !== null) {
    const hz = Number(tone[1]);
    if (hz <= 0 || hz > 24000) throw new RrvmError('cli.usage', `--audio-in tone:${tone[1]}: the frequency must be in (0, 24000] Hz`);
    return { kind: 'tone', hz };
  }
  if (spec.startsWith('tone:')) throw new RrvmError('cli.usage', `--audio-in ${spec}: expected tone:HZ, like tone:440`);
  return { kind: 'wav', pcm: parseWav(readInputFile(spec, 'audio input'), spec) };
}

/** The host side of the sound device the options ask for, or undefined when they ask for none. */
export function hostAudioOf(options: AudioOptions): { capture: CaptureSource; wav: AudioWav | null } | undefined {
  if (options.audioIn === undefined && options.audioOut === undefined) return undefined;
  return { capture: options.audioIn === undefined ? { kind: 'silence' } : captureSourceOf(options.audioIn), wav: options.audioOut === undefined ? null : new AudioWav() };
}

/** Writes the `--audio-out` WAV, if one was asked for. */
export function writeAudioOut(path: string | undefined, wav: AudioWav | null | undefined): void {
  if (path !== undefined && wav !== null && wav !== undefined) writeFileAtomically(path, wav.bytes());
}
