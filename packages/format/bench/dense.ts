// Throughput of the canonical decoding kernels (src/model/canonical.ts: WebAssembly SIMD and plain JS) on
// Baler's two decoder shapes, next to onnxruntime-node (native) and onnxruntime-web (WebAssembly) running
// the same exported ONNX.
// onnxruntime and the exporter come from the workspace (@baler/trainer's dev dependencies); the format
// package itself depends on neither, so both are loaded dynamically and skipped when missing.
// Run: node --import tsx packages/format/bench/dense.ts
import { denseNetworkFlops, runDenseNetwork } from '../src/model/canonical.ts';
import type { Activation, DenseNetwork } from '../src/model/dense-network.ts';
import { parseDenseOnnx } from '../src/model/onnx.ts';
import { randomDenseNetwork } from '../src/testing.ts';

const ANCHORS = { 'plain JS': 1.2, 'onnxruntime-node': 57, 'onnxruntime-web (wasm)': 20 };
const SHAPES = [
  [13, 50, 100, 200, 26],
  [25, 50, 100, 200, 2500],
];
const BATCHES = [60, 1024];
const MIN_SECONDS = 1;

interface OrtLike {
  InferenceSession: {
    create(
      model: Uint8Array,
      options?: object,
    ): Promise<{
      run(feeds: object): Promise<Record<string, { data: unknown }>>;
      release(): Promise<void>;
    }>;
  };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => object;
  env?: { wasm?: { numThreads?: number } };
}

/** Baler's decoder shapes with leaky-relu hidden layers and a linear output, seeded. */
function network(shape: number[]): DenseNetwork {
  const activations: Activation[] = [...shape.slice(2).map(() => 'leaky-relu' as const), 'linear'];
  return randomDenseNetwork(shape, activations, 1);
}

/** Best-of-rounds seconds per call, after a warm-up, running at least MIN_SECONDS in all. */
async function secondsPerCall(call: () => unknown): Promise<number> {
  for (let k = 0; k < 3; k++) await call();
  let best = Number.POSITIVE_INFINITY;
  const start = performance.now();
  while (performance.now() - start < MIN_SECONDS * 1000) {
    const t0 = performance.now();
    const reps = 5;
    for (let k = 0; k < reps; k++) await call();
    best = Math.min(best, (performance.now() - t0) / 1000 / reps);
  }
  return best;
}

async function optional<T>(specifier: string): Promise<T | undefined> {
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    console.log(`(${specifier} not available: ${(error as Error).message.split('\n')[0]})`);
    return undefined;
  }
}

const exporter = await optional<{ denseNetworkToOnnx(n: DenseNetwork): Uint8Array }>(
  '../../trainer/src/onnx/to-onnx.ts',
);
const ortNode = await optional<OrtLike>('onnxruntime-node');
const ortWeb = await optional<OrtLike>('onnxruntime-web');
if (ortWeb?.env?.wasm) ortWeb.env.wasm.numThreads = 1;

console.log('dense decoder throughput, GFLOP/s (2 flops per weight per row; best of rounds)');
console.log(
  `anchors: plain JS ≈ ${ANCHORS['plain JS']}, onnxruntime-node ≈ ${ANCHORS['onnxruntime-node']}, wasm SIMD ≈ ${ANCHORS['onnxruntime-web (wasm)']}`,
);
for (const shape of SHAPES) {
  const net = network(shape);
  const onnx = exporter?.denseNetworkToOnnx(net);
  if (onnx) parseDenseOnnx(onnx); // the exported bytes are what a decoder reads
  for (const batch of BATCHES) {
    const input = Float32Array.from({ length: batch * shape[0]! }, (_, k) => Math.sin(k));
    const flops = denseNetworkFlops(net) * batch;
    const rows: [string, number, number][] = [];
    const canonical = runDenseNetwork(net, input, batch);
    const js = runDenseNetwork(net, input, batch, { kernel: 'js' });
    const simdDiffers = js.some((v, k) => !Object.is(v, canonical[k]));
    rows.push([
      'canonical, WebAssembly SIMD',
      await secondsPerCall(() => runDenseNetwork(net, input, batch)),
      0,
    ]);
    rows.push([
      'canonical, plain JS',
      await secondsPerCall(() => runDenseNetwork(net, input, batch, { kernel: 'js' })),
      simdDiffers ? 1 : 0,
    ]);
    const engines: [string, OrtLike | undefined, object][] = [
      ['onnxruntime-node', ortNode, {}],
      ['onnxruntime-node, 1 thread', ortNode, { intraOpNumThreads: 1 }],
      ['onnxruntime-web (wasm)', ortWeb, { executionProviders: ['wasm'] }],
    ];
    for (const [name, ort, options] of engines) {
      if (!ort || !onnx) continue;
      const session = await ort.InferenceSession.create(onnx, options);
      const feeds = { latent: new ort.Tensor('float32', input, [batch, shape[0]!]) };
      const out = (await session.run(feeds)).output!.data as Float32Array;
      let differ = 0;
      for (let k = 0; k < out.length; k++) if (out[k] !== canonical[k]) differ++;
      rows.push([name, await secondsPerCall(() => session.run(feeds)), differ / out.length]);
      await session.release();
    }
    for (const [name, seconds, differ] of rows) {
      const gflops = flops / seconds / 1e9;
      const note = !name.startsWith('canonical')
        ? `${(differ * 100).toFixed(1)}% of values differ from canonical`
        : differ
          ? 'MISMATCH between the SIMD and JS kernels'
          : 'bit-exact (canonical)';
      console.log(
        `${shape.join('-').padEnd(20)} batch ${String(batch).padStart(4)}  ${name.padEnd(28)} ${gflops.toFixed(2).padStart(7)} GFLOP/s  ${(seconds * 1e3).toFixed(3).padStart(9)} ms/call  ${note}`,
      );
    }
  }
}
