// The learned candidate for tables: a small autoencoder trained, within a time budget, on the working
// values of the first chunk (log2|x| for pointwise bounds, x otherwise; standardized). Its decoder
// network and each chunk's latents go into the file, and the columns' residuals are coded against its
// predictions. It competes with the classical plans in honest bytes, network and latents included.
import type { DecoderPlan, Field, NumericArray, StreamPlan, Table } from '@baler/format';
import { DataInputError } from '../io/errors.ts';
import { extractDecoder } from '../models/decoder.ts';
import type { LoadedModelDir } from '../models/model-dir.ts';
import { createModel } from '../models/registry.ts';
import { denseNetworkToOnnx, type WeightPrecision } from '../onnx/to-onnx.ts';
import { type Calibration, exportDecoder } from '../onnx/weight-precision.ts';
import { encodeLatents } from '../train/inference.ts';
import { datasetToMatrix } from '../train/matrix.ts';
import type { ColumnTransform } from '../train/normalization.ts';
import { normalize } from '../train/normalization.ts';
import { trainModel } from '../train/train.ts';

export interface LearnedOptions {
  /** Latent width. */
  latent: number;
  epochs: number;
  seed: number;
  /** Latent codes per unit of latent standard deviation: coarser costs fewer bits, predicts worse. */
  latentResolution: number;
  /** How the file stores the decoder's weights (default float16: half the bytes, predictions barely move). */
  weightPrecision?: WeightPrecision;
  /** Train on the residuals' coding cost (default) or, with false, on the MSE. */
  rate?: boolean;
  /** Latent widths whose candidates compete on a validation slice (compressDataset); overrides `latent`. */
  latents?: number[];
}

/** The latent widths a table's automatic candidates try when none are asked for. */
export const DEFAULT_TABLE_LATENTS = [2, 4];

export const DEFAULT_LEARNED: LearnedOptions = { latent: 4, epochs: 60, seed: 1, latentResolution: 16 };

interface Standardization {
  columns: number[];
  log: boolean[];
  mean: Float64Array;
  std: Float64Array;
  /** The value standing in for a zero or non-finite value (the column's centre). */
  fill: Float64Array;
}

/**
 * Plans whose quantized columns predict from a trained decoder network, with the DecoderPlan that writes
 * the network and latents; undefined when fewer than two columns are quantized.
 */
export async function learnedTableCandidate(
  first: Table,
  basePlans: readonly StreamPlan[],
  options: LearnedOptions = DEFAULT_LEARNED,
): Promise<{ plans: StreamPlan[]; decoder: DecoderPlan } | undefined> {
  const columns = basePlans.flatMap((plan, j) =>
    plan.method.name === 'quantized' && plan.bound.kind !== 'lossless' ? [j] : [],
  );
  if (columns.length < 2 || first.rowCount < 64) return undefined;
  const log = columns.map((j) => (basePlans[j]!.method as { domain?: string }).domain === 'log');
  const fill = Float64Array.from(
    columns,
    (j) => (basePlans[j]!.method.predictor as { value?: number }).value ?? 0,
  );
  const raw = workingMatrix(first, {
    columns,
    log,
    fill,
    mean: new Float64Array(columns.length),
    std: new Float64Array(columns.length).fill(1),
  });
  const standard = standardization(raw, first.rowCount, { columns, log, fill });
  const inputs = workingMatrix(first, standard);

  const model = createModel(
    'dense-ae-tiny',
    { inputs: columns.length, latent: options.latent },
    { seed: options.seed },
  );
  // Trained for what the file pays (the residuals' coding cost, network.ts), at the median column's
  // quantization step in standardized units, unless options.rate is false.
  const steps = columns.map(
    (j, t) => (basePlans[j]!.method as unknown as { step: number }).step / standard.std[t]!,
  );
  const rateStep = [...steps].sort((a, b) => a - b)[steps.length >> 1]!;
  const trained = await trainModel(model, inputs, {
    config: {
      epochs: options.epochs,
      batchSize: 256,
      seed: options.seed,
      patience: 10,
      checkpointEvery: 0,
      ...(options.rate === false || !(rateStep > 0) ? {} : { rateStep }),
    },
  });
  const latentsOf = async (table: Table) => encodeLatents(trained.model, workingMatrix(table, standard));
  const firstLatents = await latentsOf(first);
  const latentStep = latentStepFor(firstLatents, options.latentResolution);

  const plans = basePlans.map((plan, j) => {
    const t = columns.indexOf(j);
    if (t < 0) return plan;
    const predictor = { name: 'model', output: t, scale: standard.std[t]!, offset: standard.mean[t]! };
    return { ...plan, method: { ...plan.method, predictor } };
  });
  const decoder: DecoderPlan = {
    onnx: exportDecoder(
      extractDecoder(trained.model),
      options.weightPrecision ?? 'float16',
      calibration(firstLatents, first.rowCount, latentStep),
    ),
    info: { latent: options.latent, latentStep, outputs: columns.length },
    async latents(piece) {
      const z = await latentsOf(piece as Table);
      return Int32Array.from(z, (v) => Math.round(v / latentStep));
    },
  };
  return { plans, decoder };
}

/** Row-major [rows][columns] float32 of the standardized working values. */
function workingMatrix(table: Table, s: Standardization): Float32Array {
  const rows = table.rowCount;
  const out = new Float32Array(rows * s.columns.length);
  s.columns.forEach((j, t) => {
    const data = table.columns[j]!.data as NumericArray;
    for (let r = 0; r < rows; r++) {
      const x = Number(data[r]);
      const usable = Number.isFinite(x) && (!s.log[t] || x !== 0);
      const w = usable ? (s.log[t] ? Math.log2(Math.abs(x)) : x) : s.fill[t]!;
      out[r * s.columns.length + t] = (w - s.mean[t]!) / s.std[t]!;
    }
  });
  return out;
}

function standardization(
  raw: Float32Array,
  rows: number,
  base: Pick<Standardization, 'columns' | 'log' | 'fill'>,
): Standardization {
  const k = base.columns.length;
  const mean = new Float64Array(k);
  const std = new Float64Array(k);
  for (let t = 0; t < k; t++) {
    let sum = 0;
    let squares = 0;
    for (let r = 0; r < rows; r++) {
      const v = raw[r * k + t]!;
      sum += v;
      squares += v * v;
    }
    mean[t] = Number((sum / rows).toPrecision(7));
    const deviation = Math.sqrt(Math.max(0, squares / rows - (sum / rows) ** 2));
    std[t] = deviation > 0 ? Number(deviation.toPrecision(7)) : 1;
  }
  return { ...base, mean, std };
}

/**
 * The candidate of a model directory written by `baler train` (compress --model DIR): its encoder gives
 * each chunk's latents and its decoder the predictions, for the columns whose stored normalization maps
 * the network's output affinely onto the working value (robust columns under abs/rel bounds, log columns
 * without offset under pwrel bounds); the other columns keep their classical plan.
 */
export async function modelDirCandidate(
  first: Table,
  basePlans: readonly StreamPlan[],
  loaded: LoadedModelDir,
  source: string,
): Promise<{ plans: StreamPlan[]; decoder: DecoderPlan } | undefined> {
  const { normalization, model } = loaded;
  const names = first.columns.map((c) => c.name);
  if (normalization.layout !== 'columns' || normalization.names.join('\u0000') !== names.join('\u0000')) {
    throw new DataInputError({
      path: source,
      problem: `does not have the columns the model was trained on (${normalization.names.length} columns: ${normalization.names.slice(0, 4).join(', ')}…)`,
      fix: 'Pass the data the model was trained on, or train a model on this data with baler train.',
    });
  }
  const latentsOf = async (table: Table) => {
    const matrix = datasetToMatrix(table);
    return encodeLatents(model, normalize(normalization, matrix.values, matrix.features));
  };
  const latentStep = latentStepFor(await latentsOf(first), DEFAULT_LEARNED.latentResolution);
  let predicted = 0;
  const plans = basePlans.map((plan, j) => {
    const t = normalization.transforms[j]!;
    const domain = (plan.method as { domain?: string }).domain;
    if (plan.method.name !== 'quantized' || plan.bound.kind === 'lossless') return plan;
    const affine = affineOutput(t, domain);
    if (!affine) return plan;
    predicted++;
    return { ...plan, method: { ...plan.method, predictor: { name: 'model', output: j, ...affine } } };
  });
  if (predicted === 0) return undefined;
  return { plans, decoder: decoderPlan(loaded, latentStep, latentsOf) };
}

/**
 * The candidate of a model directory trained on a field (compress FIELD --model DIR): one network output
 * per value of a frame (SPEC.md §7.3), so the field's frames must have the shape the model was trained
 * on (a DataInputError otherwise). Undefined when the field is not quantized or its stored normalization
 * does not map the network's output affinely onto the working value.
 */
export async function modelDirFieldCandidate(
  first: Field,
  basePlans: readonly StreamPlan[],
  loaded: LoadedModelDir,
  source: string,
): Promise<{ plans: StreamPlan[]; decoder: DecoderPlan } | undefined> {
  const { normalization, model, config } = loaded;
  const frame = first.shape.slice(1);
  const values = frame.reduce((a, b) => a * b, 1);
  const trainedShape = config.data?.sampleShape ?? [model.config.inputs];
  if (normalization.layout !== 'field' || values !== model.config.inputs) {
    const trained =
      normalization.layout === 'field'
        ? `frames of [${trainedShape.join(' × ')}] (${model.config.inputs} values each)`
        : `a table of ${normalization.names.length} columns`;
    throw new DataInputError({
      path: source,
      problem: `has frames of [${frame.join(' × ')}] (${values} values each), but the model was trained on ${trained}`,
      fix: 'Pass data whose frames have the shape the model was trained on, or train a model on this data with baler train.',
    });
  }
  const plan = basePlans[0];
  if (plan?.method.name !== 'quantized' || plan.bound.kind === 'lossless') return undefined;
  const affine = affineOutput(normalization.transforms[0]!, (plan.method as { domain?: string }).domain);
  if (!affine) return undefined;
  const latentsOf = async (field: Field) => {
    const matrix = datasetToMatrix(field, source);
    return encodeLatents(model, normalize(normalization, matrix.values, matrix.features));
  };
  const latentStep = latentStepFor(await latentsOf(first), DEFAULT_LEARNED.latentResolution);
  const predictor = { name: 'model', output: 0, ...affine };
  return {
    plans: [{ ...plan, method: { ...plan.method, predictor } }],
    decoder: decoderPlan(loaded, latentStep, latentsOf),
  };
}

/**
 * The `scale` and `offset` of a model predictor that map a normalized network output onto the working
 * value, when the stored transform is affine in the stream's domain: robust values in the linear domain,
 * log values without offset in the log domain. Undefined otherwise.
 */
function affineOutput(
  t: ColumnTransform,
  domain: string | undefined,
): { scale: number; offset: number } | undefined {
  if (domain === 'linear' && t.kind === 'robust') return { scale: t.scale, offset: t.center };
  // y = ln x = n × scale + center, and the working value is log2 x = y / ln 2.
  if (domain === 'log' && t.kind === 'log' && !t.offset)
    return { scale: t.scale / Math.LN2, offset: t.center / Math.LN2 };
  return undefined;
}

/** Bias-correction data for reduced-precision weights: the latents as the decoder will see them, quantized. */
function calibration(latents: Float32Array, rows: number, latentStep: number): Calibration {
  // As SPEC.md §7.3 computes the network input: f32(code × latentStep).
  return { latents: Float32Array.from(latents, (v) => Math.round(v / latentStep) * latentStep), rows };
}

/** The step of the latent codes: `resolution` codes per unit of the latents' RMS on the first chunk. */
export function latentStepFor(latents: Float32Array, resolution: number): number {
  let variance = 0;
  for (const z of latents) variance += z * z;
  return Math.fround(Math.sqrt(variance / Math.max(1, latents.length)) / resolution) || 1;
}

/** The DecoderPlan that writes a model directory's decoder and each piece's quantized latents. */
function decoderPlan<Piece>(
  loaded: LoadedModelDir,
  latentStep: number,
  latentsOf: (piece: Piece) => Promise<Float32Array>,
): DecoderPlan {
  const network = extractDecoder(loaded.model);
  return {
    // The directory's frozen decoder as baler train wrote it (its weight precision included).
    onnx: loaded.decoderOnnx ?? denseNetworkToOnnx(network),
    info: {
      latent: network.layers[0]!.inputs,
      latentStep,
      outputs: network.layers[network.layers.length - 1]!.outputs,
    },
    async latents(piece) {
      const z = await latentsOf(piece as Piece);
      return Int32Array.from(z, (v) => Math.round(v / latentStep));
    },
  };
}
