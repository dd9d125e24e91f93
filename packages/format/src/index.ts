/**
 * @baler/format — the .baler container: reader, writer, typed errors. Normative spec: SPEC.md.
 *
 * @example
 * ```ts
 * import { bytesSource, MemorySink, openBaler, readDataset, writeExactDataset } from '@baler/format';
 * const sink = new MemorySink();
 * await writeExactDataset({ kind: 'field', shape: [2, 3], dtype: 'float32',
 *   data: Float32Array.of(1, 2, 3, 4, 5, 6), attributes: {} }, sink);
 * const file = await openBaler(bytesSource(sink.bytes()));
 * const field = await readDataset(file, { rows: { start: 1, end: 2 } }); // data: [4, 5, 6]
 * ```
 */
export type { ChunkBox, ChunkGrid } from './chunks.ts';
export { chunkBox, chunkCount, chunksOverlappingRows, regularGrid } from './chunks.ts';
export type { CodecId } from './codecs.ts';
export { CODEC, CODEC_NAMES, shuffleBytes, unshuffleBytes } from './codecs.ts';
export { crc32 } from './crc32.ts';
export type {
  Attributes,
  Column,
  ColumnData,
  Dataset,
  DType,
  Field,
  JsonValue,
  NumericArray,
  NumericDType,
  Table,
} from './dataset.ts';
export {
  allocateArray,
  arrayToLittleEndianBytes,
  datasetShape,
  dtypeByteSize,
  dtypeOfArray,
  isDType,
  isNumericDType,
  LITTLE_ENDIAN_HOST,
  littleEndianBytesToArray,
  NUMERIC_DTYPES,
  shapeSize,
} from './dataset.ts';
export type { BalerErrorFields, BalerErrorTag } from './errors.ts';
export { BalerError, isBalerError } from './errors.ts';
export type { ByteSink, ByteSource } from './io.ts';
export { bytesSource, concatBytes, MemorySink } from './io.ts';
export type { Footer, SectionEntry } from './layout.ts';
export {
  FORMAT_MAJOR,
  FORMAT_MINOR,
  LIMITS,
  NONE,
  OPTIONAL_KIND_BASE,
  SECTION_KIND,
  SECTION_KIND_NAMES,
  sectionLabel,
} from './layout.ts';
export type {
  BalerMetadata,
  ColumnMetadata,
  ErrorBound,
  FieldMetadata,
  Provenance,
  StorageMethod,
  TableMetadata,
} from './metadata.ts';
export { validateMetadata } from './metadata.ts';
export type { BlockInfo } from './model/blocks.ts';
export { blockCount, codesPerBlock, predictionsFromBlocks, splitBlockCodes } from './model/blocks.ts';
export { canonicalActivation, denseNetworkFlops, runDenseNetwork } from './model/canonical.ts';
export type { Activation, DenseLayer, DenseNetwork } from './model/dense-network.ts';
export { validateDenseNetwork } from './model/dense-network.ts';
export { ACTIVATION_TOLERANCE, runWithEngineBound } from './model/engine-bound.ts';
export type { DecoderInfo } from './model/latents.ts';
export { ONNX_SUBSET, parseDenseOnnx } from './model/onnx.ts';
export type { LinearStencil, PredictorSpec } from './quantize/predictors.ts';
export type { QuantizerParams, Tolerance } from './quantize/stream-codec.ts';
export type { BoundCheck } from './quantize/verify.ts';
export { checkBound } from './quantize/verify.ts';
export type { BalerFile } from './reader.ts';
export { findSections, openBaler, readSection } from './reader.ts';
export type {
  DatasetHeader,
  DecoderPlan,
  NetworkEngine,
  ReadOptions,
  StreamPlan,
  WriteDatasetOptions,
} from './storage.ts';
export {
  chooseGrid,
  DEFAULT_CHUNK_VALUES,
  describeDataset,
  encodeStreamForTrial,
  extractBlock,
  readDataset,
  TOOL_NAME,
  writeDataset,
  writeDatasetPieces,
  writeExactDataset,
} from './storage.ts';
export type { FileSummary, SectionTotal } from './summary.ts';
export { describeBound, summarizeFile } from './summary.ts';
export type { SectionInput } from './writer.ts';
export { BalerWriter } from './writer.ts';
