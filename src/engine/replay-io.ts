import type { SnapshotIo } from '../../codecs/index.js';
import { BlockIo, type Drive, type PendingBlock, type SavedBlockIo } from './block-io.js';
import { Deferrals, type SavedDeferrals } from './deferrals.js';
import type { FamilyIo } from './families/event-family.js';
import { NetIo, type SavedNetIo } from './net-io.js';
import { AudioIo } from './audio-io.js';
import type { AudioWav } from '../../streams/taps/audio-wav.js';

/** The engine's I/O state kept with a snapshot: block requests in flight, disks' writes, pending BHs. */
export interface SavedIo {
  /** Null without drives. */
  readonly blocks: SavedBlockIo | null;
  readonly deferrals: SavedDeferrals;
  readonly net: SavedNetIo;
}

/**
 * The I/O of a replay: block requests redone from `drives` (none: no block I/O), BHs run from
 * the log, transmitted frames handed to `onNetTx` only (the network backend is detached),
 * played audio into `audioOut`.
 */
export function replayIo(drives: readonly Drive[], onNetTx?: (netdev: number, frame: Uint8Array) => void, audioOut?: AudioWav): FamilyIo {
  return {
    blocks: drives.length === 0 ? null : new BlockIo(drives, false),
    deferrals: new Deferrals(false),
    net: new NetIo(null, onNetTx),
    ...(audioOut === undefined ? {} : { audio: new AudioIo(null, audioOut) }),
  };
}

/** The I/O state a snapshot keeps. */
export function saveIo(io: FamilyIo): SavedIo {
  return { blocks: io.blocks?.save() ?? null, deferrals: io.deferrals.save(), net: io.net.save() };
}

/** Returns `io` to a state `saveIo` returned. */
export function restoreIo(io: FamilyIo, saved: SavedIo): void {
  if (saved.blocks !== null) io.blocks?.restore(saved.blocks);
  io.deferrals.restore(saved.deferrals);
  io.net.restore(saved.net);
}

/** `saved` as a snapshot file holds it (plain data). */
export function snapshotIoOf(saved: SavedIo): SnapshotIo {
  const blocks = saved.blocks;
  return {
    nextBh: saved.deferrals.nextId,
    bhs: [...saved.deferrals.pending].map(([id, bh]) => [id, bh.owner, bh.tag]),
    blocks: blocks === null ? [] : [...blocks.pending].map(([number, b]) => ({ number, drive: b.drive, request: b.request, data: b.data ?? null })),
    disks: blocks === null ? [] : blocks.disks.map((memory) => [...memory]),
  };
}

/** A snapshot file's I/O state for a replay with `driveCount` drives; null when it cannot be (another board). */
export function savedIoFrom(io: SnapshotIo, driveCount: number): SavedIo | null {
  if (io.disks.length !== driveCount || io.blocks.some((b) => b.drive >= driveCount)) return null;
  const pending = new Map<number, PendingBlock>();
  for (const b of io.blocks) pending.set(b.number, b.data === null ? { drive: b.drive, request: b.request } : { drive: b.drive, request: b.request, data: b.data });
  return {
    blocks: driveCount === 0 ? null : { pending, disks: io.disks.map((writes) => new Map(writes)) },
    deferrals: { nextId: io.nextBh, pending: new Map(io.bhs.map(([id, owner, tag]) => [id, { owner, tag }])) },
    // A file holds no frame count: frames sent before the snapshot are never handed on again anyway.
    net: { sent: 0 },
  };
}
