// The in-memory shape of the data Baler stores: a table (named columns, each with its own dtype) or a
// field (one N-dimensional array of one dtype). Numeric data is always a typed array, never JS objects.

export type NumericDType =
  | 'float32'
  | 'float64'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64';

/** `string` holds non-numeric table columns (e.g. from CSV) exactly as text. */
export type DType = NumericDType | 'string';

export type NumericArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

export type ColumnData = NumericArray | string[];

export interface Column {
  name: string;
  dtype: DType;
  data: ColumnData;
}

/** JSON-representable values, for attributes carried over from the source (e.g. HDF5 attributes). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type Attributes = Record<string, JsonValue>;

/** Rows of named columns. Every column holds exactly `rowCount` values. */
export interface Table {
  kind: 'table';
  rowCount: number;
  columns: Column[];
  attributes: Attributes;
}

/** One N-dimensional array in C (row-major) order. */
export interface Field {
  kind: 'field';
  shape: number[];
  dtype: NumericDType;
  data: NumericArray;
  attributes: Attributes;
}

export type Dataset = Table | Field;

interface DTypeInfo {
  bytes: number;
  ctor: {
    new (length: number): NumericArray;
    new (buffer: ArrayBuffer, offset: number, length: number): NumericArray;
  };
}

const DTYPES: Record<NumericDType, DTypeInfo> = {
  float32: { bytes: 4, ctor: Float32Array },
  float64: { bytes: 8, ctor: Float64Array },
  int8: { bytes: 1, ctor: Int8Array },
  uint8: { bytes: 1, ctor: Uint8Array },
  int16: { bytes: 2, ctor: Int16Array },
  uint16: { bytes: 2, ctor: Uint16Array },
  int32: { bytes: 4, ctor: Int32Array },
  uint32: { bytes: 4, ctor: Uint32Array },
  int64: { bytes: 8, ctor: BigInt64Array },
  uint64: { bytes: 8, ctor: BigUint64Array },
};

export const NUMERIC_DTYPES = Object.keys(DTYPES) as NumericDType[];

export function isNumericDType(value: unknown): value is NumericDType {
  return typeof value === 'string' && Object.hasOwn(DTYPES, value);
}

export function isDType(value: unknown): value is DType {
  return value === 'string' || isNumericDType(value);
}

export function dtypeByteSize(dtype: NumericDType): number {
  return DTYPES[dtype].bytes;
}

/** A zero-filled typed array of `length` values of `dtype`. */
export function allocateArray(dtype: NumericDType, length: number): NumericArray {
  return new DTYPES[dtype].ctor(length);
}

/** The dtype a typed array holds. */
export function dtypeOfArray(array: NumericArray): NumericDType {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Float64Array) return 'float64';
  if (array instanceof Int8Array) return 'int8';
  if (array instanceof Uint8Array) return 'uint8';
  if (array instanceof Int16Array) return 'int16';
  if (array instanceof Uint16Array) return 'uint16';
  if (array instanceof Int32Array) return 'int32';
  if (array instanceof Uint32Array) return 'uint32';
  if (array instanceof BigInt64Array) return 'int64';
  return 'uint64';
}

/** Whether this machine stores numbers little-endian (as .baler files and .npy `<` dtypes do). */
export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The little-endian bytes of a typed array (a copy, so the caller may keep or change either). */
export function arrayToLittleEndianBytes(array: NumericArray): Uint8Array {
  const bytes = new Uint8Array(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  if (!LITTLE_ENDIAN_HOST) swapBytesInPlace(bytes, array.BYTES_PER_ELEMENT);
  return bytes;
}

/** A typed array of `dtype` read from little-endian `bytes` (copied; `bytes` may be unaligned). */
export function littleEndianBytesToArray(bytes: Uint8Array, dtype: NumericDType): NumericArray {
  const size = dtypeByteSize(dtype);
  if (bytes.length % size !== 0) {
    throw new RangeError(`${bytes.length} bytes is not a whole number of ${dtype} values`);
  }
  // new Uint8Array(view) copies into a fresh buffer at offset 0 (Buffer.prototype.slice would not copy).
  const copy = new Uint8Array(bytes);
  if (!LITTLE_ENDIAN_HOST) swapBytesInPlace(copy, size);
  return new DTYPES[dtype].ctor(copy.buffer, 0, copy.length / size);
}

function swapBytesInPlace(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}

/** Number of elements of an array of this shape. */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The shape of a dataset as stored: [rows, columns] for a table. */
export function datasetShape(dataset: Dataset): number[] {
  return dataset.kind === 'table' ? [dataset.rowCount, dataset.columns.length] : [...dataset.shape];
}
