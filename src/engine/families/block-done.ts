import type { BlockRequest } from '../../machine/devices/virtio/block-backend.js';
import { MAX_DRIVES } from '../block-io.js';
import type { PushFamily } from './event-family.js';
import { describePayload } from './describe-payload.js';

/**
 * BLOCK_DONE: a block request completed. The machine starts the request through the
 * `blockIo` port; live, the host I/O runs asynchronously and its completion is captured here;
 * the data reach the guest only when the event is applied (in replay the I/O is redone then).
 */
export const blockDoneFamily: PushFamily<'BLOCK_DONE', { request: number; status: number }> = {
  kind: 'BLOCK_DONE',
  direction: 'push',
  capture: (done) => ({ family: blockDoneFamily, payload: done }),
  apply: (machine, payload, io) => (io.blocks !== null && io.blocks.complete(machine, payload.request, payload.status) ? payload : null),
  rest: () => null,
  merge: () => null,
  shortfall: (payload) =>
    `no drive issued block request ${payload.request} (drive ${payload.request % MAX_DRIVES}, id ${Math.floor(payload.request / MAX_DRIVES)})`,
  describe: describePayload,
  device: null,
  port: 'blockIo',
  start: (io, [drive, request]) => io.blocks?.start(drive as number, request as BlockRequest),
};
