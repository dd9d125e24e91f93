// A file whose values are predicted by a decoder network it carries: decoded within its bound by the
// canonical engine, and its decoder.onnx runs in onnxruntime on the file's own latents with matching output.

import { onnxRuntimeEngine, openBytes } from '@baler/decoder';
import type { DecoderInfo, DecoderPlan, DenseNetwork, Table } from '@baler/format';
import {
  bytesSource,
  findSections,
  MemorySink,
  openBaler,
  parseDenseOnnx,
  readSection,
  runDenseNetwork,
  runWithEngineBound,
  SECTION_KIND,
  writeDatasetPieces,
} from '@baler/format';
import { datasetPieces, denseNetworkToOnnx, engineSafeCandidate } from '@baler/trainer';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';

function seeded(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const random = seeded(7);
const layer = (inputs: number, outputs: number, activation: 'leaky-relu' | 'linear') => ({
  inputs,
  outputs,
  weight: Float32Array.from({ length: inputs * outputs }, () => random() - 0.5),
  bias: Float32Array.from({ length: outputs }, () => random() - 0.5),
  activation,
  alpha: 0.01,
});
const network: DenseNetwork = { layers: [layer(3, 16, 'leaky-relu'), layer(16, 5, 'linear')] };
const info: DecoderInfo = { latent: 3, latentStep: 0.02, outputs: 5 };
const rows = 3000;
const codes = Int32Array.from({ length: rows * 3 }, () => Math.round((random() - 0.5) * 100));
const latentValues = Float32Array.from(codes, (q) => q * info.latentStep);
const clean = runDenseNetwork(network, latentValues, rows);
// Data the network explains up to small noise: a case where the learned model earns its bytes.
const table: Table = {
  kind: 'table',
  rowCount: rows,
  columns: Array.from({ length: 5 }, (_, j) => ({
    name: `c${j}`,
    dtype: 'float64' as const,
    data: Float64Array.from({ length: rows }, (_, r) => clean[r * 5 + j]! + (random() - 0.5) * 0.01),
  })),
  attributes: {},
};
const bound = { kind: 'abs' as const, value: 1e-3 };
const tolerance = { absolute: 1e-3, relative: 0 };
const planWith = (predictor: object) =>
  table.columns.map(() => ({
    method: { name: 'quantized', domain: 'linear', step: 2e-3, predictor } as never,
    bound,
    tolerance,
  }));

const decoder: DecoderPlan = {
  onnx: denseNetworkToOnnx(network),
  info,
  latents: (_piece, chunk) => codes.subarray(chunk * 3000, (chunk + 1) * 3000),
};
const modelPlans = table.columns.map(
  (_, j) => planWith({ name: 'model', output: j, scale: 1, offset: 0 })[j]!,
);

async function write(predicted: boolean, anyEngine = false): Promise<Uint8Array> {
  const sink = new MemorySink();
  const source = datasetPieces(table);
  const learned = anyEngine
    ? await engineSafeCandidate({ plans: modelPlans, decoder }, firstRows(1000))
    : { plans: modelPlans, decoder };
  const plans = predicted ? learned.plans : planWith({ name: 'constant', value: 0 });
  await writeDatasetPieces(source.header, source.pieces(1000), sink, plans, {
    ...(predicted ? { decoder: learned.decoder } : {}),
  });
  return sink.bytes();
}

function firstRows(count: number): Table {
  return {
    ...table,
    rowCount: count,
    columns: table.columns.map((c) => ({ ...c, data: (c.data as Float64Array).subarray(0, count) })),
  };
}

function worstError(decoded: Table): number {
  let worst = 0;
  table.columns.forEach((column, j) => {
    const back = decoded.columns[j]!.data as Float64Array;
    const original = column.data as Float64Array;
    for (let r = 0; r < rows; r++) worst = Math.max(worst, Math.abs(back[r]! - original[r]!));
  });
  return worst;
}

describe('a file that carries its decoder network', () => {
  it('decodes within its bound, and the model earns its bytes on data it explains', async () => {
    const bytes = await write(true);
    const reader = await openBytes(bytes);
    expect(worstError((await reader.read()) as Table)).toBeLessThanOrEqual(1e-3);
    expect(reader.info.sections.find((s) => s.kind === 'model')?.sections).toBe(1);
    expect(reader.info.sections.find((s) => s.kind === 'latents')?.sections).toBe(3);
    expect(bytes.length).toBeLessThan((await write(false)).length);
  });

  it('keeps every bound when onnxruntime decodes a file written for any engine (decoder.anyOrder)', async () => {
    const bytes = await write(true, true);
    const engine = onnxRuntimeEngine(ort, { name: 'onnxruntime-node' });
    const reader = await openBytes(bytes, { engine });
    expect(reader.file.metadata.decoder?.anyOrder).toBe(true);
    expect(worstError((await reader.read()) as Table)).toBeLessThanOrEqual(1e-3);
    // The worst engine §11.4 allows: each output at the edge of its bound.
    for (const sign of [1, -1]) {
      const edge = {
        name: 'edge',
        canonical: false,
        run: async (model: Uint8Array, input: Float32Array, batch: number) => {
          const { out, bound: slack } = runWithEngineBound(parseDenseOnnx(model), input, batch);
          return out.map((v, k) => v + sign * (k % 2 ? 1 : -1) * slack[k]!);
        },
      };
      expect(
        worstError((await (await openBytes(bytes, { engine: edge })).read()) as Table),
      ).toBeLessThanOrEqual(1e-3);
    }
    // Every read hands the engine the same model bytes, so an engine builds its session once per file.
    const models = new Set<Uint8Array>();
    const counting = {
      name: 'counting',
      canonical: false,
      run: async (model: Uint8Array, input: Float32Array, batch: number) => {
        models.add(model);
        return runDenseNetwork(parseDenseOnnx(model), input, batch);
      },
    };
    const twice = await openBytes(bytes, { engine: counting });
    await twice.read();
    await twice.read({ start: 0, end: 10 });
    expect(models.size).toBe(1);
    // Room for the engines costs little here; a file written for the canonical kernels only refuses them.
    const strict = await write(true);
    expect(bytes.length).toBeLessThan(strict.length * 1.05);
    await expect((await openBytes(strict, { engine })).read()).rejects.toMatchObject({ _tag: 'Unsupported' });
  });

  it('runs the carried decoder.onnx in onnxruntime on the file’s latents, matching the canonical output', async () => {
    const file = await openBaler(bytesSource(await write(true)));
    const [model] = findSections(file, SECTION_KIND.model);
    const onnx = await readSection(file, model!);
    expect(onnx).toEqual(denseNetworkToOnnx(network));
    const session = await ort.InferenceSession.create(onnx);
    const z = latentValues.subarray(0, 1000 * 3);
    const result = await session.run({ latent: new ort.Tensor('float32', z, [1000, 3]) });
    const ours = runDenseNetwork(network, z, 1000);
    const theirs = result.output!.data as Float32Array;
    for (let i = 0; i < ours.length; i++)
      expect(Math.abs(theirs[i]! - ours[i]!)).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(ours[i]!));
  });
});
