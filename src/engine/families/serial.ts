import type { PushFamily, PayloadOf } from './event-family.js';
import { describePayload } from './describe-payload.js';

type Serial = PayloadOf<'CHAR_READ'>;

/**
 * CHAR_READ: serial input for the UART. Capture: `serialIn$`, `serialFile$` or the serial
 * lines of `inputScript$` (streams/sources/); the UART takes what fits its receive FIFO.
 */
export const serialFamily: PushFamily<'CHAR_READ', Uint8Array> = {
  kind: 'CHAR_READ',
  direction: 'push',
  capture: (bytes: Uint8Array) => (bytes.length === 0 ? null : { family: serialFamily, payload: { port: 0, bytes } }),
  apply(machine, payload) {
    const taken = machine.deliverSerial(payload.bytes);
    return taken === 0 ? null : { port: payload.port, bytes: payload.bytes.subarray(0, taken) };
  },
  rest: (payload, accepted) => (accepted.bytes.length < payload.bytes.length ? { port: payload.port, bytes: payload.bytes.subarray(accepted.bytes.length) } : null),
  merge: (first: Serial, second: Serial) => ({ port: first.port, bytes: Buffer.concat([first.bytes, second.bytes]) }),
  shortfall: (payload, accepted) => `the UART accepted ${accepted?.bytes.length ?? 0} of ${payload.bytes.length} bytes`,
  describe: describePayload,
  device: { kind: 'uart16550', port: 0 },
};
