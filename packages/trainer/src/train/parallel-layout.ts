// The shared-memory layout between the training loop and its data-parallel gradient workers.

export interface SharedBuffers {
  /** The normalized training data, samples × features float32. */
  data: SharedArrayBuffer;
  /** The current parameters, float32, written by the main thread before each step. */
  params: SharedArrayBuffer;
  /** The batch's row indices (uint32); each shard is a range of it. */
  rows: SharedArrayBuffer;
  /** One gradient per shard, float32, shard-major. */
  gradients: SharedArrayBuffer;
  /** One mean loss per shard, float64. */
  losses: SharedArrayBuffer;
  /** Int32 control words, indexed by CONTROL. */
  control: SharedArrayBuffer;
}

export const CONTROL = {
  /** Step counter: workers wait for it to change; -1 tells them to exit. */
  step: 0,
  /** Shards finished in the current step. */
  done: 1,
  /** Set to 1 by a worker whose step failed (its error goes to the main thread as a message). */
  failed: 2,
  /** From here, (start, count) of each shard's rows in the batch. */
  shards: 3,
} as const;
