import { encodeSnapshot, MAX_EVENT_BYTES, type LogHeader, type SnapshotRecord } from '../../codecs/index.js';
import { RrvmError } from '../core/rrvm-error.js';
import { snapshotIdentity } from './snapshot-file.js';

/** Bytes a SNAPSHOT event adds around its data (tag, icount delta, bin header, array header). */
const EVENT_OVERHEAD_BYTES = 32;

/**
 * `record` encoded for a SNAPSHOT event of the log with `header`, where the event after it has
 * `nextSeq` (the position a replay restored from it goes on at). Throws RrvmError
 * `log.snapshot` when it is too big for one event of the log.
 */
export function encodeStoredSnapshot(record: SnapshotRecord, header: LogHeader, nextSeq: number): Uint8Array {
  const data = encodeSnapshot({ ...record, identity: snapshotIdentity(header), seq: nextSeq });
  if (data.length + EVENT_OVERHEAD_BYTES > MAX_EVENT_BYTES) {
    const mib = (n: number): string => (n / 2 ** 20).toFixed(1);
    throw new RrvmError('log.snapshot', `the machine state at icount ${record.icount} takes ${mib(data.length)} MiB encoded, more than one log event may hold (${mib(MAX_EVENT_BYTES)} MiB)`);
  }
  return data;
}
