import type { ReplayPosition } from './replay-mode.js';
import type { SavedIo } from './replay-io.js';
import type { SavedSession } from './session.js';

/**
 * A whole-machine snapshot taken during a replay: the session's state (machine, console hash)
 * and the replay's position in the log, as an event sequence number (a snapshot at icount N
 * may already have applied some of the events at N).
 */
export interface Snapshot {
  icount: number;
  session: SavedSession;
  replay: ReplayPosition;
  /** Block requests in flight, the disks' in-memory writes and pending BHs. */
  io: SavedIo;
}
