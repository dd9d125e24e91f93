// Bit-exact reorderings of typed arrays: splitting row-major rows into columns, interleaving columns into
// rows, and Fortran-order to C-order. They move raw words through unsigned integer views instead of values,
// because a float read into a JS number and written back may lose its NaN payload (signalling NaNs get
// quieted), and every bit of the user's data must survive.

import { allocateArray, dtypeOfArray, type NumericArray } from '@baler/format';

type WordArray = Uint8Array | Uint16Array | Uint32Array;

/** The array's bytes as unsigned words of up to 4 bytes, and how many words make one element. */
function wordsOf(array: NumericArray): { words: WordArray; perElement: number } {
  const { buffer, byteOffset, byteLength, BYTES_PER_ELEMENT: size } = array;
  // A typed array's byteOffset is a multiple of its element size, so a view of <= 4-byte words is aligned.
  if (size === 1) return { words: new Uint8Array(buffer, byteOffset, byteLength), perElement: 1 };
  if (size === 2) return { words: new Uint16Array(buffer, byteOffset, byteLength / 2), perElement: 1 };
  return { words: new Uint32Array(buffer, byteOffset, byteLength / 4), perElement: size / 4 };
}

/**
 * Splits `rowMajor` (rows × `targets.length`, C order) into its columns, writing row r of column c to
 * `targets[c][targetRowOffset + r]`. Targets must have the same dtype as `rowMajor`.
 */
export function splitColumnsInto(
  rowMajor: NumericArray,
  targets: NumericArray[],
  targetRowOffset: number,
): void {
  const columnCount = targets.length;
  if (columnCount === 0) return;
  const source = wordsOf(rowMajor);
  const perElement = source.perElement;
  const rowCount = rowMajor.length / columnCount;
  const destinations = targets.map((target) => wordsOf(target).words);
  const src = source.words;
  let s = 0;
  // Rows outer, columns inner: the source is read once, front to back; each column is written in order.
  for (let r = 0; r < rowCount; r++) {
    const d = (targetRowOffset + r) * perElement;
    for (let c = 0; c < columnCount; c++) {
      const dst = destinations[c]!;
      for (let w = 0; w < perElement; w++) dst[d + w] = src[s++]!;
    }
  }
}

/** The columns of a rows × columns C-order array, each a new typed array of the same dtype. */
export function splitColumns(rowMajor: NumericArray, columnCount: number): NumericArray[] {
  const dtype = dtypeOfArray(rowMajor);
  const rowCount = columnCount === 0 ? 0 : rowMajor.length / columnCount;
  const columns = Array.from({ length: columnCount }, () => allocateArray(dtype, rowCount));
  splitColumnsInto(rowMajor, columns, 0);
  return columns;
}

/** Equal-length columns of one dtype interleaved into one rows × columns C-order array. */
export function interleaveColumns(columns: readonly NumericArray[], rowCount: number): NumericArray {
  const first = columns[0];
  if (first === undefined) return new Float64Array(0);
  const rowMajor = allocateArray(dtypeOfArray(first), rowCount * columns.length);
  const target = wordsOf(rowMajor);
  const perElement = target.perElement;
  const dst = target.words;
  const sources = columns.map((column) => wordsOf(column).words);
  let d = 0;
  for (let r = 0; r < rowCount; r++) {
    const s = r * perElement;
    for (const src of sources) {
      for (let w = 0; w < perElement; w++) dst[d++] = src[s + w]!;
    }
  }
  return rowMajor;
}

/**
 * Calls `copy(cIndex, fortranIndex)` for every element of an array of `shape`, in C order: element
 * `cIndex` of the C-order array is element `fortranIndex` of the Fortran-order one.
 */
export function forEachFortranToC(
  shape: readonly number[],
  copy: (cIndex: number, fortranIndex: number) => void,
) {
  const rank = shape.length;
  let total = 1;
  for (const d of shape) total *= d;
  if (total === 0) return;
  // Fortran strides: the first axis varies fastest.
  const fortranStrides = new Array<number>(rank);
  let stride = 1;
  for (let k = 0; k < rank; k++) {
    fortranStrides[k] = stride;
    stride *= shape[k]!;
  }
  const counter = new Array<number>(rank).fill(0);
  let f = 0;
  for (let c = 0; c < total; c++) {
    copy(c, f);
    // Advance the C-order odometer (last axis fastest) and keep the Fortran offset in step.
    for (let k = rank - 1; k >= 0; k--) {
      counter[k]!++;
      f += fortranStrides[k]!;
      if (counter[k]! < shape[k]!) break;
      f -= counter[k]! * fortranStrides[k]!;
      counter[k] = 0;
    }
  }
}

/** A Fortran-order array of `shape` rewritten in C order (a new array of the same dtype). */
export function fortranToC(data: NumericArray, shape: readonly number[]): NumericArray {
  const result = allocateArray(dtypeOfArray(data), data.length);
  const { words: src, perElement } = wordsOf(data);
  const dst = wordsOf(result).words;
  forEachFortranToC(shape, (c, f) => {
    for (let w = 0; w < perElement; w++) dst[c * perElement + w] = src[f * perElement + w]!;
  });
  return result;
}

/** Copies all of `source` into `target` from element `targetIndex` on, byte for byte (same dtype). */
export function copyElements(source: NumericArray, target: NumericArray, targetIndex: number): void {
  const targetBytes = new Uint8Array(target.buffer, target.byteOffset, target.byteLength);
  targetBytes.set(
    new Uint8Array(source.buffer, source.byteOffset, source.byteLength),
    targetIndex * target.BYTES_PER_ELEMENT,
  );
}
