import type { PushFamily, PayloadOf } from './event-family.js';
import { describePayload } from './describe-payload.js';
import { RrvmError } from '../../core/rrvm-error.js';

type Serial = PayloadOf<'CHAR_READ'>;

/** The board's one UART: the only port a CHAR_READ can name. */
const SERIAL_PORT = 0;

/**
 * CHAR_READ: serial input for the UART. Capture: `serialIn$`, `serialFile$` or the serial
 * lines of `inputScript$` (streams/sources/); the UART takes what fits its receive FIFO.
 */
export const serialFamily: PushFamily<'CHAR_READ', Uint8Array> = {
  kind: 'CHAR_READ',
  direction: 'push',
  capture: (bytes: Uint8Array) => (bytes.length === 0 ? null : { family: serialFamily, payload: { port: SERIAL_PORT, bytes } }),
  apply(machine, payload) {
    if (payload.port !== SERIAL_PORT) {
      // Only an edited or corrupt log names another port: delivering it to the UART would hide that.
      throw new RrvmError(
        'log.device',
        `CHAR_READ at icount ${machine.icount} names serial port ${payload.port}, but the log's header lists only the uart16550 at port ${SERIAL_PORT}`,
      );
    }
    const taken = machine.deliverSerial(payload.bytes);
    return taken === 0 ? null : { port: payload.port, bytes: payload.bytes.subarray(0, taken) };
  },
  rest: (payload, accepted) => (accepted.bytes.length < payload.bytes.length ? { port: payload.port, bytes: payload.bytes.subarray(accepted.bytes.length) } : null),
  merge: (first: Serial, second: Serial) => ({ port: first.port, bytes: Buffer.concat([first.bytes, second.bytes]) }),
  shortfall: (payload, accepted) => `the UART accepted ${accepted?.bytes.length ?? 0} of ${payload.bytes.length} bytes`,
  describe: describePayload,
  device: { kind: 'uart16550', port: SERIAL_PORT },
};
