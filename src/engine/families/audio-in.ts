import type { PayloadOf, PushFamily } from './event-family.js';
import { describePayload } from './describe-payload.js';

type AudioIn = PayloadOf<'AUDIO_IN'>;

/**
 * AUDIO_IN: captured S16_LE samples for the input stream. Capture: `audioCapture$`
 * (streams/sources/) while the guest's input stream runs, from `--audio-in`; the device fills
 * its rx buffers in order and what does not fit waits for the next checkpoint.
 */
export const audioInFamily: PushFamily<'AUDIO_IN', AudioIn> = {
  kind: 'AUDIO_IN',
  direction: 'push',
  capture: (captured) => (captured.samples.length === 0 ? null : { family: audioInFamily, payload: captured }),
  apply(machine, payload) {
    const taken = machine.captureAudio(payload.samples);
    return taken === 0 ? null : { stream: payload.stream, samples: payload.samples.subarray(0, taken) };
  },
  rest: (payload, accepted) =>
    accepted.samples.length < payload.samples.length ? { stream: payload.stream, samples: payload.samples.subarray(accepted.samples.length) } : null,
  merge: (first, second) => ({ stream: first.stream, samples: Buffer.concat([first.samples, second.samples]) }),
  shortfall: (payload, accepted) => `the sound device took ${accepted?.samples.length ?? 0} of ${payload.samples.length} captured bytes`,
  describe: describePayload,
  device: null,
};
