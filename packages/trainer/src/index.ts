/**
 * @baler/trainer — Baler's workbench: compression within a verified error bound (`compressDataset`), and dataset I/O: reading and writing the files scientists keep
 * their data in (HDF5, NumPy .npy/.npz, CSV) as `@baler/format` Datasets, with every value kept bit for bit
 * (NaN payloads, ±Inf and -0 included). Problems with the user's files throw a DataInputError.
 *
 * Training: `trainToModelDir` trains a registered model (`listModels`, `createModel`) on a dataset with
 * TensorFlow.js (`initTensorflow` picks the backend) and writes a model directory (`saveModelDir` /
 * `loadModelDir`); `extractDecoder` gives the frozen decoder as `@baler/format`'s DenseNetwork.
 *
 * @example
 * ```ts
 * import { isDataInputError, readDataFile, writeDataFile } from '@baler/trainer';
 * try {
 *   const table = await readDataFile('lhcb-b2hhh.h5:/data'); // a Table of 26 float64 columns
 *   await writeDataFile('/tmp/lhcb.npz', table); // numpy.load('/tmp/lhcb.npz') gives data + names
 * } catch (error) {
 *   if (isDataInputError(error)) console.error(error.message); // e.g. "x.h5: no such file. Check the path …"
 *   else throw error;
 * }
 *
 * const { result } = await trainToModelDir(await readDataFile('lhcb-b2hhh.h5:/data'), 'lhcb-model', {
 *   model: { latent: 13 },
 *   training: { epochs: 100, batchSize: 512, seed: 0 },
 * });
 * const decoder = extractDecoder(result.model); // DenseNetwork: 13 → 50 → 100 → 200 → 26
 * ```
 */
export type { ComparisonRow } from './compare/baselines.ts';
export { compareCodecs } from './compare/baselines.ts';
export type { CompressOptions, CompressResult, CompressToFileResult } from './compress/compress.ts';
export { compressDataset, compressToFile, MIN_STENCIL_NETWORK_SAVING } from './compress/compress.ts';
export { engineSafeCandidate } from './compress/engine-safety.ts';
export type { BoundSpec, ColumnOverride } from './compress/error-bound.ts';
export {
  BoundSyntaxError,
  checkColumnOverrides,
  describeBoundSpec,
  parseBound,
  parseColumnOverride,
} from './compress/error-bound.ts';
export { predictedByNetwork } from './compress/plan.ts';
export type { Verification } from './compress/verify.ts';
export { BoundViolationError } from './compress/verify.ts';
export type { CsvDelimiter, CsvOptions } from './io/csv.ts';
export { numericColumnNames, parseCsv, serializeCsv } from './io/csv.ts';
export { readDataFile, writeDataFile } from './io/dataset-files.ts';
export type { DataInputErrorFields } from './io/errors.ts';
export { DataInputError, isDataInputError } from './io/errors.ts';
export type { Hdf5Chunk } from './io/hdf5.ts';
export { readHdf5, readHdf5Chunks, writeHdf5 } from './io/hdf5.ts';
export type { NpyArray } from './io/npy.ts';
export { npyHeader, parseNpy, serializeNpy } from './io/npy.ts';
export { parseNpz, serializeNpz } from './io/npz.ts';
export type { DataPieces } from './io/pieces.ts';
export { datasetPieces, openDataPieces } from './io/pieces.ts';
export type { DataFileFormat, DataSpec } from './io/spec.ts';
export { DATA_FILE_EXTENSIONS, parseDataSpec } from './io/spec.ts';
export { extractDecoder, extractEncoder } from './models/decoder.ts';
export type { DenseAeConfig, DenseModel, LayerSpec } from './models/dense-ae.ts';
export type {
  LoadedModelDir,
  ModelDirConfig,
  ModelDirContents,
  TrainingDataSummary,
  TrainingOutcome,
  WeightsManifest,
} from './models/model-dir.ts';
export { loadModelDir, MODEL_DIR_FILES, saveModelDir, trainingConfigSha256 } from './models/model-dir.ts';
export type { ModelConfigInput, ModelPreset } from './models/registry.ts';
export {
  createModel,
  denseModelFromConfig,
  listModels,
  ModelConfigError,
  resolveModelConfig,
} from './models/registry.ts';
export type { OnnxExportOptions, WeightPrecision } from './onnx/to-onnx.ts';
export { denseNetworkToOnnx, WEIGHT_PRECISIONS } from './onnx/to-onnx.ts';
export type { Calibration } from './onnx/weight-precision.ts';
export { exportDecoder } from './onnx/weight-precision.ts';
export type {
  Dimension,
  NumericRange,
  SearchSpace,
  SweepDefinition,
} from './sweep/definition.ts';
export {
  CLASSICAL,
  loadSweepDefinition,
  STENCIL_NETWORK,
  SweepDefinitionError,
  validateSweepDefinition,
} from './sweep/definition.ts';
export type { TrialRunner, TrialTask } from './sweep/evaluate.ts';
export { evaluateTrial } from './sweep/evaluate.ts';
export type { ColumnError, TrialMeasurement, TrialResult, TrialStatus } from './sweep/results.ts';
export { latestResults, readResults } from './sweep/results.ts';
export type { SweepEvent, SweepOptions, SweepPaths, SweepSummary } from './sweep/sweep.ts';
export { plannedEvaluations, runSweep, sweepPaths } from './sweep/sweep.ts';
export type { Trial, TrialConfig } from './sweep/trials.ts';
export { generateTrials, SweepBudgetError, trialId } from './sweep/trials.ts';
export type { AdamConfig } from './train/adam.ts';
export type { CheckpointMeta } from './train/checkpoint.ts';
export { hasCheckpoint, readCheckpoint, writeCheckpoint } from './train/checkpoint.ts';
export type { BackendChoice, EngineOptions } from './train/engine.ts';
export { BackendUnavailableError, initTensorflow } from './train/engine.ts';
export { decodeLatents, encodeLatents, reconstruct } from './train/inference.ts';
export type { TrainingMatrix } from './train/matrix.ts';
export { datasetToMatrix } from './train/matrix.ts';
export type { ColumnTransform, Normalization, TransformKind } from './train/normalization.ts';
export { denormalize, describeNormalization, fitNormalization, normalize } from './train/normalization.ts';
export type { LrSchedule } from './train/schedule.ts';
export type {
  EpochRecord,
  TrainingConfig,
  TrainingState,
  TrainOptions,
  TrainProgress,
  TrainResult,
} from './train/train.ts';
export { DEFAULT_TRAINING_CONFIG, resolveTrainingConfig, trainModel } from './train/train.ts';
export type { TrainDirOptions, TrainDirResult } from './train/train-dir.ts';
export { trainToModelDir } from './train/train-dir.ts';
