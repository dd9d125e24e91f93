// Data-parallel training across cores: each step's batch is cut into one contiguous shard per thread;
// this thread computes the first shard while worker threads (each with its own TensorFlow.js backend)
// compute the others, all reading the data and the parameters from shared memory. The batch gradient is
// the shard gradients weighted by shard size, summed in a fixed order, so a run stays reproducible for a
// given seed and thread count (though not bit-identical to a run with another thread count).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DenseModel } from '../models/dense-ae.ts';
import type { BackendChoice } from './engine.ts';
import { CONTROL, type SharedBuffers } from './parallel-layout.ts';

/** Computes the loss and gradient of `count` samples of `batch` on this thread. */
export type LocalGradient = (batch: Float32Array, count: number) => { loss: number; gradient: Float32Array };

/** Fewest samples worth sending to a thread of their own. */
export const MIN_SHARD = 64;

export class GradientPool {
  private constructor(
    private readonly workers: Worker[],
    private readonly buffers: SharedBuffers,
    private readonly features: number,
    private readonly data: Float32Array,
  ) {}

  /** Starts `threads − 1` workers for `model` on `data` (normalized samples × inputs). */
  static async start(
    threads: number,
    model: DenseModel,
    data: Float32Array,
    maxBatch: number,
    backend: BackendChoice,
    rateStep?: number,
  ): Promise<GradientPool> {
    const size = model.params.length;
    const workerCount = threads - 1;
    const buffers: SharedBuffers = {
      data: new SharedArrayBuffer(data.byteLength),
      params: new SharedArrayBuffer(size * 4),
      rows: new SharedArrayBuffer(maxBatch * 4),
      gradients: new SharedArrayBuffer(size * 4 * workerCount),
      losses: new SharedArrayBuffer(8 * workerCount),
      control: new SharedArrayBuffer(4 * (CONTROL.shards + 2 * workerCount)),
    };
    const shared = new Float32Array(buffers.data);
    shared.set(data);
    const url = new URL(
      `./gradient-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
      import.meta.url,
    );
    const workers = Array.from({ length: workerCount }, (_, index) => {
      const workerData = {
        ...buffers,
        index,
        layers: model.layers,
        features: model.config.inputs,
        backend,
        ...(rateStep === undefined ? {} : { rateStep }),
      };
      return url.pathname.endsWith('.ts')
        ? new Worker(typescriptEntry(url), { eval: true, workerData })
        : new Worker(url, { workerData });
    });
    for (const worker of workers) {
      worker.on('message', (message: { error?: string }) => {
        if (message?.error) console.error(`baler: gradient worker: ${message.error}`);
      });
    }
    const ready = Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            worker.once('message', () => resolve());
            worker.once('error', reject);
            worker.once('exit', (code) =>
              reject(new Error(`gradient worker exited with code ${code} before starting`)),
            );
          }),
      ),
    );
    try {
      await ready;
    } catch (error) {
      await Promise.all(workers.map((worker) => worker.terminate()));
      throw error;
    }
    return new GradientPool(workers, buffers, model.config.inputs, shared);
  }

  /**
   * The mean loss and gradient over the samples `rows` (indices into the data), the first shard computed
   * here by `local`, the others by the workers.
   */
  compute(
    params: Float32Array,
    rows: Uint32Array,
    local: LocalGradient,
  ): { loss: number; gradient: Float32Array } {
    const control = new Int32Array(this.buffers.control);
    const count = rows.length;
    // Small shards make slow matrix products and the exchange costs more than it saves (measured: the
    // CFD model's batch of 60 trains slower on two threads than on one), so small batches stay here.
    const parts = Math.max(1, Math.min(this.workers.length + 1, Math.floor(count / MIN_SHARD)));
    if (parts === 1) return local(this.gather(rows), count);
    const bounds = Array.from({ length: parts + 1 }, (_, i) => Math.round((i * count) / parts));
    new Float32Array(this.buffers.params).set(params);
    new Uint32Array(this.buffers.rows).set(rows);
    const active = parts - 1;
    for (let w = 0; w < this.workers.length; w++) {
      control[CONTROL.shards + 2 * w] = w < active ? bounds[w + 1]! : 0;
      control[CONTROL.shards + 2 * w + 1] = w < active ? bounds[w + 2]! - bounds[w + 1]! : 0;
    }
    Atomics.store(control, CONTROL.done, 0);
    Atomics.add(control, CONTROL.step, 1);
    Atomics.notify(control, CONTROL.step);

    const own = bounds[1]!;
    const first = local(this.gather(rows.subarray(0, own)), own);
    for (;;) {
      const done = Atomics.load(control, CONTROL.done);
      if (done >= this.workers.length) break;
      if (Atomics.wait(control, CONTROL.done, done, 60_000) === 'timed-out') {
        throw new Error('a gradient worker did not answer within 60 s');
      }
    }
    if (Atomics.load(control, CONTROL.failed) !== 0)
      throw new Error('a gradient worker failed (see its message above)');
    const size = params.length;
    const gradient = new Float32Array(size);
    const losses = new Float64Array(this.buffers.losses);
    let loss = (first.loss * own) / count;
    const weight0 = own / count;
    for (let i = 0; i < size; i++) gradient[i] = first.gradient[i]! * weight0;
    for (let w = 0; w < active; w++) {
      const n = bounds[w + 2]! - bounds[w + 1]!;
      const weight = n / count;
      const part = new Float32Array(this.buffers.gradients, w * size * 4, size);
      for (let i = 0; i < size; i++) gradient[i] = gradient[i]! + part[i]! * weight;
      loss += losses[w]! * weight;
    }
    return { loss, gradient };
  }

  private gather(rows: Uint32Array): Float32Array {
    const features = this.features;
    const batch = new Float32Array(rows.length * features);
    rows.forEach((row, b) => {
      batch.set(this.data.subarray(row * features, (row + 1) * features), b * features);
    });
    return batch;
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    const control = new Int32Array(this.buffers.control);
    Atomics.store(control, CONTROL.step, -1);
    Atomics.notify(control, CONTROL.step);
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

// In the workspace the worker is TypeScript: a small script registers tsx (which the CLI and benches
// run on) in the worker, then imports it.
function typescriptEntry(url: URL): string {
  // The ESM build of tsx's API, as its package exports name it (require.resolve would give the CJS one).
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const exports = JSON.parse(readFileSync(manifest, 'utf8')).exports['./esm/api'].import.default as string;
  const tsx = pathToFileURL(join(dirname(manifest), exports)).href;
  return `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
}
