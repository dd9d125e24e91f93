// `baler train INPUT -o MODEL_DIR`: train a model on the user's data and write a model directory
// (config, weights, normalization, training log, checkpoint). Checkpoints every few epochs, so that an
// interrupted run continues with --resume.
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dataset } from '@baler/format';
import type { BackendChoice, TrainDirResult, TrainingConfig, WeightPrecision } from '@baler/trainer';
import {
  DEFAULT_TRAINING_CONFIG,
  hasCheckpoint,
  listModels,
  MODEL_DIR_FILES,
  readDataFile,
  trainToModelDir,
  WEIGHT_PRECISIONS,
} from '@baler/trainer';
import { formatBytes } from '../format-bytes.ts';
import { createProgress, type Progress } from '../progress.ts';
import { parseCommand, requireOne, UsageError } from '../usage.ts';

export const trainUsage = 'baler train INPUT -o MODEL_DIR [options]';

const BACKENDS: BackendChoice[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

export function trainHelp(): string {
  const width = Math.max(...listModels().map((m) => m.name.length));
  const d = DEFAULT_TRAINING_CONFIG;
  return `${trainUsage}

Trains an autoencoder on INPUT and writes it to MODEL_DIR: config.json, weights.bin (+ weights.json),
normalization.json, training-log.jsonl, decoder.onnx (the frozen decoder) and checkpoint/. Each column is normalized for the network
(robust, log or signed-log for heavy tails, discrete columns scaled) and the transform is stored.

INPUT is file.h5[:/dataset], file.npy, file.npz[:key] or file.csv. A table's rows are the samples; a
field's first axis gives the samples (frames) and the rest are each sample's values.

Options:
  -o, --output DIR        the model directory to write (required)
  -m, --model NAME        the model (default dense-ae):
${listModels()
  .map((m) => `                            ${m.name.padEnd(width)}  ${m.description}`)
  .join('\n')}
  -k, --latent K          latent values per sample (default: half the values per sample; block-ae: 4)
      --block SHAPE       block-ae: the block shape, one extent per axis of the field, e.g. 1x10x10
                          (default 8 per axis after the first, one frame deep)
      --epochs N          passes over the data (default ${d.epochs}; early stopping may end sooner)
      --batch N           samples per step (default ${d.batchSize})
      --lr RATE           Adam's learning rate (default ${d.learningRate})
      --seed N            seed of the initial weights, split and shuffles (default ${d.seed});
                          the same seed gives the same losses on the same backend
      --rate-step S       train for file size: minimize the residuals' coding cost, log2(1 + |r|/S) bits
                          per value, S the quantization step in normalized units (about 2e-3 for
                          pwrel=1e-3 on log-normalized columns), instead of the MSE
      --weights P         how decoder.onnx stores the decoder's weights: float32 (default), float16 (half
                          the bytes) or int8 (a quarter, one scale per output); biases are corrected for
                          the rounding on the training data
      --threads N         cores to train on, splitting each batch across worker threads (default 1;
                          helps large batches on an idle machine; results differ in the last bits)
      --config FILE       a JSON file: {"model": {"name": "dense-ae", "latent": 13, "encoder": [200, 100, 50]},
                          "training": {"epochs": 500, "patience": 50, "schedule": {"kind": "cosine",
                          "minLearningRate": 1e-5}}}; options on the command line override it
      --backend NAME      ${BACKENDS.join(', ')} (default auto: tensorflow if @tensorflow/tfjs-node is
                          installed, else wasm)
      --resume            continue the training in MODEL_DIR from its checkpoint (only --epochs may change)
  -f, --force             train into a non-empty MODEL_DIR, replacing the files Baler writes there
      --json              print a JSON summary on stdout
  -q, --quiet             no progress bar or backend report
  -h, --help              show this help`;
}

interface ConfigFile {
  model?: { name?: string; [key: string]: unknown };
  training?: Partial<TrainingConfig>;
}

export async function trainCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseCommand(
    'train',
    args,
    {
      output: { type: 'string', short: 'o' },
      model: { type: 'string', short: 'm' },
      latent: { type: 'string', short: 'k' },
      block: { type: 'string' },
      epochs: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      seed: { type: 'string' },
      threads: { type: 'string' },
      weights: { type: 'string' },
      'rate-step': { type: 'string' },
      config: { type: 'string' },
      backend: { type: 'string' },
      resume: { type: 'boolean' },
      force: { type: 'boolean', short: 'f' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
    trainUsage,
  );
  if (values.help) return void console.log(trainHelp());
  const input = requireOne(positionals, 'INPUT', trainUsage);
  const dir = values.output as string | undefined;
  if (!dir)
    throw new UsageError(`missing -o MODEL_DIR: say where to write the model.\n\nUsage: ${trainUsage}`);
  const resume = Boolean(values.resume);
  const quiet = Boolean(values.quiet || values.json);
  const backend = values.backend as BackendChoice | undefined;
  if (backend !== undefined && !BACKENDS.includes(backend))
    throw new UsageError(`--backend takes one of ${BACKENDS.join(', ')}, got "${backend}"`);

  const weightPrecision = (values.weights as WeightPrecision | undefined) ?? 'float32';
  if (!WEIGHT_PRECISIONS.includes(weightPrecision))
    throw new UsageError(`--weights takes one of ${WEIGHT_PRECISIONS.join(', ')}, got "${weightPrecision}"`);
  const file = values.config ? await readConfigFile(values.config as string) : {};
  const epochs = wholeNumber(values.epochs, '--epochs', 1);
  const training: Partial<TrainingConfig> = {
    ...file.training,
    ...(epochs !== undefined ? { epochs } : {}),
    ...optional('batchSize', wholeNumber(values.batch, '--batch', 1)),
    ...optional('seed', wholeNumber(values.seed, '--seed', 0)),
    ...optional('learningRate', positiveNumber(values.lr, '--lr')),
    ...optional('threads', wholeNumber(values.threads, '--threads', 1)),
    ...optional('rateStep', positiveNumber(values['rate-step'], '--rate-step')),
  };
  const { name: fileModelName, ...fileModel } = file.model ?? {};
  const modelName = (values.model as string | undefined) ?? fileModelName ?? 'dense-ae';
  if (!listModels().some((m) => m.name === modelName)) {
    throw new UsageError(
      `unknown model "${modelName}"; models: ${listModels()
        .map((m) => m.name)
        .join(', ')}`,
    );
  }
  const model = {
    ...fileModel,
    ...optional('latent', wholeNumber(values.latent, '--latent', 1)),
    ...optional('block', blockShape(values.block)),
  };
  if (model.block !== undefined && modelName !== 'block-ae')
    throw new UsageError(`--block applies to --model block-ae, not ${modelName}`);

  // Read first, so that settings the data rules out are refused before --force clears MODEL_DIR.
  const dataset = await readDataFile(input);
  if (resume) {
    const fixed = [
      'model',
      'latent',
      'block',
      'batch',
      'lr',
      'seed',
      'threads',
      'config',
      'rate-step',
    ].filter((o) => values[o] !== undefined);
    if (fixed.length > 0) {
      throw new UsageError(
        `--resume continues with the checkpoint's settings; only --epochs may change (drop ${fixed.map((o) => `--${o}`).join(', ')})`,
      );
    }
    if (values.force)
      throw new UsageError('--resume keeps MODEL_DIR and --force replaces it: pass one of them.');
    if (!(await hasCheckpoint(dir))) {
      throw new UsageError(`${dir} has no checkpoint to resume from; train without --resume to start over.`);
    }
  } else {
    const configFile = values.latent === undefined ? (values.config as string | undefined) : undefined;
    checkLatent(model, modelName, dataset, input, configFile);
    await prepareDirectory(dir, Boolean(values.force));
  }

  let progress: Progress | undefined;
  let result: TrainDirResult;
  try {
    result = await trainToModelDir(dataset, dir, {
      modelName,
      model,
      training,
      resume,
      source: input,
      weightPrecision,
      ...(backend ? { backend } : {}),
      log: (line) => {
        if (!quiet) console.error(line);
      },
      onProgress: (p) => {
        progress ??= createProgress('train', p.epochs, { quiet });
        progress.update(
          p.epoch,
          `epoch ${p.epoch}/${p.epochs} loss ${p.loss.toPrecision(4)}${p.validationLoss === null ? '' : ` val ${p.validationLoss.toPrecision(4)}`}`,
        );
      },
    });
  } catch (error) {
    // Settings the model or the training loop reject are the user's to fix.
    const name = (error as Error)?.name;
    if (name === 'ModelConfigError' || name === 'BackendUnavailableError' || error instanceof RangeError)
      throw new UsageError((error as Error).message);
    throw error;
  } finally {
    progress?.finish();
  }
  const summary = trainSummary(input, dir, result, await weightBytes(dir));
  console.log(values.json ? JSON.stringify(summary, null, 2) : renderTrainSummary(summary));
}

export function trainSummary(input: string, dir: string, trained: TrainDirResult, weightsBytes: number) {
  const { config, result } = trained;
  const best = result.log.find((r) => r.epoch === result.bestEpoch);
  const layers = [
    config.model.inputs,
    ...config.model.encoder,
    config.model.latent,
    ...config.model.decoder,
    config.model.inputs,
  ];
  return {
    input,
    modelDir: dir,
    model: config.name,
    layers,
    parameters: config.parameters,
    data: config.data,
    backend: result.backend,
    threads: config.training.threads,
    lossKind:
      config.training.rateStep === undefined
        ? 'normalized MSE'
        : 'coding cost, bits per value up to a constant',
    epochs: result.log.at(-1)?.epoch ?? 0,
    bestEpoch: result.bestEpoch,
    stoppedEarly: result.stoppedEarly,
    loss: best?.loss ?? null,
    validationLoss: best?.validationLoss ?? null,
    samplesPerSecond: result.samplesPerSecond,
    seconds: trained.seconds,
    weightsBytes,
    files: [...config.files, `${MODEL_DIR_FILES.checkpoint}/`],
  };
}

export function renderTrainSummary(s: ReturnType<typeof trainSummary>): string {
  const data = s.data
    ? s.data.kind === 'table'
      ? `table ${s.data.rows} × ${s.data.features}`
      : `field ${s.data.rows} × [${s.data.sampleShape.join(' × ')}]`
    : 'data';
  const losses =
    s.loss === null
      ? ''
      : `loss ${s.loss.toPrecision(4)}${s.validationLoss === null ? '' : `, validation loss ${s.validationLoss.toPrecision(4)}`} (${s.lossKind})`;
  return [
    `trained ${s.model} (${s.layers.join('-')}, ${s.parameters.toLocaleString('en-US')} parameters) on ${s.input} (${data}) in ${s.seconds.toFixed(1)} s`,
    `  ${s.epochs} epochs${s.stoppedEarly ? ' (stopped early)' : ''}, best at epoch ${s.bestEpoch}: ${losses}`,
    `  ${Math.round(s.samplesPerSecond).toLocaleString('en-US')} samples/s on the ${s.backend} backend, ${s.threads} thread${s.threads > 1 ? 's' : ''}`,
    `  wrote ${s.modelDir}: ${s.files.join(', ')} (weights ${formatBytes(s.weightsBytes)})`,
  ].join('\n');
}

/**
 * Refuses a latent size that is not below the values the model takes per sample (a table's columns, a
 * field's values per frame, a block's values): such a bottleneck can copy its input and learns nothing.
 * A block-ae model without an explicit block is left to the trainer, which picks the block.
 */
function checkLatent(
  model: { latent?: unknown; block?: unknown },
  modelName: string,
  dataset: Dataset,
  input: string,
  /** The --config file the latent size comes from, if not from --latent. */
  configFile: string | undefined,
): void {
  if (typeof model.latent !== 'number') return;
  let inputs: number;
  let what: string;
  if (modelName === 'block-ae') {
    if (!Array.isArray(model.block)) return;
    inputs = (model.block as number[]).reduce((a, b) => a * b, 1);
    what = `values of a ${model.block.join('x')} block`;
  } else if (dataset.kind === 'table') {
    inputs = dataset.columns.length;
    what = `columns of ${input}`;
  } else {
    inputs = dataset.shape.slice(1).reduce((a, b) => a * b, 1);
    what = `values per frame of ${input}`;
  }
  if (model.latent < inputs) return;
  const pick =
    inputs > 1
      ? `Pick -k from 1 to ${inputs - 1}${modelName === 'block-ae' ? '' : ` (default ${Math.max(1, Math.round(inputs / 2))})`}.`
      : 'With one value per sample there is nothing narrower: compress without a model.';
  throw new UsageError(
    `${configFile ? `"latent": ${model.latent} in ${configFile}` : `--latent ${model.latent}`} is not below the ${inputs} ${what}: an autoencoder's bottleneck must be narrower than its input. ${pick}`,
  );
}

/** Refuses a non-empty directory unless `force`; with `force`, removes only what Baler writes there. */
async function prepareDirectory(dir: string, force: boolean): Promise<void> {
  let entries: string[];
  try {
    const info = await stat(dir);
    if (!info.isDirectory())
      throw new UsageError(`${dir} exists and is not a directory; choose another -o path.`);
    entries = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (entries.length === 0) return;
  if (!force) {
    throw new UsageError(
      `${dir} exists and is not empty; pass --force to replace the model in it, --resume to continue its training, or choose another -o path.`,
    );
  }
  for (const name of Object.values(MODEL_DIR_FILES))
    await rm(join(dir, name), { recursive: true, force: true });
}

async function readConfigFile(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--config ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--config ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const ok = (v: unknown) => v === undefined || (typeof v === 'object' && v !== null && !Array.isArray(v));
  const config = parsed as ConfigFile;
  if (!(typeof parsed === 'object' && parsed !== null && ok(config.model) && ok(config.training))) {
    throw new UsageError(
      `--config ${path} must hold a JSON object with optional "model" and "training" objects, e.g. {"model": {"latent": 13}, "training": {"epochs": 200}}`,
    );
  }
  const unknown = Object.keys(parsed).filter((k) => k !== 'model' && k !== 'training');
  if (unknown.length > 0)
    throw new UsageError(
      `--config ${path}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (use "model" and "training")`,
    );
  return config;
}

function wholeNumber(text: unknown, option: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(Number.isSafeInteger(value) && value >= min))
    throw new UsageError(`${option} takes a whole number ≥ ${min}, got "${text}"`);
  return value;
}

function positiveNumber(text: unknown, option: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(Number.isFinite(value) && value > 0))
    throw new UsageError(`${option} takes a number > 0, got "${text}"`);
  return value;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

async function weightBytes(dir: string): Promise<number> {
  return stat(join(dir, MODEL_DIR_FILES.weights)).then(
    (s) => s.size,
    () => 0,
  );
}

/** `--block 1x10x10`: whole numbers ≥ 1 separated by x. */
function blockShape(text: unknown): number[] | undefined {
  if (text === undefined) return undefined;
  const extents = String(text).split(/[x×,]/).map(Number);
  if (extents.length === 0 || !extents.every((e) => Number.isSafeInteger(e) && e >= 1))
    throw new UsageError(`--block takes extents like 1x10x10 (whole numbers ≥ 1), got "${text}"`);
  return extents;
}
