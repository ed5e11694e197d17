/** Kind of a block request as the backend sees it (virtio-blk IN, OUT, FLUSH, GET_ID). */
export type BlockRequestType = 'read' | 'write' | 'flush' | 'get-id';

/** One block request started by a virtio-blk device; its completion comes back by `id`. */
export interface BlockRequest {
  /** Device-assigned, deterministic (a counter in the device's saved state). */
  readonly id: number;
  readonly type: BlockRequestType;
  /** First 512-byte sector (0 for flush and get-id). */
  readonly sector: number;
  /** Bytes to read or write (a multiple of 512); for get-id the bytes wanted (at most 20); 0 for flush. */
  readonly length: number;
  /** The bytes to write (a copy taken from guest memory when the request started); only for `write`. */
  readonly data?: Uint8Array;
}

/**
 * Where a virtio-blk device sends its I/O (DESIGN §7). `start` only starts the request: the
 * result is handed back later through `VirtioBlk.complete(id, status, data)`, which in record
 * mode happens when the BLOCK_DONE event is applied at a checkpoint. A synchronous backend may
 * call `complete` from inside `start`: the request is already pending then.
 */
export interface BlockBackend {
  /** Starts `request`; called synchronously from the guest's queue notification. */
  start(request: BlockRequest): void;
}
