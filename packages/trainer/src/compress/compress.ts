// Compression end to end: plan every stream for the user's bound from the first chunk, write the
// container piece by piece, then decode the written bytes and check every value against a fresh read of
// the input before anyone may keep the file.
import { createHash } from 'node:crypto';
import type {
  ByteSink,
  Dataset,
  DatasetHeader,
  DecoderPlan,
  Field,
  FileSummary,
  StreamPlan,
  Table,
} from '@baler/format';
import {
  allocateArray,
  bytesSource,
  DEFAULT_CHUNK_VALUES,
  MemorySink,
  openBaler,
  summarizeFile,
  writeDatasetPieces,
} from '@baler/format';
import { openFileSource, writeFileAtomically } from '@baler/format/node';
import { DataInputError } from '../io/errors.ts';
import type { DataPieces } from '../io/pieces.ts';
import { datasetPieces } from '../io/pieces.ts';
import type { LoadedModelDir } from '../models/model-dir.ts';
import { engineSafeCandidate } from './engine-safety.ts';
import type { BoundSpec, ColumnOverride } from './error-bound.ts';
import { describeBoundSpec } from './error-bound.ts';
import { planField, withFarthestTermsFirst } from './field-predictor.ts';
import type { LearnedOptions } from './learned.ts';
import {
  DEFAULT_LEARNED,
  DEFAULT_TABLE_LATENTS,
  learnedTableCandidate,
  modelDirCandidate,
  modelDirFieldCandidate,
} from './learned.ts';
import type { BlockLearnOptions, LearnedCandidate } from './learned-blocks.ts';
import { DEFAULT_BLOCK_LEARN, learnedBlockCandidates, modelDirBlockCandidates } from './learned-blocks.ts';
import { planColumn, predictedByNetwork, predictorOf, withCoder, withSmallerCoders } from './plan.ts';
import type { StencilNetworkOptions } from './stencil-network.ts';
import { DEFAULT_STENCIL_NETWORK, stencilNetworkCandidate } from './stencil-network.ts';
import type { Verification } from './verify.ts';
import { verifyCompressed } from './verify.ts';

export interface CompressOptions {
  bound: BoundSpec;
  overrides?: readonly ColumnOverride[];
  /** Rows (tables) or frames (fields) per chunk: one chunk is one piece held in memory. */
  chunkRows?: number;
  /** The input as the user named it, recorded as provenance. */
  source?: string;
  /** Decode the written bytes and check every value (default true). */
  verify?: boolean;
  /**
   * Also train a small autoencoder on a table's first chunk and keep it when it wins in honest bytes
   * (network and latents counted). Off by default in the library; the CLI turns it on.
   */
  learn?: boolean | Partial<LearnedOptions>;
  /** For fields with `learn`: the block autoencoders to try (block shapes, latent widths, budget). */
  learnBlocks?: Partial<BlockLearnOptions>;
  /**
   * For fields with `learn`: the network that corrects the classical stencil (SPEC.md §7.2.1
   * `stencil-network`; widths, epochs), or false not to train one. It decodes several times slower, so
   * when absent it is tried only on inputs of at most STENCIL_NETWORK_MAX_VALUES values.
   */
  learnStencilNetwork?: boolean | Partial<StencilNetworkOptions>;
  /** A model directory from `baler train`: its network competes instead of one trained on the fly. */
  model?: LoadedModelDir;
  /**
   * Plan for decoding speed over size: residuals coded by static rANS (method `quantized-rans`), stencils
   * of at most FAST_DECODE_TAPS neighbours, and no network (`learn`, `learnStencilNetwork` and `model`
   * are ignored). Decodes ~3× faster, in files ~10–40 % larger.
   */
  fastDecode?: boolean;
  /** Progress: stages 'train' (epochs of a learned model), 'learn' (its bytes against the classical
   * plan's), 'compress' and 'verify' (rows). */
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface CompressResult {
  bytes: Uint8Array;
  plans: StreamPlan[];
  /** Why each stream got its plan (tables: per column). */
  reasons: string[];
  summary: FileSummary;
  verification: Verification | null;
}

/** Compresses a dataset held in memory; the result holds the file's bytes. */
export async function compressDataset(dataset: Dataset, options: CompressOptions): Promise<CompressResult> {
  const source = datasetPieces(dataset);
  const sink = new MemorySink();
  const { plans, reasons, rowsPerPiece } = await compressPieces(source, sink, options);
  const bytes = sink.bytes();
  const verification =
    options.verify === false ? null : await verifyCompressed(bytesSource(bytes), source, plans, rowsPerPiece);
  return { bytes, plans, reasons, summary: summarizeFile(await openBaler(bytesSource(bytes))), verification };
}

export type CompressToFileResult = Omit<CompressResult, 'bytes'>;

/**
 * Compresses a dataset read piece by piece into `output`, holding one piece in memory at a time: the
 * file is written to a temporary path, decoded from there and checked against a second read of the
 * input, and only then renamed into place.
 */
export async function compressToFile(
  source: DataPieces,
  output: string,
  options: CompressOptions & { overwrite?: boolean },
): Promise<CompressToFileResult> {
  return writeFileAtomically(
    output,
    async (sink) => {
      const { plans, reasons, rowsPerPiece } = await compressPieces(source, sink, options);
      const file = await openFileSource(sink.temporaryPath);
      try {
        const verification =
          options.verify === false
            ? null
            : await verifyCompressed(file, source, plans, rowsPerPiece, options.onProgress);
        return { plans, reasons, summary: summarizeFile(await openBaler(file)), verification };
      } finally {
        await file.close();
      }
    },
    { overwrite: options.overwrite ?? false },
  );
}

/** Plans every stream from the first piece (and, for rel bounds, a pass for the ranges), then writes. */
export async function compressPieces(source: DataPieces, sink: ByteSink, options: CompressOptions) {
  const overrides = options.overrides ?? [];
  const { header } = source;
  const rowValues =
    header.kind === 'table' ? header.columns.length : header.rowShape.reduce((a, b) => a * b, 1);
  const rowsPerPiece =
    options.chunkRows ?? Math.max(1, Math.floor(DEFAULT_CHUNK_VALUES / Math.max(1, rowValues)));
  const first = (await firstPiece(source, rowsPerPiece)) ?? emptyPiece(header);
  const boundOf = (name: string) => overrides.find((o) => o.matches(name))?.bound ?? options.bound;
  const needsRanges =
    header.kind === 'table'
      ? header.columns.some((c) => boundOf(c.name).kind === 'rel')
      : options.bound.kind === 'rel';
  const ranges = needsRanges ? await finiteRanges(source, rowsPerPiece) : undefined;
  const fast = options.fastDecode === true;
  let { plans, reasons } =
    first.kind === 'table'
      ? planTable(first, options.bound, overrides, ranges)
      : planField(
          first,
          options.bound,
          ranges?.[0],
          fast ? { coder: 'rans', maxTaps: FAST_DECODE_TAPS } : {},
        );
  if (fast) plans = plans.map((plan) => withCoder(plan, 'rans'));
  let chosen: LearnedCandidate | undefined;
  const { training, validation } = splitRows(first);
  const candidates = fast ? [] : await learnedCandidates(first, training, plans, options);
  const corrector = fast ? undefined : await stencilNetworkOf(first, plans, options, source.rows * rowValues);
  if (candidates.length > 0 || corrector) {
    // Rank several candidates on rows they were not trained on, then the best faces the classical plans
    // on the whole first piece, every byte of its network and latents counted.
    let best = candidates[0];
    if (candidates.length > 1) {
      let bestBytes = Number.POSITIVE_INFINITY;
      for (const candidate of candidates) {
        const bytes = await trialBytes(header, validation, candidate.plans, candidate);
        if (bytes < bestBytes) [best, bestBytes] = [candidate, bytes];
      }
    }
    // Room for other engines (SPEC.md §11.4) when it is cheap, so that onnxruntime may decode the file too.
    if (best?.decoder) best = await engineSafeCandidate({ ...best, decoder: best.decoder }, first);
    const classicalBytes = await trialBytes(header, first, plans);
    let learnedBytes = best ? await trialBytes(header, first, best.plans, best) : Number.POSITIVE_INFINITY;
    let reported = learnedBytes;
    if (corrector) {
      // It decodes ~8× slower than the classical plan and the other candidates: worth it only for a
      // real saving over the best of them.
      const bytes = await trialBytes(header, first, corrector.plans, corrector);
      if (bytes <= Math.min(classicalBytes, learnedBytes) * (1 - MIN_STENCIL_NETWORK_SAVING))
        [best, learnedBytes] = [corrector, bytes];
      // Report the kept candidate's bytes; when none is kept, the smallest one's.
      reported = learnedBytes < classicalBytes ? learnedBytes : Math.min(learnedBytes, bytes);
    }
    options.onProgress?.('learn', reported, classicalBytes);
    if (best && learnedBytes < classicalBytes) {
      const candidate = best;
      const note = `learned: ${candidate.description}`;
      reasons = reasons.map((reason, j) => (candidate.plans[j] !== plans[j] ? `${reason}, ${note}` : reason));
      plans = candidate.plans;
      chosen = candidate;
    }
  }
  // Learned and classical plans were compared with one coder; the classical streams that remain now
  // take whichever codes them smaller.
  if (!fast) plans = withSmallerCoders(first, plans);
  if (first.kind === 'field') plans = plans.map((plan) => withFarthestTermsFirst(plan, first.shape));
  const configHash = hashConfig({
    bound: describeBoundSpec(options.bound),
    overrides: overrides.map((o) => `${o.pattern}=${describeBoundSpec(o.bound)}`),
    chunkRows: options.chunkRows ?? null,
    methods: plans.map((p) => p.method),
  });
  const fileBytes = await writeDatasetPieces(header, source.pieces(rowsPerPiece), sink, plans, {
    source: options.source ?? null,
    configHash,
    model: describeModel(plans, chosen),
    ...networksOf(chosen),
    onChunk: (_, rows) => options.onProgress?.('compress', rows, source.rows),
  });
  return { plans, reasons, rowsPerPiece, fileBytes };
}

/**
 * The learned candidates that compete with the classical plans: the network of `options.model`, or with
 * `options.learn` small autoencoders trained on the first piece (per row for tables, per block for fields).
 */
async function learnedCandidates(
  first: Dataset,
  training: Dataset,
  plans: StreamPlan[],
  options: CompressOptions,
): Promise<LearnedCandidate[]> {
  const source = options.source ?? 'input';
  const single = (
    candidate: { plans: StreamPlan[]; decoder: DecoderPlan } | undefined,
    family: string,
    description: string,
  ): LearnedCandidate[] => (candidate ? [{ ...candidate, family, description }] : []);
  if (options.model?.config.family === 'block-ae' && first.kind === 'field') {
    const blocks = { ...DEFAULT_BLOCK_LEARN, ...options.learnBlocks };
    return modelDirBlockCandidates(first, plans, options.model, source, blocks);
  }
  if (options.model) {
    const { name } = options.model.config;
    const candidate =
      first.kind === 'field'
        ? await modelDirFieldCandidate(first, plans, options.model, source)
        : await modelDirCandidate(first, plans, options.model, source);
    // Asked for and unable to compete at all: say why, rather than write the classical file unremarked.
    if (!candidate) {
      const what = first.kind === 'field' ? 'the field' : 'every column';
      // Lossy streams, which a network may predict; exact ones include integers quantized at step 1.
      const lossy = plans.some((p) => p.method.name !== 'exact' && p.bound.kind !== 'lossless');
      throw new DataInputError(
        lossy
          ? {
              path: source,
              problem: `has no ${first.kind === 'field' ? 'value' : 'column'} that the --model network can predict under ${describeBoundSpec(options.bound)}: it predicts where its stored normalization maps the network's output linearly onto the quantized values (robust-normalized data under abs and rel bounds, log-normalized data without offset under pwrel)`,
              fix: 'Compress without --model, or under a bound the model serves.',
            }
          : {
              path: source,
              problem: `leaves the --model network nothing to predict: ${what} is stored exactly under ${describeBoundSpec(options.bound)} (lossless, discrete values or --column …=exact)`,
              fix: 'Compress without --model, or with a lossy bound for the columns the model should predict.',
            },
      );
    }
    const latents = `${candidate.decoder.info.latent} latents per ${first.kind === 'field' ? 'frame' : 'row'}`;
    return single(candidate, name, `${name} from --model decoder, ${latents}`);
  }
  if (!options.learn) return [];
  if (first.kind === 'field') {
    const blocks = { ...DEFAULT_BLOCK_LEARN, ...options.learnBlocks };
    return learnedBlockCandidates(training as Field, plans, blocks);
  }
  const asked = options.learn === true ? {} : options.learn;
  const learnOptions = { ...DEFAULT_LEARNED, ...asked };
  // Latent sizes compete on the validation rows: the ones asked for, else a small and a larger one.
  const latents = asked.latents ?? (asked.latent !== undefined ? [asked.latent] : DEFAULT_TABLE_LATENTS);
  const candidates: LearnedCandidate[] = [];
  for (const latent of latents) {
    const candidate = await learnedTableCandidate(training as Table, plans, { ...learnOptions, latent });
    candidates.push(...single(candidate, 'dense-ae-tiny', `dense-ae-tiny decoder, ${latent} latents`));
  }
  return candidates;
}

/** With `fastDecode`, stencils use at most this many neighbours (the decoder unrolls up to 8). */
export const FAST_DECODE_TAPS = 8;

/** Above this many values a stencil network is trained only when asked for (learnStencilNetwork set). */
export const STENCIL_NETWORK_MAX_VALUES = 64 * 2 ** 20;

/** The least share of the bytes a stencil network must save to be kept (it decodes ~8× slower). */
export const MIN_STENCIL_NETWORK_SAVING = 0.02;

/**
 * With `learn` on a field whose plan is a stencil: the network correcting it, trained on the whole first
 * piece. It learns how the field moves, and all of the first piece's motion is what a file of one chunk
 * must code, so it competes on the piece it saw; for later chunks it is a model like any other.
 */
async function stencilNetworkOf(
  first: Dataset,
  plans: readonly StreamPlan[],
  options: CompressOptions,
  totalValues: number,
): Promise<LearnedCandidate | undefined> {
  if (first.kind !== 'field' || !options.learn || options.model || options.learnStencilNetwork === false)
    return undefined;
  // Unasked, not on large inputs: at ~4 MB/s its coding and decoding would turn minutes into hours.
  if (options.learnStencilNetwork === undefined && totalValues > STENCIL_NETWORK_MAX_VALUES) return undefined;
  const asked = options.learnStencilNetwork === true ? {} : options.learnStencilNetwork;
  const epochs = (asked === undefined ? undefined : asked.epochs) ?? DEFAULT_STENCIL_NETWORK.epochs;
  const onEpoch = (epoch: number) => options.onProgress?.('train', epoch, epochs);
  return plans[0] ? stencilNetworkCandidate(first, plans[0], asked, onEpoch) : undefined;
}

/**
 * A field's first piece split along axis 0 into the rows block models train on (the leading three
 * quarters) and the rows they are ranked on; both are the whole piece when it has fewer than 4 rows.
 * Tables train on the whole piece.
 */
function splitRows(piece: Dataset): { training: Dataset; validation: Dataset } {
  if (piece.kind === 'table') {
    // Tables need a few hundred rows to train on; smaller ones are ranked on what they trained on.
    if (piece.rowCount < 256) return { training: piece, validation: piece };
    const cut = Math.ceil((piece.rowCount * 3) / 4);
    const part = (start: number, end: number): Table => ({
      ...piece,
      rowCount: end - start,
      columns: piece.columns.map((c) => ({ ...c, data: c.data.slice(start, end) as typeof c.data })),
    });
    return { training: part(0, cut), validation: part(cut, piece.rowCount) };
  }
  if (piece.shape[0]! < 4) return { training: piece, validation: piece };
  const rows = piece.shape[0]!;
  const cut = Math.ceil((rows * 3) / 4);
  const perRow = piece.data.length / rows;
  const part = (start: number, end: number): Field => ({
    ...piece,
    shape: [end - start, ...piece.shape.slice(1)],
    data: piece.data.subarray(start * perRow, end * perRow),
  });
  return { training: part(0, cut), validation: part(cut, rows) };
}

/** The bytes a file of just `piece` would take with these plans: the honest cost candidates compete on. */
async function trialBytes(
  header: DatasetHeader,
  piece: Dataset,
  plans: readonly StreamPlan[],
  learned?: LearnedCandidate,
): Promise<number> {
  async function* one() {
    yield piece;
  }
  return writeDatasetPieces(header, one(), { write() {} }, plans, networksOf(learned));
}

/** The writer options that carry a learned candidate's network (and latents), if any. */
function networksOf(learned: LearnedCandidate | undefined): {
  decoder?: DecoderPlan;
  stencilNetwork?: Uint8Array;
} {
  return {
    ...(learned?.decoder ? { decoder: learned.decoder } : {}),
    ...(learned?.stencilNetwork ? { stencilNetwork: learned.stencilNetwork } : {}),
  };
}

async function firstPiece(source: DataPieces, rowsPerPiece: number): Promise<Dataset | undefined> {
  for await (const piece of source.pieces(rowsPerPiece)) return piece;
  return undefined;
}

function emptyPiece(header: DatasetHeader): Dataset {
  if (header.kind === 'table') {
    const columns = header.columns.map((c) => ({
      ...c,
      data: c.dtype === 'string' ? [] : allocateArray(c.dtype, 0),
    }));
    return { kind: 'table', rowCount: 0, columns, attributes: header.attributes };
  }
  const data = allocateArray(header.dtype, 0);
  return {
    kind: 'field',
    shape: [0, ...header.rowShape],
    dtype: header.dtype,
    data,
    attributes: header.attributes,
  };
}

/** max − min of the finite values of each column (tables) or of the whole field, over every piece. */
async function finiteRanges(source: DataPieces, rowsPerPiece: number): Promise<number[]> {
  const streams = source.header.kind === 'table' ? source.header.columns.length : 1;
  const min = new Array<number>(streams).fill(Number.POSITIVE_INFINITY);
  const max = new Array<number>(streams).fill(Number.NEGATIVE_INFINITY);
  for await (const piece of source.pieces(rowsPerPiece)) {
    const arrays = piece.kind === 'table' ? piece.columns.map((c) => c.data) : [piece.data];
    arrays.forEach((data, j) => {
      if (Array.isArray(data) || data instanceof BigInt64Array || data instanceof BigUint64Array) return;
      for (let i = 0; i < data.length; i++) {
        const v = data[i]!;
        // ±Infinity is stored exactly and does not widen the range (as finiteRange in plan.ts): one
        // infinity would otherwise make a rel bound infinite and send the whole stream to exact storage.
        if (!Number.isFinite(v)) continue;
        if (v < min[j]!) min[j] = v;
        if (v > max[j]!) max[j] = v;
      }
    });
  }
  return min.map((lo, j) => (max[j]! > lo ? max[j]! - lo : 0));
}

function planTable(table: Table, bound: BoundSpec, overrides: readonly ColumnOverride[], ranges?: number[]) {
  const chosen = table.columns.map((c, j) => planColumn(c, bound, overrides, ranges?.[j]));
  return { plans: chosen.map((c) => c.plan), reasons: chosen.map((c) => c.reason) };
}

/** The metadata's informative `model` member: the learned predictor the file uses, if any. */
function describeModel(plans: readonly StreamPlan[], learned: LearnedCandidate | undefined) {
  const predicted = plans.filter(predictedByNetwork);
  if (learned && predicted.length > 0) {
    return { family: learned.family, description: learned.description, streams: predicted.length };
  }
  const stencils = plans.filter((p) => predictorOf(p)?.startsWith('stencil'));
  if (stencils.length === 0) return null;
  return {
    family: 'linear-stencil',
    description: 'least-squares linear predictor over decoded neighbours',
    streams: stencils.length,
  };
}

function hashConfig(config: unknown): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(config)).digest('hex')}`;
}
