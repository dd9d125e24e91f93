// Stores a Dataset in a .baler container and reads it back (or any rows of it). This module implements
// the storage methods of SPEC.md §7 (methods.ts) chunk by chunk, stream by stream.
import type { ChunkGrid } from './chunks.ts';
import { chunkBox, chunksOverlappingRows, regularGrid } from './chunks.ts';
import { CODEC, encodeBytes } from './codecs.ts';
import type { ColumnData, Dataset, DType, JsonValue, NumericArray, NumericDType } from './dataset.ts';
import { allocateArray, datasetShape, dtypeOfArray, shapeSize } from './dataset.ts';
import { formatErrors } from './errors.ts';
import type { ByteSink } from './io.ts';
import type { SectionEntry } from './layout.ts';
import { SECTION_KIND, sectionLabel } from './layout.ts';
import type { BalerMetadata, ErrorBound, StorageMethod } from './metadata.ts';
import type { StreamLocation } from './methods.ts';
import { decodeEncodedStream, decodeStream, encodeStream } from './methods.ts';
import {
  blockCount,
  codesPerBlock,
  decodeLatentCodes,
  predictionsFromBlocks,
  splitBlockCodes,
} from './model/blocks.ts';
import { runDenseNetwork } from './model/canonical.ts';
import type { DenseNetwork } from './model/dense-network.ts';
import { runWithEngineBound } from './model/engine-bound.ts';
import type { DecoderInfo } from './model/latents.ts';
import { decodeLatents, encodeLatents, latentValues } from './model/latents.ts';
import { parseDenseOnnx } from './model/onnx.ts';
import type { PredictorSpec } from './quantize/predictors.ts';
import { predictionsFromModel, validatePredictor } from './quantize/predictors.ts';
import type { Tolerance } from './quantize/stream-codec.ts';
import { checkBound } from './quantize/verify.ts';
import type { BalerFile } from './reader.ts';
import { findSections, readSection } from './reader.ts';
import type { SectionInput } from './writer.ts';
import { BalerWriter } from './writer.ts';

/** Values per chunk when the caller does not choose: small enough to stream, large enough to compress. */
export const DEFAULT_CHUNK_VALUES = 1 << 20;

export interface WriteDatasetOptions {
  /** Rows per chunk (tables) or extent of axis 0 per chunk (fields). */
  chunkRows?: number;
  /** Full chunk shape for fields; overrides chunkRows. */
  chunkShape?: number[];
  tool?: string;
  configHash?: string | null;
  source?: string | null;
  model?: JsonValue;
  /**
   * The network (ONNX bytes, SPEC.md §11.2) that streams with a `stencil-network` predictor run: it maps
   * the stencil's neighbours to one correction. A file holds one network, so not with `decoder`.
   */
  stencilNetwork?: Uint8Array;
}

export const TOOL_NAME = 'baler 0.1.0';

/** The chunk grid a dataset is written with. */
export function chooseGrid(
  dataset: Dataset,
  options: Pick<WriteDatasetOptions, 'chunkRows' | 'chunkShape'> = {},
): ChunkGrid {
  const shape = datasetShape(dataset);
  const rowValues = Math.max(1, shapeSize(shape.slice(1)));
  const rows = options.chunkRows ?? Math.max(1, Math.floor(DEFAULT_CHUNK_VALUES / rowValues));
  if (dataset.kind === 'table') return regularGrid(shape, [rows, shape[1]!]);
  return regularGrid(shape, options.chunkShape ?? [rows, ...shape.slice(1)]);
}

/** How one column (or the field) is stored, and the bound it was verified against. */
export interface StreamPlan {
  method: StorageMethod;
  bound: ErrorBound;
  /** Per-value allowance the encoder checks; required unless the method is `exact`. */
  tolerance?: Tolerance;
}

const EXACT_PLAN: StreamPlan = { method: { name: 'exact' }, bound: { kind: 'lossless' } };

/** Writes `dataset` losslessly (method `exact`) and returns the file's length in bytes. */
export async function writeExactDataset(
  dataset: Dataset,
  sink: ByteSink,
  options: WriteDatasetOptions = {},
): Promise<number> {
  return writeDataset(dataset, sink, [], options);
}

/**
 * Writes `dataset` with one plan per column (tables) or one plan (fields); a missing plan means `exact`.
 * `onChunk` reports progress. Returns the file's length in bytes.
 */
export async function writeDataset(
  dataset: Dataset,
  sink: ByteSink,
  plans: readonly StreamPlan[],
  options: WriteDatasetOptions & {
    onChunk?: (done: number, total: number) => void;
    /** The decoder network and latents of streams whose predictor is `model` (SPEC.md §7.3). */
    decoder?: DecoderPlan;
  } = {},
): Promise<number> {
  validateDataset(dataset);
  const grid = chooseGrid(dataset, options);
  const { decoder } = options;
  if (
    decoder &&
    dataset.kind === 'field' &&
    !decoder.info.blocks &&
    grid.boundaries.slice(1).some((c) => c.length > 2)
  )
    throw new RangeError('a field predicted by a row model must be chunked along axis 0 only (SPEC.md §7.3)');
  const writer = await BalerWriter.start(sink);
  const network = decoder ? await writeModelSection(writer, decoder) : undefined;
  const predicted = network && decoder ? { network, plan: decoder } : undefined;
  const stencilNetwork = await writeStencilNetwork(writer, options);
  const chunks = grid.boundaries.reduce((n, cuts) => n * (cuts.length - 1), 1);
  for (let c = 0; c < chunks; c++) {
    const box = chunkBox(grid, c);
    if (dataset.kind === 'table') {
      const first = box.start[0]!;
      const end = first + box.count[0]!;
      const columns = dataset.columns.map((column) => ({
        ...column,
        data: sliceColumn(column.data, first, end),
      }));
      const piece = { ...dataset, rowCount: end - first, columns };
      await writeChunk(writer, c, piece, plans, predicted, stencilNetwork);
    } else {
      // A chunk of whole frames is a contiguous run of the array: a view, which the writer only reads.
      const frame = shapeSize(dataset.shape.slice(1));
      const data =
        box.count.length > 0 && box.count.every((n, d) => d === 0 || n === dataset.shape[d])
          ? (dataset.data.subarray(
              box.start[0]! * frame,
              (box.start[0]! + box.count[0]!) * frame,
            ) as NumericArray)
          : extractBlock(dataset.data, dataset.shape, box.start, box.count);
      await writeChunk(writer, c, { ...dataset, shape: box.count, data }, plans, predicted, stencilNetwork);
    }
    options.onChunk?.(c + 1, chunks);
  }
  return writer.finish(
    buildMetadata(
      describeDataset(dataset),
      dataset.kind === 'table' ? dataset.rowCount : dataset.shape[0]!,
      plans,
      options,
      decoder?.info,
    ),
    grid,
  );
}

/** What a dataset is, without its values: enough to write the metadata of a file streamed in pieces. */
export type DatasetHeader =
  | { kind: 'table'; columns: { name: string; dtype: DType }[]; attributes: Dataset['attributes'] }
  | {
      kind: 'field';
      dtype: NumericDType /** The extents after axis 0. */;
      rowShape: number[];
      attributes: Dataset['attributes'];
    };

export function describeDataset(dataset: Dataset): DatasetHeader {
  return dataset.kind === 'table'
    ? {
        kind: 'table',
        columns: dataset.columns.map((c) => ({ name: c.name, dtype: c.dtype })),
        attributes: dataset.attributes,
      }
    : {
        kind: 'field',
        dtype: dataset.dtype,
        rowShape: dataset.shape.slice(1),
        attributes: dataset.attributes,
      };
}

/**
 * Writes a dataset that arrives as consecutive pieces along axis 0 (each a Dataset of whole rows, in
 * order), one chunk per piece, holding only one piece in memory at a time. Returns the file's length.
 */
export async function writeDatasetPieces(
  header: DatasetHeader,
  pieces: AsyncIterable<Dataset>,
  sink: ByteSink,
  plans: readonly StreamPlan[],
  options: Omit<WriteDatasetOptions, 'chunkRows' | 'chunkShape'> & {
    onChunk?: (done: number, rows: number) => void;
    /** The decoder network and latents of streams whose predictor is `model` (SPEC.md §7.3). */
    decoder?: DecoderPlan;
  } = {},
): Promise<number> {
  const writer = await BalerWriter.start(sink);
  const network = options.decoder ? await writeModelSection(writer, options.decoder) : undefined;
  const stencilNetwork = await writeStencilNetwork(writer, options);
  const cuts = [0];
  // An axis of extent 0 after the first (or a table without columns) leaves the grid no chunks
  // (SPEC.md §6): the rows are counted, but no section is written for them.
  const empty = header.kind === 'table' ? header.columns.length === 0 : header.rowShape.includes(0);
  for await (const piece of pieces) {
    validateDataset(piece);
    const rows = piece.kind === 'table' ? piece.rowCount : piece.shape[0]!;
    if (rows === 0) continue;
    const predicted = network && options.decoder ? { network, plan: options.decoder } : undefined;
    if (!empty) await writeChunk(writer, cuts.length - 1, piece, plans, predicted, stencilNetwork);
    cuts.push(cuts[cuts.length - 1]! + rows);
    options.onChunk?.(cuts.length - 1, cuts[cuts.length - 1]!);
  }
  const total = cuts[cuts.length - 1]!;
  const whole = (extent: number) => (extent > 0 ? [0, extent] : [0]);
  const grid: ChunkGrid = {
    boundaries:
      header.kind === 'table' ? [cuts, whole(header.columns.length)] : [cuts, ...header.rowShape.map(whole)],
  };
  return writer.finish(buildMetadata(header, total, plans, options, options.decoder?.info), grid);
}

/** A decoder network for `model` predictors, and the quantized latents of each piece. */
export interface DecoderPlan {
  /** The network as ONNX bytes in the subset of SPEC.md §11.2. */
  onnx: Uint8Array;
  info: DecoderInfo;
  /** The latent codes of a piece, rows × info.latent integers. */
  latents(piece: Dataset, chunk: number): Int32Array | Promise<Int32Array>;
}

async function writeModelSection(writer: BalerWriter, plan: DecoderPlan): Promise<DenseNetwork> {
  const network = parseDenseOnnx(plan.onnx);
  const first = network.layers[0]!;
  const last = network.layers[network.layers.length - 1]!;
  if (first.inputs !== plan.info.latent || last.outputs !== plan.info.outputs) {
    throw new RangeError(
      `the decoder network maps ${first.inputs} → ${last.outputs}, but the plan says ${plan.info.latent} → ${plan.info.outputs}`,
    );
  }
  await writer.addSection({ kind: SECTION_KIND.model, codec: CODEC.deflate, payload: plan.onnx });
  return network;
}

/** Writes the `model` section of `options.stencilNetwork`, if any, and returns the parsed network. */
async function writeStencilNetwork(
  writer: BalerWriter,
  options: { stencilNetwork?: Uint8Array; decoder?: DecoderPlan },
): Promise<DenseNetwork | undefined> {
  if (!options.stencilNetwork) return undefined;
  if (options.decoder)
    throw new RangeError('a file holds one network: a decoder plan and a stencil network exclude each other');
  const network = parseDenseOnnx(options.stencilNetwork);
  await writer.addSection({
    kind: SECTION_KIND.model,
    codec: CODEC.deflate,
    payload: options.stencilNetwork,
  });
  return network;
}

/**
 * The network's output for one chunk `[rows][outputs]`, from its latent codes (writer side), with the
 * bound on any other engine's deviation from it (SPEC.md §11.4).
 */
function modelOutput(
  network: DenseNetwork,
  info: DecoderInfo,
  codes: Int32Array,
  rows: number,
): { out: Float32Array; bound: Float32Array } {
  return runWithEngineBound(network, latentValues(codes, info), rows);
}

type Predicted = Pick<StreamLocation, 'predictions' | 'slack'>;

/** Each stream's predictions when its predictor is `model`, else undefined. */
function streamPredictions(
  plan: StreamPlan | undefined,
  out: Float32Array | undefined,
  outputs: number,
  rows: number,
  width: number,
): Float64Array | undefined {
  const predictor = (plan?.method as { predictor?: PredictorSpec } | undefined)?.predictor;
  if (!out || predictor?.name !== 'model') return undefined;
  return predictionsFromModel(predictor, out, outputs, rows, width);
}

/** The writer's side of streamPredictions: the predictions and how far another engine's may lie. */
function predictedWithSlack(
  plan: StreamPlan | undefined,
  model: { out: Float32Array; bound: Float32Array } | undefined,
  outputs: number,
  rows: number,
  width: number,
  anyOrder: boolean,
): Predicted {
  const predictions = streamPredictions(plan, model?.out, outputs, rows, width);
  if (!predictions || !model) return {};
  if (!anyOrder) return { predictions };
  const predictor = (plan!.method as unknown as { predictor: Extract<PredictorSpec, { name: 'model' }> })
    .predictor;
  // |scale| × bound, by the same indexing; plus the roundings of offset + scale × out.
  const spread = { ...predictor, offset: 0, scale: Math.abs(predictor.scale) };
  const slack = predictionsFromModel(spread, model.bound, outputs, rows, width);
  return { predictions, slack: withRounding(slack, predictions, Math.abs(predictor.offset)) };
}

/** Adds to each slack the binary64 roundings of a prediction `p` computed as (a term of size ≤ c) + …. */
function withRounding(slack: Float64Array, predictions: Float64Array, c: number): Float64Array {
  for (let i = 0; i < slack.length; i++) slack[i] = slack[i]! + 2 ** -50 * (Math.abs(predictions[i]!) + c);
  return slack;
}

/**
 * Parsed networks by their `model` section entry: readers hand readDataset copies of a file (one per read,
 * with its own byte source), but the section entries are shared, so each network is read and parsed
 * once — and its ONNX bytes stay one array, on which engines cache their sessions.
 */
const networks = new WeakMap<SectionEntry, { network: DenseNetwork; onnx: Uint8Array }>();

/**
 * Runs a file's decoder network other than by the canonical kernels (the decoder's onnxruntime engine).
 * `canonical` engines reproduce §11.1 bit for bit; others only within §11.4's bound, which files
 * record they allow with `decoder.anyOrder`.
 */
export interface NetworkEngine {
  readonly name: string;
  readonly canonical: boolean;
  /** `batch` rows of input [batch][inputs] → [batch][outputs], for the ONNX bytes `model`. */
  run(model: Uint8Array, input: Float32Array, batch: number): Promise<Float32Array>;
}

/** The network's output on `input`: canonical unless the reader was given another engine. */
async function runFileNetwork(
  file: BalerFile,
  info: DecoderInfo,
  input: Float32Array,
  rows: number,
  engine: NetworkEngine | undefined,
): Promise<Float32Array> {
  const { network, onnx } = await fileNetwork(file, info.latent, info.outputs);
  if (!engine || engine.canonical) return runDenseNetwork(network, input, rows);
  if (!info.anyOrder) {
    throw formatErrors.unsupported(
      'decoder engine',
      `${engine.name}: this file was written for the canonical engine only (no decoder.anyOrder); decode it without the engine option`,
    );
  }
  const out = await engine.run(onnx, input, rows);
  if (!(out instanceof Float32Array) || out.length !== rows * info.outputs) {
    throw new RangeError(
      `engine ${engine.name} returned ${out?.length} values, expected ${rows * info.outputs}`,
    );
  }
  return out;
}

/**
 * The decoder network's output `[rows][outputs]` for chunk `chunk`, when any of `methods` predicts with
 * the model: the chunk's latents through the network of the file's `model` section (parsed once per file).
 */
async function chunkModelOutput(
  file: BalerFile,
  chunk: number,
  rows: number,
  methods: readonly StorageMethod[],
  engine?: NetworkEngine,
): Promise<Float32Array | undefined> {
  if (!methods.some((m) => (m as { predictor?: PredictorSpec }).predictor?.name === 'model'))
    return undefined;
  const info = file.metadata.decoder;
  if (!info)
    throw formatErrors.malformedMetadata(
      '$.decoder',
      'a column predicts with the model, but the metadata describes no decoder',
    );
  if (info.blocks)
    throw formatErrors.malformedMetadata(
      '$.decoder.blocks',
      'the decoder predicts blocks, but a stream uses the row predictor "model" (blocks need "block-model")',
    );
  const latents = findSections(file, SECTION_KIND.latents, chunk);
  const label = sectionLabel({ kind: SECTION_KIND.latents, chunk, stream: 0xffffffff });
  if (latents.length !== 1)
    throw formatErrors.malformedSection(label, `expected exactly one, found ${latents.length}`);
  const z = decodeLatents(await readSection(file, latents[0]!), rows, info, label);
  return runFileNetwork(file, info, z, rows, engine);
}

/**
 * The predictions of a field chunk of extent `extent` whose predictor is `block-model` (SPEC.md §7.3.1):
 * the chunk's block codes, the network on their latents, each block scaled by its centre and spread.
 */
async function chunkBlockPredictions(
  file: BalerFile,
  chunk: number,
  extent: readonly number[],
  spec: Extract<PredictorSpec, { name: 'block-model' }>,
  engine?: NetworkEngine,
): Promise<Float64Array> {
  const info = file.metadata.decoder;
  if (!info?.blocks)
    throw formatErrors.malformedMetadata(
      '$.decoder.blocks',
      'the field predicts with "block-model", but the metadata describes no decoder blocks',
    );
  const block = info.blocks.shape;
  if (block.length !== extent.length)
    throw formatErrors.malformedMetadata(
      '$.decoder.blocks.shape',
      `has rank ${block.length}, the field has rank ${extent.length}`,
    );
  const latents = findSections(file, SECTION_KIND.latents, chunk);
  const label = sectionLabel({ kind: SECTION_KIND.latents, chunk, stream: 0xffffffff });
  if (latents.length !== 1)
    throw formatErrors.malformedSection(label, `expected exactly one, found ${latents.length}`);
  const blocks = blockCount(extent, block);
  const width = codesPerBlock(info.latent);
  const codes = decodeLatentCodes(await readSection(file, latents[0]!), blocks * width, width, label);
  const { input, center, spread } = splitBlockCodes(codes, info.latent, info.latentStep, info.blocks);
  const out = await runFileNetwork(file, info, input, blocks, engine);
  return predictionsFromBlocks(spec, out, info.outputs, center, spread, extent, block);
}

/** The file's network (its one `model` section), parsed once per file, checked to map inputs → outputs. */
async function fileNetwork(
  file: BalerFile,
  inputs: number,
  outputs: number,
): Promise<{ network: DenseNetwork; onnx: Uint8Array }> {
  const entries = findSections(file, SECTION_KIND.model);
  if (entries.length !== 1)
    throw formatErrors.malformedSection('section "model"', `expected exactly one, found ${entries.length}`);
  let parsed = networks.get(entries[0]!);
  if (!parsed) {
    const onnx = await readSection(file, entries[0]!);
    parsed = { network: parseDenseOnnx(onnx), onnx };
    networks.set(entries[0]!, parsed);
  }
  const first = parsed.network.layers[0]!;
  const last = parsed.network.layers[parsed.network.layers.length - 1]!;
  if (first.inputs !== inputs || last.outputs !== outputs) {
    throw formatErrors.malformedSection(
      'section "model"',
      `the network maps ${first.inputs} → ${last.outputs}, the metadata says ${inputs} → ${outputs}`,
    );
  }
  return parsed;
}

/** Encodes every stream of one chunk (verified, see encodeVerified) and appends its sections. */
async function writeChunk(
  writer: BalerWriter,
  chunk: number,
  piece: Dataset,
  plans: readonly StreamPlan[],
  predicted?: { network: DenseNetwork; plan: DecoderPlan },
  stencilNetwork?: DenseNetwork,
): Promise<void> {
  const network = stencilNetwork ? { network: stencilNetwork } : {};
  const rows = piece.kind === 'table' ? piece.rowCount : piece.shape[0]!;
  let out: { out: Float32Array; bound: Float32Array } | undefined;
  let blockPredictions: Predicted | undefined;
  if (predicted?.plan.info.blocks) {
    blockPredictions = await writeBlockLatents(writer, chunk, piece, plans[0], predicted);
  } else if (predicted) {
    const codes = await predicted.plan.latents(piece, chunk);
    if (codes.length !== rows * predicted.plan.info.latent) {
      throw new RangeError(`chunk ${chunk} has ${rows} rows but ${codes.length} latent codes`);
    }
    await writer.addSection({
      kind: SECTION_KIND.latents,
      chunk,
      codec: CODEC.raw,
      payload: encodeLatents(codes, predicted.plan.info.latent),
    });
    out = modelOutput(predicted.network, predicted.plan.info, codes, rows);
  }
  const outputs = predicted?.plan.info.outputs ?? 0;
  // With decoder.anyOrder, each model prediction is quantized with its engine slack (§11.4).
  const anyOrder = predicted?.plan.info.anyOrder === true;
  if (piece.kind === 'table') {
    for (let j = 0; j < piece.columns.length; j++) {
      const column = piece.columns[j]!;
      const at = {
        chunk,
        stream: j,
        shape: [piece.rowCount],
        dtype: column.dtype,
        ...network,
        ...predictedWithSlack(plans[j], out, outputs, rows, 1, anyOrder),
      };
      for (const section of encodeVerified(plans[j] ?? EXACT_PLAN, column.data, at))
        await writer.addSection(section);
    }
  } else {
    const at = {
      chunk,
      stream: 0,
      shape: piece.shape,
      dtype: piece.dtype,
      ...network,
      ...(blockPredictions ??
        predictedWithSlack(plans[0], out, outputs, rows, piece.data.length / Math.max(rows, 1), anyOrder)),
    };
    for (const section of encodeVerified(plans[0] ?? EXACT_PLAN, piece.data, at))
      await writer.addSection(section);
  }
}

/**
 * Writes the `latents` section of a field chunk predicted in blocks (SPEC.md §7.3.1) and returns the
 * predictions a `block-model` plan gives the chunk (undefined when the plan predicts otherwise).
 */
async function writeBlockLatents(
  writer: BalerWriter,
  chunk: number,
  piece: Dataset,
  plan: StreamPlan | undefined,
  predicted: { network: DenseNetwork; plan: DecoderPlan },
): Promise<Predicted | undefined> {
  const info = predicted.plan.info;
  const block = info.blocks!;
  if (piece.kind !== 'field' || block.shape.length !== piece.shape.length)
    throw new RangeError(`blocks of rank ${block.shape.length} do not tile this ${piece.kind}`);
  const blocks = blockCount(piece.shape, block.shape);
  const width = codesPerBlock(info.latent);
  const codes = await predicted.plan.latents(piece, chunk);
  if (codes.length !== blocks * width)
    throw new RangeError(`chunk ${chunk} has ${blocks} blocks but ${codes.length / width} blocks of codes`);
  await writer.addSection({
    kind: SECTION_KIND.latents,
    chunk,
    codec: CODEC.raw,
    payload: encodeLatents(codes, width),
  });
  const predictor = (plan?.method as { predictor?: PredictorSpec } | undefined)?.predictor;
  if (predictor?.name !== 'block-model') return undefined;
  const { input, center, spread } = splitBlockCodes(codes, info.latent, info.latentStep, block);
  const { out, bound } = runWithEngineBound(predicted.network, input, blocks);
  const predictions = predictionsFromBlocks(
    predictor,
    out,
    info.outputs,
    center,
    spread,
    piece.shape,
    block.shape,
  );
  if (!info.anyOrder) return { predictions };
  // |spread| × bound, by the same indexing; plus the roundings of center + spread × out.
  const zero = new Float64Array(blocks);
  const size = spread.map(Math.abs);
  const slack = predictionsFromBlocks(predictor, bound, info.outputs, zero, size, piece.shape, block.shape);
  const largestCenter = center.reduce((m, c) => Math.max(m, Math.abs(c)), 0);
  return { predictions, slack: withRounding(slack, predictions, largestCenter) };
}

function buildMetadata(
  header: DatasetHeader,
  rows: number,
  plans: readonly StreamPlan[],
  options: Omit<WriteDatasetOptions, 'chunkRows' | 'chunkShape'>,
  decoder?: DecoderInfo,
): BalerMetadata {
  const planOf = (j: number) => plans[j] ?? EXACT_PLAN;
  const provenance = {
    tool: options.tool ?? TOOL_NAME,
    configHash: options.configHash ?? null,
    source: options.source ?? null,
  };
  return header.kind === 'table'
    ? {
        kind: 'table',
        shape: [rows, header.columns.length],
        columns: header.columns.map((c, j) => ({
          name: c.name,
          dtype: c.dtype,
          method: planOf(j).method,
          bound: planOf(j).bound,
        })),
        attributes: header.attributes,
        model: options.model ?? null,
        provenance,
        ...(decoder ? { decoder } : {}),
      }
    : {
        kind: 'field',
        shape: [rows, ...header.rowShape],
        dtype: header.dtype,
        method: planOf(0).method,
        bound: planOf(0).bound,
        attributes: header.attributes,
        model: options.model ?? null,
        provenance,
        ...(decoder ? { decoder } : {}),
      };
}

/**
 * Encodes one stream and, for a lossy method, decodes it straight back and checks every value. Should a
 * value ever break its bound, the stream is re-encoded on the safe path: every value an exact exception.
 */
function encodeVerified(plan: StreamPlan, data: ColumnData, at: StreamLocation): SectionInput[] {
  const sections = encodeStream(plan.method, data, at, plan.tolerance);
  if (plan.method.name === 'exact' || !plan.tolerance) return sections;
  const output = checkBuffer(at.dtype as NumericDType, (data as NumericArray).length);
  const decoded = decodeEncodedStream(plan.method, sections, { ...at, output }) as NumericArray;
  if (checkBound(data as NumericArray, decoded, plan.tolerance).firstViolation < 0) return sections;
  return encodeStream(plan.method, data, at, { absolute: -1, relative: 0 });
}

/**
 * One reused buffer per dtype for the writer's check of each stream, which needs the decoded values only
 * until it has compared them: a new 8 MB array for every chunk of a large input keeps the collector and
 * the page faults busy (~5 % of compression time).
 */
const checkBuffers = new Map<NumericDType, NumericArray>();

function checkBuffer(dtype: NumericDType, length: number): NumericArray {
  let buffer = checkBuffers.get(dtype);
  if (!buffer || buffer.length < length) {
    buffer = allocateArray(dtype, length);
    checkBuffers.set(dtype, buffer);
  }
  return buffer.subarray(0, length) as NumericArray;
}

/** Encodes one stream as a trial: the bytes its sections would take and the values a decoder gets back. */
export function encodeStreamForTrial(
  plan: StreamPlan,
  data: ColumnData,
  shape: number[],
  dtype: DType,
  network?: DenseNetwork,
): { bytes: number; decoded: ColumnData } {
  const at = { chunk: 0, stream: 0, shape, dtype, ...(network ? { network } : {}) };
  const sections = encodeStream(plan.method, data, at, plan.tolerance);
  const bytes = sections.reduce(
    (n, s) => n + encodeBytes(s.codec ?? CODEC.raw, s.payload, s.elementSize).length,
    0,
  );
  return { bytes, decoded: decodeEncodedStream(plan.method, sections, at) };
}

export interface ReadOptions {
  /** Rows [start, end) of axis 0 (table rows or field frames); all when absent. */
  rows?: { start: number; end: number };
  /**
   * Runs the decoder network instead of the canonical kernels. A non-canonical engine is refused
   * (`Unsupported`) for files without `decoder.anyOrder`, whose bounds hold only under the canonical one.
   */
  engine?: NetworkEngine;
}

/** Decodes the whole dataset, or the rows asked for, reading only the chunks that hold them. */
export async function readDataset(file: BalerFile, options: ReadOptions = {}): Promise<Dataset> {
  const { metadata } = file;
  const total = metadata.shape[0]!;
  const { start, end } = options.rows ?? { start: 0, end: total };
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || end > total) {
    throw formatErrors.badRequest(
      `Rows ${start}:${end} are outside the file's ${total} rows; ask for a range within 0:${total}.`,
    );
  }
  const chunks = chunksOverlappingRows(file.grid, start, end);
  if (metadata.kind === 'table') {
    if (metadata.decoder?.blocks)
      throw formatErrors.malformedMetadata('$.decoder.blocks', 'only a field can be predicted in blocks');
    const rowCount = end - start;
    // Allocated on first use: a chunk that holds exactly the rows asked for hands over its columns.
    const out: (ColumnData | undefined)[] = metadata.columns.map(() => undefined);
    for (const c of chunks) {
      const box = chunkBox(file.grid, c);
      const first = box.start[0]!;
      const count = box.count[0]!;
      const from = Math.max(start, first);
      const to = Math.min(end, first + count);
      const modelOut = await chunkModelOutput(
        file,
        c,
        count,
        metadata.columns.map((col) => col.method),
        options.engine,
      );
      for (let j = 0; j < metadata.columns.length; j++) {
        const column = metadata.columns[j]!;
        const predictions = streamPredictions(
          { method: column.method, bound: column.bound },
          modelOut,
          metadata.decoder?.outputs ?? 0,
          count,
          1,
        );
        const values = await decodeStream(file, column.method, {
          chunk: c,
          stream: j,
          shape: [count],
          dtype: column.dtype,
          ...(predictions ? { predictions } : {}),
          ...(await stencilNetworkOf(file, column.method, 1, `$.columns[${j}].method.predictor`)),
        });
        if (from === first && to === first + count && rowCount === count) out[j] = values;
        else {
          const target = out[j] ?? allocateColumn(column.dtype, rowCount);
          out[j] = target;
          copyRows(values, from - first, to - first, target, from - start);
        }
      }
    }
    return {
      kind: 'table',
      rowCount,
      columns: metadata.columns.map((c, j) => ({
        name: c.name,
        dtype: c.dtype,
        data: out[j] ?? allocateColumn(c.dtype, rowCount),
      })),
      attributes: metadata.attributes,
    };
  }
  const shape = [end - start, ...metadata.shape.slice(1)];
  // Allocated on first use: a chunk that is exactly the block asked for is handed over.
  let data: NumericArray | undefined;
  for (const c of chunks) {
    const box = chunkBox(file.grid, c);
    const rows = box.count[0]!;
    const width = shapeSize(box.count.slice(1));
    const predictor = (metadata.method as { predictor?: PredictorSpec }).predictor;
    const out =
      predictor?.name === 'block-model'
        ? undefined
        : await chunkModelOutput(file, c, rows, [metadata.method], options.engine);
    if (out && width !== shapeSize(metadata.shape.slice(1))) {
      throw formatErrors.malformedSection(
        'section "chunk-index"',
        'a field predicted by a model must be chunked along axis 0 only',
      );
    }
    const predictions =
      predictor?.name === 'block-model'
        ? await chunkBlockPredictions(file, c, box.count, predictor, options.engine)
        : streamPredictions(
            { method: metadata.method, bound: metadata.bound },
            out,
            metadata.decoder?.outputs ?? 0,
            rows,
            width,
          );
    const at = {
      chunk: c,
      stream: 0,
      shape: box.count,
      dtype: metadata.dtype,
      ...(predictions ? { predictions } : {}),
      ...(await stencilNetworkOf(file, metadata.method, box.count.length, '$.method.predictor')),
    };
    const block = (await decodeStream(file, metadata.method, at)) as NumericArray;
    if (box.start[0] === start && box.count.every((n, d) => n === shape[d])) data = block;
    else {
      data ??= allocateArray(metadata.dtype, shapeSize(shape));
      insertBlock(block, box.start, box.count, data, shape, start);
    }
  }
  data ??= allocateArray(metadata.dtype, shapeSize(shape));
  return { kind: 'field', shape, dtype: metadata.dtype, data, attributes: metadata.attributes };
}

/** `{ network }` for a stream whose predictor is `stencil-network` (SPEC.md §7.2.1), else `{}`. */
async function stencilNetworkOf(
  file: BalerFile,
  method: StorageMethod,
  rank: number,
  path: string,
): Promise<{ network?: DenseNetwork }> {
  const predictor = (method as { predictor?: PredictorSpec }).predictor;
  if (predictor?.name !== 'stencil-network') return {};
  // Checked before its offsets size the network (a damaged predictor may have none).
  const { offsets } = validatePredictor(predictor, rank, path) as { offsets: number[][] };
  return { network: (await fileNetwork(file, offsets.length, 1)).network };
}

function validateDataset(dataset: Dataset): void {
  if (dataset.kind === 'table') {
    for (const column of dataset.columns) {
      if (column.data.length !== dataset.rowCount) {
        throw new RangeError(
          `column "${column.name}" holds ${column.data.length} values, the table has ${dataset.rowCount} rows`,
        );
      }
    }
  } else if (dataset.data.length !== shapeSize(dataset.shape)) {
    throw new RangeError(
      `field data holds ${dataset.data.length} values, its shape [${dataset.shape}] needs ${shapeSize(dataset.shape)}`,
    );
  }
}

function allocateColumn(dtype: DType, length: number): ColumnData {
  return dtype === 'string'
    ? new Array<string>(length).fill('')
    : allocateArray(dtype as NumericDType, length);
}

function sliceColumn(data: ColumnData, start: number, end: number): ColumnData {
  return Array.isArray(data) ? data.slice(start, end) : data.subarray(start, end);
}

function copyRows(src: ColumnData, from: number, to: number, dst: ColumnData, at: number): void {
  if (Array.isArray(src)) {
    for (let i = from; i < to; i++) (dst as string[])[at + i - from] = src[i]!;
  } else {
    (dst as NumericArray).set(src.subarray(from, to) as never, at);
  }
}

/** Copies the block at `start` with extent `count` out of a C-order array of `shape`. */
export function extractBlock(
  data: NumericArray,
  shape: readonly number[],
  start: readonly number[],
  count: readonly number[],
): NumericArray {
  const out = allocateArray(dtypeOfArray(data), shapeSize(count));
  copyBox(
    data,
    shape,
    start,
    out,
    count,
    count.map(() => 0),
    count,
  );
  return out;
}

/** Writes the part of a chunk's block (origin `start`, extent `count`) that falls in rows [row0, row0 + outShape[0]) into `out`. */
function insertBlock(
  block: NumericArray,
  start: readonly number[],
  count: readonly number[],
  out: NumericArray,
  outShape: readonly number[],
  row0: number,
): void {
  const first = Math.max(start[0]!, row0);
  const last = Math.min(start[0]! + count[0]!, row0 + outShape[0]!);
  if (last <= first) return;
  const blockStart = [first - start[0]!, ...count.slice(1).map(() => 0)];
  const outStart = [first - row0, ...start.slice(1)];
  copyBox(block, count, blockStart, out, outShape, outStart, [last - first, ...count.slice(1)]);
}

/** Copies a box of extent `count` from `src` (C order, `srcShape`) at `srcStart` to `dst` at `dstStart`, one contiguous run at a time. */
function copyBox(
  src: NumericArray,
  srcShape: readonly number[],
  srcStart: readonly number[],
  dst: NumericArray,
  dstShape: readonly number[],
  dstStart: readonly number[],
  count: readonly number[],
): void {
  const rank = count.length;
  if (shapeSize(count) === 0) return;
  const runLength = count[rank - 1]!;
  const runs = shapeSize(count.slice(0, -1));
  const index = new Array<number>(rank).fill(0);
  for (let r = 0; r < runs; r++) {
    let from = 0;
    let to = 0;
    for (let d = 0; d < rank; d++) {
      from = from * srcShape[d]! + srcStart[d]! + index[d]!;
      to = to * dstShape[d]! + dstStart[d]! + index[d]!;
    }
    dst.set(src.subarray(from, from + runLength) as never, to);
    for (let d = rank - 2; d >= 0; d--) {
      index[d]!++;
      if (index[d]! < count[d]!) break;
      index[d] = 0;
    }
  }
}
