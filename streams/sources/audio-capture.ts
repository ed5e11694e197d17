import { asyncScheduler, Observable } from 'rxjs';
import type { SchedulerAction, SchedulerLike } from 'rxjs';
import type { Pcm16 } from './wav-file.js';

/** What `--audio-in` captures: a sine tone, silence, or a WAV file's samples (then silence). */
export type CaptureSource = { kind: 'tone'; hz: number } | { kind: 'silence' } | { kind: 'wav'; pcm: Pcm16 };

/** Host ms between two deliveries of captured or consumed audio (one period). */
export const AUDIO_PERIOD_MS = 10;

/**
 * Frames due in real time at `rate` Hz: every AUDIO_PERIOD_MS, the frames whose time has come
 * since subscription (measured on `scheduler`, so the count never drifts). Never completes.
 */
export function audioClock$(rate: number, scheduler: SchedulerLike = asyncScheduler): Observable<number> {
  return new Observable<number>((subscriber) => {
    const start = scheduler.now();
    let sent = 0;
    function tick(this: SchedulerAction<undefined>): void {
      const due = Math.floor(((scheduler.now() - start) * rate) / 1000);
      if (due > sent) subscriber.next(due - sent);
      sent = due;
      this.schedule(undefined, AUDIO_PERIOD_MS);
    }
    return scheduler.schedule(tick, AUDIO_PERIOD_MS);
  });
}

/**
 * Captured audio for a stream of `rate` Hz and `channels` channels, paced in real time: each
 * period, the S16_LE frames due since subscription. A WAV file is converted to the stream's
 * channel count (its own rate is kept: the samples are taken as they are) and followed by silence.
 */
export function audioCapture$(source: CaptureSource, rate: number, channels: number, scheduler: SchedulerLike = asyncScheduler): Observable<Uint8Array> {
  return new Observable<Uint8Array>((subscriber) => {
    let frame = 0;
    return audioClock$(rate, scheduler).subscribe((frames) => {
      const out = new Uint8Array(frames * 2 * channels);
      const view = new DataView(out.buffer);
      for (let f = 0; f < frames; f++, frame++) {
        for (let c = 0; c < channels; c++) view.setInt16(2 * (f * channels + c), sampleAt(source, rate, frame, c), true);
      }
      subscriber.next(out);
    });
  });
}

/** Sample `frame` of channel `channel` of the source. */
function sampleAt(source: CaptureSource, rate: number, frame: number, channel: number): number {
  switch (source.kind) {
    case 'silence':
      return 0;
    case 'tone':
      // Half of full scale, so the guest's peak and RMS are easy to check (16384, ~11585).
      return Math.round(16384 * Math.sin((2 * Math.PI * source.hz * frame) / rate));
    case 'wav': {
      const { pcm } = source;
      const at = frame * pcm.channels + Math.min(channel, pcm.channels - 1);
      if (2 * at + 1 >= pcm.samples.length) return 0;
      return (pcm.samples[2 * at]! | (pcm.samples[2 * at + 1]! << 8)) << 16 >> 16;
    }
  }
}
