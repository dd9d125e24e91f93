// A data-parallel gradient worker (see parallel.ts): runs its own TensorFlow.js backend on one core and,
// each time the main thread bumps the step counter, computes the loss and gradient of its shard of the
// batch into shared memory.

import { parentPort, workerData } from 'node:worker_threads';
import type { LayerSpec } from '../models/dense-ae.ts';
import { type BackendChoice, initTensorflow, tfjs } from './engine.ts';
import { lossAndGradient, uploadLayers } from './network.ts';
import { CONTROL, type SharedBuffers } from './parallel-layout.ts';

interface WorkerData extends SharedBuffers {
  index: number;
  layers: LayerSpec[];
  features: number;
  backend: BackendChoice;
  rateStep?: number;
}

const setup = workerData as WorkerData;
await initTensorflow({ backend: setup.backend, log: () => {} });
const tf = tfjs();
const control = new Int32Array(setup.control);
const data = new Float32Array(setup.data);
const params = new Float32Array(setup.params);
const rows = new Uint32Array(setup.rows);
const size = params.length;
const gradient = new Float32Array(setup.gradients, setup.index * size * 4, size);
const losses = new Float64Array(setup.losses);
const { features, layers, index } = setup;
parentPort!.postMessage('ready');

let seen = 0;
for (;;) {
  Atomics.wait(control, CONTROL.step, seen);
  seen = Atomics.load(control, CONTROL.step);
  if (seen < 0) break;
  const start = control[CONTROL.shards + 2 * index]!;
  const count = control[CONTROL.shards + 2 * index + 1]!;
  // A worker left idle this step (the batch was too small to split this far) just reports in.
  if (count > 0) computeShard(start, count);
  Atomics.add(control, CONTROL.done, 1);
  Atomics.notify(control, CONTROL.done);
}
parentPort!.close();

function computeShard(start: number, count: number): void {
  try {
    const batch = new Float32Array(count * features);
    for (let b = 0; b < count; b++) {
      const row = rows[start + b]!;
      batch.set(data.subarray(row * features, (row + 1) * features), b * features);
    }
    const [loss, grad] = tf.tidy(() => {
      const x = tf.tensor2d(batch, [count, features]);
      const options = setup.rateStep === undefined ? {} : { rateStep: setup.rateStep };
      const r = lossAndGradient(uploadLayers(params, layers), layers, x, x, options);
      return [r.loss, r.gradient];
    });
    gradient.set(grad!.dataSync() as Float32Array);
    losses[index] = loss!.dataSync()[0]!;
    tf.dispose([loss!, grad!]);
  } catch (error) {
    Atomics.store(control, CONTROL.failed, 1);
    parentPort!.postMessage({ error: String((error as Error)?.stack ?? error) });
  }
}
