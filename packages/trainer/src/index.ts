/**
 * @baler/trainer — Baler's workbench: compression within a verified error bound (`compressDataset`), and dataset I/O: reading and writing the files scientists keep
 * their data in (HDF5, NumPy .npy/.npz, CSV) as `@baler/format` Datasets, with every value kept bit for bit
 * (NaN payloads, ±Inf and -0 included). Problems with the user's files throw a DataInputError.
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
 * ```
 */
export type { CompressOptions, CompressResult, CompressToFileResult } from './compress/compress.ts';
export { compressDataset, compressToFile } from './compress/compress.ts';
export type { BoundSpec, ColumnOverride } from './compress/error-bound.ts';
export {
  BoundSyntaxError,
  describeBoundSpec,
  parseBound,
  parseColumnOverride,
} from './compress/error-bound.ts';
export type { Verification } from './compress/verify.ts';
export { BoundViolationError } from './compress/verify.ts';
export type { CsvDelimiter, CsvOptions } from './io/csv.ts';
export { parseCsv, serializeCsv } from './io/csv.ts';
export { readDataFile, writeDataFile } from './io/dataset-files.ts';
export type { DataInputErrorFields } from './io/errors.ts';
export { DataInputError, isDataInputError } from './io/errors.ts';
export type { Hdf5Chunk } from './io/hdf5.ts';
export { readHdf5, readHdf5Chunks, writeHdf5 } from './io/hdf5.ts';
export type { NpyArray } from './io/npy.ts';
export { parseNpy, serializeNpy } from './io/npy.ts';
export { parseNpz, serializeNpz } from './io/npz.ts';
export type { DataPieces } from './io/pieces.ts';
export { datasetPieces, openDataPieces } from './io/pieces.ts';
export type { DataFileFormat, DataSpec } from './io/spec.ts';
export { DATA_FILE_EXTENSIONS, parseDataSpec } from './io/spec.ts';
export type { OnnxExportOptions } from './onnx/to-onnx.ts';
export { denseNetworkToOnnx } from './onnx/to-onnx.ts';
