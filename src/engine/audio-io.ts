import type { Subscription } from 'rxjs';
import { audioCapture$, audioClock$, type CaptureSource } from '../../streams/sources/audio-capture.js';
import type { AudioWav } from '../../streams/taps/audio-wav.js';
import { SoundStream } from '../machine/devices/virtio/virtio-sound.js';

/** The host side of a live run's audio: what captures input, whether output is consumed, where events go. */
export interface LiveAudio {
  /** `--audio-in`: what the input stream captures. */
  capture: CaptureSource;
  /** Queues an AUDIO_OUT or AUDIO_IN input (the session's InputQueue). */
  push(stream: number, payload: { frames: number } | { samples: Uint8Array }): void;
}

/**
 * The engine's audio I/O behind the machine's `audioStream` port. Live, a running output stream
 * is consumed at its real-time rate (an AUDIO_OUT per period; while one waits to be applied the
 * next periods are not offered: the host played silence) and a running input stream captures
 * from `--audio-in` each period (AUDIO_IN); the timers are the sources' (streams/sources/), never
 * the device's. In replay nothing is paced. Either way what the guest played goes to the
 * `--audio-out` WAV, when there is one.
 */
export class AudioIo {
  private readonly running = new Map<number, Subscription>();
  /** Live: an AUDIO_OUT was queued and not applied yet. */
  private outstanding = false;

  constructor(
    /** Live: the host side; null in replay. */
    private readonly live: LiveAudio | null,
    /** `--audio-out`: the WAV of what was played, or null. */
    private readonly wav: AudioWav | null,
  ) {}

  /** Live: streams running on the host (their events are still coming). */
  get inFlight(): number {
    return this.running.size;
  }

  /** Stream `stream` started or stopped (the `audioStream` port). */
  stream(stream: number, rate: number, channels: number, running: boolean): void {
    if (stream === SoundStream.OUTPUT && running) this.wav?.format(rate, channels);
    const live = this.live;
    if (live === null) return;
    this.running.get(stream)?.unsubscribe();
    this.running.delete(stream);
    if (!running) return;
    const subscription =
      stream === SoundStream.OUTPUT
        ? audioClock$(rate).subscribe((frames) => {
            if (this.outstanding) return;
            this.outstanding = true;
            live.push(stream, { frames });
          })
        : audioCapture$(live.capture, rate, channels).subscribe((samples) => live.push(stream, { samples }));
    this.running.set(stream, subscription);
  }

  /** The guest's output played `bytes` at output byte `offset` (an AUDIO_OUT applied). */
  played(offset: number, bytes: Uint8Array): void {
    this.outstanding = false;
    this.wav?.played(offset, bytes);
  }

  /** Stops every host timer (the session ended). */
  close(): void {
    for (const subscription of this.running.values()) subscription.unsubscribe();
    this.running.clear();
  }
}

