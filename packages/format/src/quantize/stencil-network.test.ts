import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Field } from '../dataset.ts';
import { isBalerError } from '../errors.ts';
import { bytesSource, MemorySink } from '../io.ts';
import { SECTION_KIND } from '../layout.ts';
import type { BalerMetadata, FieldMetadata } from '../metadata.ts';
import { validateMetadata } from '../metadata.ts';
import { runDenseNetwork } from '../model/canonical.ts';
import { parseDenseOnnx } from '../model/onnx.ts';
import { findSections, openBaler } from '../reader.ts';
import type { StreamPlan } from '../storage.ts';
import { readDataset, writeDataset } from '../storage.ts';
import { fixtureStencilOffsets, randomDenseNetwork, seededRandom } from '../testing.ts';
import type { PredictorSpec } from './predictors.ts';
import { BlockPredictor, validatePredictor } from './predictors.ts';

// The committed 5 → 6 tanh → 1 network (trainer's conformance.ts writes it).
const onnx = new Uint8Array(readFileSync(new URL('../model/testdata/stencil-network.onnx', import.meta.url)));
const network = parseDenseOnnx(onnx);
const offsets = fixtureStencilOffsets();
const spec = {
  name: 'stencil-network' as const,
  offsets,
  weights: [1, 1, -1, 0.25, -0.125],
  inputOffset: 0.5,
  inputScale: 3,
  outputScale: 0.01,
};

/** A smooth wave over frames × rows × cols with a little noise. */
function waveField(shape: number[], seed = 5): Field {
  const random = seededRandom(seed);
  const [frames, rows, cols] = shape as [number, number, number];
  const data = new Float64Array(frames * rows * cols);
  for (let t = 0; t < frames; t++)
    for (let y = 0; y < rows; y++)
      for (let x = 0; x < cols; x++)
        data[(t * rows + y) * cols + x] = Math.sin(0.3 * x + 0.2 * y + 0.1 * t) + (random() - 0.5) * 0.002;
  return { kind: 'field', shape, dtype: 'float64', data, attributes: {} };
}

function plan(predictor: object): StreamPlan {
  return {
    method: { name: 'quantized', domain: 'linear', step: 2e-3 * (1 - 2 ** -30), predictor } as never,
    bound: { kind: 'abs', value: 1e-3 },
    tolerance: { absolute: 1e-3, relative: 0 },
  };
}

async function writeField(field: Field, predictor: object, stencilNetwork?: Uint8Array): Promise<Uint8Array> {
  const sink = new MemorySink();
  await writeDataset(field, sink, [plan(predictor)], {
    chunkRows: 3,
    ...(stencilNetwork ? { stencilNetwork } : {}),
  });
  return sink.bytes();
}

describe('the stencil-network predictor (SPEC.md §7.2.1)', () => {
  it('predicts the stencil sum plus outputScale × the network on the scaled neighbours, Lorenzo at edges', () => {
    const shape = [3, 4, 5];
    const random = seededRandom(8);
    const working = Float64Array.from({ length: 60 }, () => random() * 4 - 2);
    const predictor = new BlockPredictor(spec, shape, undefined, network);
    const strides = [20, 5, 1];
    const at = (t: number, y: number, x: number) => {
      predictor.startRow(Int32Array.from([t, y]));
      return predictor.at(working, t * 20 + y * 5 + x, x);
    };
    // Interior point (1, 1, 2): every offset inside.
    const i = 20 + 5 + 2;
    const neighbours = offsets.map((o) => working[i + o.reduce((n, v, d) => n + v * strides[d]!, 0)]!);
    let linear = 0;
    neighbours.forEach((w, k) => {
      linear += spec.weights[k]! * w;
    });
    const input = Float32Array.from(neighbours, (w) => (w - spec.inputOffset) * spec.inputScale);
    const expected = linear + spec.outputScale * runDenseNetwork(network, input, 1, { kernel: 'js' })[0]!;
    expect(at(1, 1, 2)).toBe(expected);
    expect(at(1, 1, 2)).not.toBe(linear);
    // x = 1 lacks the offset [0, 0, −2]: the 3-D Lorenzo sum.
    const lorenzo =
      working[i - 1 - 1]! +
      working[i - 5 - 1]! -
      working[i - 5 - 1 - 1]! +
      working[i - 20 - 1]! -
      working[i - 20 - 1 - 1]! -
      working[i - 20 - 5 - 1]! +
      working[i - 20 - 5 - 1 - 1]!;
    expect(at(1, 1, 1)).toBe(lorenzo);
    // With fallbacks, the first whose neighbours are all inside predicts instead, linearly.
    const fallbacks = [
      { offsets: [[-1, 0, 0]], weights: [0.5] }, // needs t ≥ 1: applies at (1, 1, 1)
      { offsets: [[0, 0, -1]], weights: [2] },
    ];
    const withFallbacks = new BlockPredictor({ ...spec, fallbacks }, shape, undefined, network);
    withFallbacks.startRow(Int32Array.from([1, 1]));
    expect(withFallbacks.at(working, i - 1, 1)).toBe(0.5 * working[i - 1 - 20]!);
    withFallbacks.startRow(Int32Array.from([0, 2]));
    expect(withFallbacks.at(working, 10 + 3, 3)).toBe(2 * working[10 + 2]!);
    expect(withFallbacks.at(working, 10, 0)).toBe(working[10 - 5]!); // none applies: Lorenzo (up)
    withFallbacks.startRow(Int32Array.from([1, 1]));
    expect(withFallbacks.at(working, i, 2)).toBe(expected); // the full stencil and its network first
  });

  it('round-trips a field within its bound, byte-identical twice, the network in one model section', async () => {
    const field = waveField([7, 9, 11]);
    const bytes = await writeField(field, spec, onnx);
    expect(await writeField(field, spec, onnx)).toEqual(bytes);
    const file = await openBaler(bytesSource(bytes));
    expect(findSections(file, SECTION_KIND.model).length).toBe(1);
    expect(file.metadata.decoder ?? null).toBeNull();
    const decoded = ((await readDataset(file)) as Field).data as Float64Array;
    let worst = 0;
    for (let i = 0; i < decoded.length; i++)
      worst = Math.max(worst, Math.abs(decoded[i]! - (field.data as Float64Array)[i]!));
    expect(worst).toBeLessThanOrEqual(1e-3);
    const rows = ((await readDataset(file, { rows: { start: 2, end: 5 } })) as Field).data as Float64Array;
    expect(Array.from(rows)).toEqual(Array.from(decoded.subarray(2 * 99, 5 * 99)));
    // The correction changes the residuals: another output scale writes other bytes.
    expect(await writeField(field, { ...spec, outputScale: 0.02 }, onnx)).not.toEqual(bytes);
  });

  it('rejects a missing or mismatched network and a decoder beside it with typed errors', async () => {
    const field = waveField([4, 5, 6]);
    const tagOf = async (bytes: Uint8Array, metadata?: (m: FieldMetadata) => object) => {
      const file = await openBaler(bytesSource(bytes));
      const meta = metadata ? (metadata(file.metadata as FieldMetadata) as BalerMetadata) : file.metadata;
      return readDataset({ ...file, metadata: meta }).then(
        () => 'ok',
        (e) =>
          isBalerError(e) ? `${e._tag} ${(e.fields as { what?: string }).what ?? ''}`.trim() : String(e),
      );
    };
    const stencil = { name: 'stencil', offsets, weights: spec.weights };
    const withPredictor = (predictor: object) => (m: FieldMetadata) => ({
      ...m,
      method: { ...m.method, predictor },
    });
    // A file without a model section whose metadata says stencil-network.
    const plain = await writeField(field, stencil);
    expect(await tagOf(plain, withPredictor(spec))).toMatch(/^MalformedSection/);
    // Four offsets for a network of five inputs.
    const four = { ...spec, offsets: offsets.slice(0, 4), weights: spec.weights.slice(0, 4) };
    expect(await tagOf(await writeField(field, spec, onnx), withPredictor(four))).toMatch(
      /^MalformedSection/,
    );
    // A predictor without offsets is refused before they would size the network (was a TypeError).
    const { offsets: _, ...noOffsets } = spec;
    expect(await tagOf(await writeField(field, spec, onnx), withPredictor(noOffsets))).toMatch(
      /^MalformedMetadata/,
    );
    // The writer refuses a second network, and the metadata a decoder beside a stencil network.
    const decoder = {
      onnx,
      info: { latent: 5, latentStep: 1, outputs: 1 },
      latents: () => new Int32Array(0),
    };
    await expect(
      writeDataset(field, new MemorySink(), [plan(spec)], { stencilNetwork: onnx, decoder }),
    ).rejects.toThrow(/one network/);
    const meta = (await openBaler(bytesSource(await writeField(field, spec, onnx)))).metadata;
    expect(() => validateMetadata({ ...meta, decoder: decoder.info })).toThrow(/stencil-network/);
    // A network that would cost more than 65,536 multiply-adds per value is refused before it runs.
    const huge = randomDenseNetwork([5, 14_000, 1], ['tanh', 'linear'], 1);
    expect(() => new BlockPredictor(spec, [3, 4, 5], undefined, huge)).toThrow(
      /84000 weights is more than 65536/,
    );
    const bad = (p: object) => () => validatePredictor(p, 3, '$.method.predictor');
    expect(bad({ ...spec, outputScale: Number.NaN })).toThrow(/inputOffset, inputScale and outputScale/);
    expect(bad({ ...spec, inputScale: undefined })).toThrow(/inputOffset, inputScale and outputScale/);
    expect(bad({ ...spec, offsets: [[0, 0, 1]], weights: [1] })).toThrow(/not before/);
    expect(bad({ ...spec, fallbacks: [{ offsets: [], weights: [] }] })).toThrow(
      /fallback 0 needs at least one/,
    );
    // Fallbacks come under their own name, which readers before 1.2 reject instead of ignoring them.
    expect(bad({ ...stencil, fallbacks: [{ offsets: [[0, 0, -1]], weights: [1] }] })).toThrow(
      /stencil-fallbacks/,
    );
    expect(bad({ ...stencil, name: 'stencil-fallbacks' })).toThrow(/needs fallbacks/);
    expect(bad({ ...spec, fallbacks: [{ offsets: [[0, 1, 0]], weights: [1] }] })).toThrow(
      /fallback 0 offset/,
    );
    expect(bad({ ...spec, fallbacks: new Array(17).fill({ offsets: [[0, 0, -1]], weights: [1] }) })).toThrow(
      /1 to 16/,
    );
    expect(validatePredictor(spec, 3, '$') satisfies PredictorSpec).toBe(spec);
  });
});
