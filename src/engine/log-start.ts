import type { LogReader } from '../../codecs/index.js';
import { RrvmError } from '../core/rrvm-error.js';

/** A snapshot to start a replay from: its encoded bytes and a name for errors. */
export interface StartSnapshot {
  bytes: Uint8Array;
  name: string;
}

/**
 * Where a replay of `reader`'s log starts: null for a recording (the machine at reset), or the
 * SNAPSHOT its first event holds for a log written by `rrvm cut` (header key `cut`). Throws
 * RrvmError `log.cut` when a cut log does not start with that SNAPSHOT.
 */
export function logStartSnapshot(reader: LogReader): StartSnapshot | null {
  const cut = reader.header.cut;
  if (cut === undefined) return null;
  const first = reader.eventChunksFromSeq(0).next();
  const e = first.done === true ? undefined : first.value[0];
  if (e?.kind !== 'SNAPSHOT' || e.seq !== 0 || e.icount !== cut.fromIcount) {
    throw new RrvmError('log.cut', `${reader.name}: a cut log must start with a SNAPSHOT at icount ${cut.fromIcount}; it starts with ${e === undefined ? 'no event' : `${e.kind} at icount ${e.icount}`}`);
  }
  return { bytes: e.data, name: `${reader.name} (snapshot at icount ${cut.fromIcount})` };
}
