import type { PushFamily } from './event-family.js';
import { describePayload } from './describe-payload.js';

/**
 * AUDIO_OUT: the host consumed `frames` frames of the output stream. The device tells the host
 * a stream started or stopped through the `audioStream` port; live, `audioClock$`
 * (streams/sources/) paces the consumption of a running output stream. Applying it plays that
 * many frames from the guest's tx buffers (returning the played ones, which paces the guest);
 * capacity the buffers could not fill is dropped (the host played silence).
 */
export const audioOutFamily: PushFamily<'AUDIO_OUT', { stream: number; frames: number }> = {
  kind: 'AUDIO_OUT',
  direction: 'push',
  capture: (consumed) => (consumed.frames > 0 ? { family: audioOutFamily, payload: consumed } : null),
  apply(machine, payload, io) {
    const played = machine.playAudio(payload.frames);
    if (played === null || played.frames === 0) return null;
    io.audio?.played(played.offset, played.bytes);
    return { stream: payload.stream, frames: played.frames };
  },
  rest: () => null,
  merge: (first, second) => ({ stream: first.stream, frames: first.frames + second.frames }),
  shortfall: (payload, accepted) => `the sound device played ${accepted?.frames ?? 0} of ${payload.frames} frames`,
  describe: describePayload,
  device: null,
  port: 'audioStream',
  start: (io, [stream, rate, channels, running]) => io.audio?.stream(stream as number, rate as number, channels as number, running as boolean),
};
