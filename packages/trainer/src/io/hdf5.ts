// HDF5 files, through h5wasm (HDF5 compiled to WebAssembly). Its Node build reaches the real file system
// (Emscripten NODERAWFS), so paths are ordinary paths. Address a dataset as `file.h5:/path/to/dataset`.
//
// A 2-D dataset with a `columns` attribute (one string per column) is a table named by it: the layout of the
// LHCb file and what writeHdf5 writes. Any other dataset is a field. Datasets are read a bounded number of
// rows at a time (hyperslabs along axis 0), so large files stream through readHdf5Chunks.

import { resolve } from 'node:path';
import {
  type Attributes,
  allocateArray,
  type Dataset,
  dtypeByteSize,
  type Field,
  type JsonValue,
  type NumericArray,
  type NumericDType,
  shapeSize,
  type Table,
} from '@baler/format';
import type { Dataset as H5Dataset, File as H5File } from 'h5wasm/node';
import { DataInputError, listForMessage } from './errors.ts';
import { assertReadableFile, writeThroughTemporaryPath } from './files.ts';
import { copyElements, splitColumns, splitColumnsInto } from './reorder.ts';
import { parseDataSpec } from './spec.ts';
import { tableToMatrix } from './table-matrix.ts';

/** One piece of a dataset read by {@link readHdf5Chunks}: rows `start` .. `start + rows` along axis 0. */
export interface Hdf5Chunk {
  start: number;
  dataset: Dataset;
}

/** Rows per chunk when the caller does not say: about 16 MiB of values. */
const DEFAULT_CHUNK_BYTES = 16 * 1024 * 1024;
const COLUMNS_ATTRIBUTE = 'columns';
const SUPPORTED =
  'Supported: float32, float64, int8..int64, uint8..uint64 and h5py booleans (read as uint8); convert with e.g. h5py: f["y"] = f["x"][()].astype("f8").';

/** Reads the dataset `spec` (`file.h5` or `file.h5:/path`) whole. */
export async function readHdf5(spec: string): Promise<Dataset> {
  const source = await openDataset(spec);
  try {
    const { shape, dtype, columnNames, attributes } = source;
    const rowCount = shape[0] ?? 1;
    const ranges = chunkRanges(rowCount, defaultRowsPerChunk(source));
    if (columnNames !== undefined) {
      const columns = columnNames.map(() => allocateArray(dtype, rowCount));
      for (const [start, end] of ranges) splitColumnsInto(source.readRows(start, end), columns, start);
      return tableOf(columnNames, dtype, columns, rowCount, attributes);
    }
    const data = allocateArray(dtype, shapeSize(shape));
    const rowSize = shapeSize(shape.slice(1));
    for (const [start, end] of ranges) copyElements(source.readRows(start, end), data, start * rowSize);
    return fieldOf(shape.length === 0 ? [1] : shape, dtype, data, attributes);
  } finally {
    source.close();
  }
}

/** The shape, dtype, column names (for a table) and attributes of the dataset `spec`, without its values. */
export async function describeHdf5(spec: string): Promise<{
  shape: number[];
  dtype: NumericDType;
  columnNames: string[] | undefined;
  attributes: Attributes;
}> {
  const source = await openDataset(spec);
  try {
    const { dtype, columnNames, attributes } = source;
    return { shape: source.shape.length === 0 ? [1] : [...source.shape], dtype, columnNames, attributes };
  } finally {
    source.close();
  }
}

/**
 * Reads the dataset `spec` as consecutive pieces of at most `rowsPerChunk` rows along axis 0 (default:
 * about 16 MiB each), so a file larger than memory can be processed piece by piece. Each piece is a table
 * or field like {@link readHdf5} would return, holding only its rows. The file is closed when the loop ends.
 */
export async function* readHdf5Chunks(spec: string, rowsPerChunk?: number): AsyncGenerator<Hdf5Chunk, void> {
  if (rowsPerChunk !== undefined && !(Number.isSafeInteger(rowsPerChunk) && rowsPerChunk > 0)) {
    throw new RangeError(`rowsPerChunk must be a positive integer, got ${rowsPerChunk}`);
  }
  const source = await openDataset(spec);
  try {
    const { shape, dtype, columnNames, attributes } = source;
    const rowCount = shape[0] ?? 1;
    for (const [start, end] of chunkRanges(rowCount, rowsPerChunk ?? defaultRowsPerChunk(source))) {
      const rows = source.readRows(start, end);
      const dataset =
        columnNames !== undefined
          ? tableOf(columnNames, dtype, splitColumns(rows, columnNames.length), end - start, attributes)
          : fieldOf(shape.length === 0 ? [1] : [end - start, ...shape.slice(1)], dtype, rows, attributes);
      yield { start, dataset };
    }
  } finally {
    source.close();
  }
}

/**
 * Writes `dataset` to a new HDF5 file at `path` (replacing it) as the dataset `datasetPath`. A table is
 * written as one rows × columns matrix with a `columns` attribute naming them, so its columns must share
 * one numeric dtype. Attributes are written as HDF5 attributes; values HDF5 has no type for (booleans,
 * null, objects, mixed arrays) are written as their JSON text.
 */
export async function writeHdf5(path: string, dataset: Dataset, datasetPath = '/data'): Promise<void> {
  const matrix = dataset.kind === 'table' ? tableToMatrix(dataset, path, 'HDF5') : undefined;
  const dtype = matrix?.dtype ?? (dataset as Field).dtype;
  const data = matrix?.data ?? (dataset as Field).data;
  const shape = matrix ? [matrix.rowCount, matrix.names.length] : (dataset as Field).shape;
  const attributes: Attributes = { ...dataset.attributes };
  if (matrix) attributes[COLUMNS_ATTRIBUTE] = matrix.names;
  const name = datasetPath.replace(/^\/+/, '');
  if (name === '' || name.endsWith('/')) {
    throw new DataInputError({
      path,
      problem: `"${datasetPath}" is not a dataset path`,
      fix: `Name the dataset, e.g. ${path}:/data.`,
    });
  }

  const h5 = await loadH5wasm();
  await writeThroughTemporaryPath(path, async (temporaryPath) => {
    const file = callHdf5(h5, path, 'cannot be created', () => new h5.lib.File(resolve(temporaryPath), 'w'));
    try {
      callHdf5(h5, path, 'cannot be written', () => {
        createParentGroups(file, name);
        const created = file.create_dataset({ name, data, shape, dtype: H5_DTYPE[dtype] });
        for (const [key, value] of Object.entries(attributes)) writeAttribute(created, key, value);
      });
    } finally {
      file.close();
    }
  });
}

// ---------------------------------------------------------------------------------------------------------

type H5wasm = typeof import('h5wasm/node')['default'];
type H5Module = Awaited<H5wasm['ready']>;
interface LoadedH5wasm {
  lib: H5wasm;
  module: H5Module;
}

let loading: Promise<LoadedH5wasm> | undefined;

// Loaded on first use: the WebAssembly module is a few MB to compile, which users of .npy or CSV should not pay.
function loadH5wasm(): Promise<LoadedH5wasm> {
  loading ??= import('h5wasm/node').then(async ({ default: lib }) => ({ lib, module: await lib.ready }));
  return loading;
}

/**
 * Runs an h5wasm call with HDF5's errors thrown as JS errors (instead of printed to stderr and swallowed),
 * turning them into DataInputErrors that quote HDF5's innermost reason.
 */
function callHdf5<T>(h5: LoadedH5wasm, path: string, problem: string, call: () => T): T {
  h5.module.activate_throwing_error_handler();
  try {
    return call();
  } catch (error) {
    if (error instanceof DataInputError) throw error;
    throw new DataInputError({
      path,
      problem: `${problem}: ${hdf5Reason(error)}`,
      fix: FIX_BY_PROBLEM[problem] ?? 'Check the file with h5ls or h5dump.',
    });
  } finally {
    h5.module.deactivate_throwing_error_handler();
  }
}

const FIX_BY_PROBLEM: Record<string, string> = {
  'cannot be opened as HDF5': 'Check that it is an HDF5 file and complete (h5ls can tell).',
  'cannot be read':
    'If the dataset uses a compression filter h5wasm lacks (e.g. blosc, lzf), rewrite it with gzip: h5repack -f GZIP=4.',
  'cannot be created': 'Check that the directory exists and is writable.',
  'cannot be written': 'Check the dataset path and the free disk space.',
};

/** The most specific line of an HDF5 error stack (`... in H5F__super_read(): file signature not found`). */
function hdf5Reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const reasons = [...text.matchAll(/#\d+:.*?\(\): (.*)/g)].map((match) => match[1]!.trim());
  return reasons.at(-1) ?? (text.trim().split('\n')[0] || 'unknown HDF5 error');
}

interface OpenedDataset {
  dtype: NumericDType;
  /** The dataset's shape; [] for a scalar. */
  shape: number[];
  /** Column names when the dataset is a table. */
  columnNames: string[] | undefined;
  attributes: Attributes;
  /** Rows start..end along axis 0, C order (the one value of a scalar dataset for 0..1). */
  readRows(start: number, end: number): NumericArray;
  close(): void;
}

async function openDataset(spec: string): Promise<OpenedDataset> {
  const { path, inner } = parseDataSpec(spec);
  await assertReadableFile(path);
  const h5 = await loadH5wasm();
  const file = callHdf5(h5, path, 'cannot be opened as HDF5', () => new h5.lib.File(resolve(path), 'r'));
  try {
    const dataset = callHdf5(h5, path, 'cannot be read', () => pickDataset(h5, file, path, inner));
    const metadata = callHdf5(h5, path, 'cannot be read', () => dataset.metadata);
    const { dtype, reinterpret } = numericDType(metadata, path, dataset.path);
    if (metadata.shape === null) {
      throw new DataInputError({
        path,
        problem: `dataset "${dataset.path}" has no dataspace (it holds no values)`,
        fix: 'Pick a dataset that holds data.',
      });
    }
    // h5wasm's extents are heap numbers: in an array of them every extent loads as a double, and so do
    // the loop bounds and indices derived from them (−20 % compression speed). `| 0` makes them small
    // integers; an extent beyond int32 (never in memory at once) stays as it is.
    const shape = metadata.shape.map((extent) => (extent < 2 ** 31 ? extent | 0 : extent));
    const attributes = callHdf5(h5, path, 'cannot be read', () => readAttributes(dataset));
    const columnNames = tableColumnNames(shape, attributes[COLUMNS_ATTRIBUTE]);
    if (columnNames !== undefined) delete attributes[COLUMNS_ATTRIBUTE];

    const readRows = (start: number, end: number): NumericArray => {
      const values = callHdf5(h5, path, 'cannot be read', () =>
        shape.length === 0 ? dataset.value : dataset.slice([[start, end]]),
      );
      return toNumericArray(values, dtype, reinterpret, path, dataset.path);
    };
    return { dtype, shape, columnNames, attributes, readRows, close: () => file.close() };
  } catch (error) {
    file.close();
    throw error;
  }
}

function pickDataset(h5: LoadedH5wasm, file: H5File, path: string, inner: string | undefined): H5Dataset {
  const datasetPaths = file
    .paths()
    .filter((name) => file.get(name) instanceof h5.lib.Dataset)
    .map((name) => `/${name}`);
  const choices =
    datasetPaths.length === 0
      ? 'The file holds no datasets.'
      : `Datasets in this file: ${listForMessage(datasetPaths)}. Pick one as ${path}:${datasetPaths[0]}.`;
  if (inner === undefined) {
    if (datasetPaths.length === 1) return file.get(datasetPaths[0]!) as H5Dataset;
    throw new DataInputError({
      path,
      problem:
        datasetPaths.length === 0
          ? 'holds no datasets'
          : `holds ${datasetPaths.length} datasets, so name one`,
      fix: choices,
    });
  }
  const datasetPath = `/${inner.replace(/^\/+/, '')}`;
  const entity = file.get(datasetPath);
  if (entity instanceof h5.lib.Dataset) return entity;
  throw new DataInputError({
    path,
    problem:
      entity instanceof h5.lib.Group
        ? `"${datasetPath}" is a group, not a dataset`
        : `no dataset "${datasetPath}"`,
    fix: choices,
  });
}

/** Maps the HDF5 type to a Baler dtype; `reinterpret` marks h5py booleans, stored as an int8 enum. */
function numericDType(
  metadata: H5Dataset['metadata'],
  path: string,
  datasetPath: string,
): { dtype: NumericDType; reinterpret: boolean } {
  const { type, size, signed } = metadata;
  if (type === H5T_INTEGER) {
    const dtype = (signed ? SIGNED_BY_SIZE : UNSIGNED_BY_SIZE)[size];
    if (dtype) return { dtype, reinterpret: false };
  } else if (type === H5T_FLOAT) {
    const dtype = FLOAT_BY_SIZE[size];
    if (dtype) return { dtype, reinterpret: false };
  } else if (type === H5T_ENUM && size === 1 && isBooleanEnum(metadata.enum_type?.members)) {
    return { dtype: 'uint8', reinterpret: true };
  }
  throw new DataInputError({
    path,
    problem: `dataset "${datasetPath}" has HDF5 type ${describeType(metadata)}, which Baler does not read`,
    fix: SUPPORTED,
  });
}

function toNumericArray(
  values: unknown,
  dtype: NumericDType,
  reinterpret: boolean,
  path: string,
  datasetPath: string,
): NumericArray {
  if (typeof values === 'number' || typeof values === 'bigint') {
    // A scalar dataset: h5wasm hands back the bare value.
    const one = allocateArray(dtype, 1);
    (one as unknown as { [i: number]: number | bigint })[0] = values;
    return one;
  }
  if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
    const array = values as NumericArray;
    if (reinterpret) return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    if (array.BYTES_PER_ELEMENT === dtypeByteSize(dtype)) return array;
  }
  throw new DataInputError({
    path,
    problem: `dataset "${datasetPath}" did not read as ${dtype} values`,
    fix: SUPPORTED,
  });
}

/** The `columns` attribute as table column names, if it names each column of a 2-D dataset. */
function tableColumnNames(shape: number[], columns: JsonValue | undefined): string[] | undefined {
  if (shape.length !== 2 || !Array.isArray(columns) || columns.length !== shape[1]) return undefined;
  return columns.every((name) => typeof name === 'string') ? (columns as string[]) : undefined;
}

function readAttributes(object: H5Dataset): Attributes {
  const attributes: Attributes = {};
  for (const [name, attribute] of Object.entries(object.attrs)) {
    let value: JsonValue | undefined;
    try {
      value = toJson(attribute.value, attribute.metadata.shape ?? []);
    } catch {
      // An attribute of an exotic type (reference, opaque) is metadata; it should not block reading the data.
      value = undefined;
    }
    if (value !== undefined) attributes[name] = value;
  }
  return attributes;
}

/** An attribute value as JSON: typed arrays become (nested, per `shape`) arrays, bigints numbers if exact. */
function toJson(value: unknown, shape: readonly number[]): JsonValue | undefined {
  if (value === null) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return jsonNumber(value);
  if (typeof value === 'bigint')
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if ((ArrayBuffer.isView(value) && !(value instanceof DataView)) || Array.isArray(value)) {
    const items: JsonValue[] = [];
    for (const item of value as ArrayLike<unknown> & Iterable<unknown>) {
      const json = toJson(item, []);
      if (json === undefined) return undefined;
      items.push(json);
    }
    return shape.length > 1 ? nest(items, shape) : items;
  }
  return undefined;
}

// JSON has no NaN or infinities; their names keep the information.
function jsonNumber(value: number): JsonValue {
  if (Number.isFinite(value)) return value;
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
}

function nest(flat: JsonValue[], shape: readonly number[]): JsonValue[] {
  if (shape.length <= 1 || flat.length !== shapeSize(shape)) return flat;
  const inner = shapeSize(shape.slice(1));
  return Array.from({ length: shape[0]! }, (_, i) =>
    nest(flat.slice(i * inner, (i + 1) * inner), shape.slice(1)),
  );
}

function writeAttribute(target: H5Dataset, name: string, value: JsonValue): void {
  if (typeof value === 'string') {
    target.create_attribute(name, value, null, 'S');
  } else if (typeof value === 'number') {
    writeNumbers(target, name, [value], []);
  } else if (isNonEmptyArrayOf(value, 'string')) {
    target.create_attribute(name, value, [value.length], 'S');
  } else if (isNonEmptyArrayOf(value, 'number')) {
    writeNumbers(target, name, value, [value.length]);
  } else {
    // HDF5 has no type for booleans, null, objects or mixed arrays; their JSON text keeps them readable.
    target.create_attribute(name, JSON.stringify(value), null, 'S');
  }
}

function isNonEmptyArrayOf<T extends 'string' | 'number'>(
  value: JsonValue,
  type: T,
): value is T extends 'string' ? string[] : number[] {
  return Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === type);
}

// Whole numbers are written as int64 so that counts and ids read back as integers in h5py, too.
function writeNumbers(target: H5Dataset, name: string, values: number[], shape: number[]): void {
  if (values.every((v) => Number.isSafeInteger(v) && !Object.is(v, -0))) {
    target.create_attribute(name, BigInt64Array.from(values, BigInt), shape, '<q');
  } else {
    target.create_attribute(name, Float64Array.from(values), shape, '<d');
  }
}

function createParentGroups(file: H5File, name: string): void {
  const parts = name.split('/').slice(0, -1);
  for (let i = 1; i <= parts.length; i++) {
    const group = parts.slice(0, i).join('/');
    if (file.get(group) === null) file.create_group(group);
  }
}

function chunkRanges(rowCount: number, rowsPerChunk: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (let start = 0; start < rowCount; start += rowsPerChunk) {
    ranges.push([start, Math.min(rowCount, start + rowsPerChunk)]);
  }
  return ranges;
}

function defaultRowsPerChunk({ shape, dtype }: OpenedDataset): number {
  const rowBytes = shapeSize(shape.slice(1)) * dtypeByteSize(dtype);
  return Math.max(1, Math.floor(DEFAULT_CHUNK_BYTES / Math.max(1, rowBytes)));
}

function tableOf(
  names: string[],
  dtype: NumericDType,
  columns: NumericArray[],
  rowCount: number,
  attributes: Attributes,
): Table {
  return {
    kind: 'table',
    rowCount,
    columns: names.map((name, i) => ({ name, dtype, data: columns[i]! })),
    attributes,
  };
}

function fieldOf(shape: number[], dtype: NumericDType, data: NumericArray, attributes: Attributes): Field {
  return { kind: 'field', shape, dtype, data, attributes };
}

// HDF5 type classes (H5T_class_t).
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_ENUM = 8;
const TYPE_CLASS_NAMES = [
  'integer',
  'float',
  'time',
  'string',
  'bitfield',
  'opaque',
  'compound',
  'reference',
  'enum',
  'variable-length',
  'array',
];

const SIGNED_BY_SIZE: Partial<Record<number, NumericDType>> = {
  1: 'int8',
  2: 'int16',
  4: 'int32',
  8: 'int64',
};
const UNSIGNED_BY_SIZE: Partial<Record<number, NumericDType>> = {
  1: 'uint8',
  2: 'uint16',
  4: 'uint32',
  8: 'uint64',
};
const FLOAT_BY_SIZE: Partial<Record<number, NumericDType>> = { 4: 'float32', 8: 'float64' };

const H5_DTYPE: Record<NumericDType, string> = {
  float32: '<f',
  float64: '<d',
  int8: '<b',
  uint8: '<B',
  int16: '<h',
  uint16: '<H',
  int32: '<i',
  uint32: '<I',
  int64: '<q',
  uint64: '<Q',
};

// h5py stores numpy booleans as an enum {FALSE: 0, TRUE: 1}.
function isBooleanEnum(members: Record<string, number> | undefined): boolean {
  return (
    members !== undefined && Object.keys(members).length === 2 && members.FALSE === 0 && members.TRUE === 1
  );
}

function describeType({ type, size, vlen }: H5Dataset['metadata']): string {
  const name = TYPE_CLASS_NAMES[type] ?? `class ${type}`;
  if (type === H5T_FLOAT) return `float${size * 8}`;
  if (type === 3) return vlen ? 'variable-length string' : `fixed-length string (${size} bytes)`;
  return `${name} (${size} bytes)`;
}
