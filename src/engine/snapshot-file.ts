import type { LogHeader, SnapshotIdentity, SnapshotRecord } from '../../codecs/index.js';
import { RrvmError } from '../core/rrvm-error.js';
import type { ReplayMode } from './replay-mode.js';
import { restoreIo, saveIo, savedIoFrom, snapshotIoOf } from './replay-io.js';
import type { Session } from './session.js';

/** The identity a snapshot of a replay of the log with `header` carries. */
export function snapshotIdentity(header: LogHeader): SnapshotIdentity {
  return { elfSha256: header.elfSha256, logCreatedAt: header.createdAt, ramBytes: header.ramBytes, icountShift: header.icountShift };
}

/** The current state of a replay as a snapshot record (for a file). */
export function snapshotRecordOf(session: Session, mode: ReplayMode, header: LogHeader): SnapshotRecord {
  const saved = session.save();
  const position = mode.save();
  return {
    identity: snapshotIdentity(header),
    icount: session.machine.icount,
    seq: position.seq,
    stop: position.stop,
    output: saved.output,
    consoleBytes: saved.consoleBytes,
    machine: saved.machine,
    io: snapshotIoOf(saveIo(mode.io)),
  };
}

/**
 * Puts a replay at a snapshot's point: machine, engine I/O (block requests, disk writes, BHs),
 * console hash and log position. Console output
 * before that point counts as shown. Refuses (`snapshot.mismatch`) a snapshot of another recording.
 */
export function restoreSnapshotRecord(record: SnapshotRecord, session: Session, mode: ReplayMode, header: LogHeader, name: string): void {
  const want = snapshotIdentity(header);
  const have = record.identity;
  if (have.elfSha256 !== want.elfSha256 || have.logCreatedAt !== want.logCreatedAt || have.ramBytes !== want.ramBytes || have.icountShift !== want.icountShift) {
    throw new RrvmError(
      'snapshot.mismatch',
      `${name} was taken from another recording (made ${have.logCreatedAt} of ELF ${have.elfSha256.slice(0, 16)}…; this log was made ${want.logCreatedAt} of ELF ${want.elfSha256.slice(0, 16)}…)`,
    );
  }
  const io = savedIoFrom(record.io, header.disks.length);
  if (io === null) throw new RrvmError('snapshot.mismatch', `${name} holds the state of ${record.io.disks.length} disk(s); this recording has ${header.disks.length}`);
  session.restore({ machine: record.machine, output: record.output, consoleBytes: record.consoleBytes });
  restoreIo(mode.io, io);
  mode.restore({ seq: record.seq, stop: record.stop });
  session.markConsoleShown();
}
