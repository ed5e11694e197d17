import { randomBytes } from 'node:crypto';
import type { PullFamily } from './event-family.js';
import { describePayload } from './describe-payload.js';

/** RANDOM: host entropy handed to virtio-rng through the `random` port. */
export const randomFamily: PullFamily<'RANDOM', 'random'> = {
  kind: 'RANDOM',
  direction: 'pull',
  port: 'random',
  host: (n) => new Uint8Array(randomBytes(n)),
  record: (_args, bytes) => ({ kind: 'RANDOM', bytes }),
  answer: (event, [n]) => (event.bytes.length === n ? event.bytes : null),
  request: ([n]) => `asked for ${n} random bytes`,
  describe: describePayload,
  device: null,
};
