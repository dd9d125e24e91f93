// NumPy's .npy format (versions 1.0, 2.0 and 3.0), read and written in pure TypeScript so that the same
// code runs in Node and in the browser. Spec: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html

import {
  arrayToLittleEndianBytes,
  type Dataset,
  dtypeByteSize,
  dtypeOfArray,
  type Field,
  littleEndianBytesToArray,
  type NumericArray,
  type NumericDType,
  shapeSize,
} from '@baler/format';
import { DataInputError } from './errors.ts';
import { forEachFortranToC, fortranToC } from './reorder.ts';

/** A parsed .npy array: numbers as a typed array, fixed-width text (`<U`, `|S`) as strings; C order. */
export type NpyArray =
  | { dtype: NumericDType; shape: number[]; data: NumericArray }
  | { dtype: 'string'; shape: number[]; data: string[] };

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
// numpy pads headers so the data starts on a 64-byte boundary, which lets readers map it in place.
const HEADER_ALIGNMENT = 64;
const SUPPORTED_DTYPES =
  '<f4, <f8, <i1..<i8, <u1..<u8, |b1 (read as uint8), <U and |S text, either byte order';

const NUMERIC_KINDS: Record<string, Partial<Record<number, NumericDType>>> = {
  f: { 4: 'float32', 8: 'float64' },
  i: { 1: 'int8', 2: 'int16', 4: 'int32', 8: 'int64' },
  u: { 1: 'uint8', 2: 'uint16', 4: 'uint32', 8: 'uint64' },
  // numpy booleans are one byte holding 0 or 1; uint8 keeps those bytes exactly.
  b: { 1: 'uint8' },
};

export type ElementType =
  | { kind: 'numeric'; dtype: NumericDType; bigEndian: boolean }
  | { kind: 'utf32'; chars: number; bigEndian: boolean }
  | { kind: 'bytes'; length: number };

/** Parses a .npy file. `path` names the data in error messages. */
export function parseNpy(input: Uint8Array, path = 'the .npy data'): NpyArray {
  // A Node Buffer's slice() is a view, not a copy, which breaks code that copies with slice(); view it plainly.
  const bytes =
    input.constructor === Uint8Array
      ? input
      : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const { descr, fortranOrder, shape, dataOffset } = parseHeader(bytes, path);
  const element = parseDescr(descr, path);
  const count = shapeSize(shape);
  const itemSize =
    element.kind === 'numeric'
      ? dtypeByteSize(element.dtype)
      : element.kind === 'utf32'
        ? element.chars * 4
        : element.length;
  const byteLength = count * itemSize;
  if (bytes.length - dataOffset < byteLength) {
    throw new DataInputError({
      path,
      problem: `is truncated: the header declares shape (${shape.join(', ')}) of ${descr}, ${byteLength} bytes, but only ${bytes.length - dataOffset} follow`,
      fix: 'Copy or save the file again.',
    });
  }
  const body = bytes.subarray(dataOffset, dataOffset + byteLength);

  if (element.kind === 'numeric') {
    let data = littleEndianBytesToArray(
      element.bigEndian ? swapped(body, dtypeByteSize(element.dtype)) : body,
      element.dtype,
    );
    if (fortranOrder && shape.length > 1) data = fortranToC(data, shape);
    return { dtype: element.dtype, shape, data };
  }
  let data =
    element.kind === 'utf32'
      ? decodeUtf32(body, count, element.chars, element.bigEndian)
      : decodeFixedBytes(body, count, element.length);
  if (fortranOrder && shape.length > 1) {
    const fortran = data;
    data = new Array<string>(count);
    forEachFortranToC(shape, (c, f) => {
      data[c] = fortran[f]!;
    });
  }
  return { dtype: 'string', shape, data };
}

/**
 * Where the values of a .npy file start and how they are laid out, from its first bytes (the header is
 * at most a few KiB; pass at least 64 KiB or the whole file). For reading the values in pieces.
 */
export function readNpyLayout(
  head: Uint8Array,
  path: string,
): { element: ElementType; shape: number[]; fortranOrder: boolean; dataOffset: number } {
  const bytes =
    head.constructor === Uint8Array ? head : new Uint8Array(head.buffer, head.byteOffset, head.byteLength);
  const { descr, fortranOrder, shape, dataOffset } = parseHeader(bytes, path);
  return { element: parseDescr(descr, path), shape, fortranOrder, dataOffset };
}

/**
 * A .npy file (version 1.0, or 2.0 when the header needs more than 64 KiB) holding `array` in C order with
 * `shape`. Strings are written as `<U` (UTF-32), the type numpy gives Python strings.
 */
export function serializeNpy(array: NumericArray | readonly string[], shape: readonly number[]): Uint8Array {
  if (shapeSize(shape) !== array.length) {
    throw new RangeError(
      `shape (${shape.join(', ')}) holds ${shapeSize(shape)} values, the array ${array.length}`,
    );
  }
  let header: Uint8Array;
  let body: Uint8Array;
  if (Array.isArray(array)) {
    const strings = array as readonly string[];
    let chars = 1;
    for (const s of strings) chars = Math.max(chars, codePointLength(s));
    header = encodeHeader(`<U${chars}`, shape);
    body = encodeUtf32(strings, chars);
  } else {
    const numeric = array as NumericArray;
    header = npyHeader(dtypeOfArray(numeric), shape);
    body = arrayToLittleEndianBytes(numeric);
  }
  const file = new Uint8Array(header.length + body.length);
  file.set(header, 0);
  file.set(body, header.length);
  return file;
}

/** The header of a .npy file holding a C-order array of `dtype` and `shape` (its values follow it). */
export function npyHeader(dtype: NumericDType, shape: readonly number[]): Uint8Array {
  const size = dtypeByteSize(dtype);
  // numpy marks one-byte types with '|' (byte order not applicable).
  return encodeHeader(`${size === 1 ? '|' : '<'}${DESCR_KIND[dtype]}${size}`, shape);
}

/** A .npy file's array as a Baler field; a 0-d scalar becomes shape [1]. */
export function npyToField(bytes: Uint8Array, path: string): Field {
  const array = parseNpy(bytes, path);
  if (array.dtype === 'string') {
    throw new DataInputError({
      path,
      problem: 'holds text, not numbers',
      fix: 'Baler compresses numeric arrays; save the numbers with numpy.save, or put text next to numbers in a .csv.',
    });
  }
  return {
    kind: 'field',
    shape: array.shape.length === 0 ? [1] : array.shape,
    dtype: array.dtype,
    data: array.data,
    attributes: {},
  };
}

/** A field as a .npy file. Tables are refused: .npy has no place for their column names. */
export function fieldToNpy(dataset: Dataset, path: string): Uint8Array {
  if (dataset.kind === 'table') {
    throw new DataInputError({
      path,
      problem: 'a .npy file holds one array and cannot keep column names',
      fix: 'Write the table as .npz (keeps the names, numpy-compatible), .h5 or .csv.',
    });
  }
  return serializeNpy(dataset.data, dataset.shape);
}

const DESCR_KIND: Record<NumericDType, string> = {
  float32: 'f',
  float64: 'f',
  int8: 'i',
  int16: 'i',
  int32: 'i',
  int64: 'i',
  uint8: 'u',
  uint16: 'u',
  uint32: 'u',
  uint64: 'u',
};

function parseHeader(
  bytes: Uint8Array,
  path: string,
): { descr: string; fortranOrder: boolean; shape: number[]; dataOffset: number } {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new DataInputError({
      path,
      problem: 'is not a .npy file (it does not start with \\x93NUMPY)',
      fix: 'Check the path; .npy files are written by numpy.save.',
    });
  }
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLength: number;
  if (major === 1) {
    headerStart = 10;
    headerLength = view.getUint16(8, true);
  } else if ((major === 2 || major === 3) && bytes.length >= 12) {
    headerStart = 12;
    headerLength = view.getUint32(8, true);
  } else {
    throw new DataInputError({
      path,
      problem: `uses .npy format version ${major}.${bytes[7]}, which this reader does not know (it reads 1.0, 2.0, 3.0)`,
      fix: 'Save the array again with numpy.save from a numpy release this reader supports.',
    });
  }
  if (headerStart + headerLength > bytes.length) {
    throw new DataInputError({
      path,
      problem: 'is truncated inside its header',
      fix: 'Copy or save the file again.',
    });
  }
  // Versions 1 and 2 store the header as latin-1, version 3 as UTF-8.
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(headerStart, headerStart + headerLength),
  );
  const malformed = (what: string) =>
    new DataInputError({
      path,
      problem: `has a malformed .npy header (${what}): ${header.trim()}`,
      fix: 'Save the array again with numpy.save.',
    });

  if (/['"]descr['"]\s*:\s*\[/.test(header)) {
    throw new DataInputError({
      path,
      problem: 'holds a structured (record) array, which Baler does not read',
      fix: 'Save each field as its own array (numpy.savez), or write the table as .csv.',
    });
  }
  const descr = /['"]descr['"]\s*:\s*(['"])(.*?)\1/.exec(header)?.[2];
  if (descr === undefined) throw malformed('no descr');
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  if (fortran === undefined) throw malformed('no fortran_order');
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (shapeText === undefined) throw malformed('no shape');
  const shape: number[] = [];
  for (const part of shapeText.split(',')) {
    const dim = part.trim();
    if (dim === '') continue;
    // Python 2 numpy wrote longs with an L suffix.
    if (!/^\d+L?$/.test(dim)) throw malformed(`bad dimension "${dim}"`);
    const n = Number.parseInt(dim, 10);
    if (!Number.isSafeInteger(n)) throw malformed(`dimension ${dim} too large`);
    shape.push(n);
  }
  return { descr, fortranOrder: fortran === 'True', shape, dataOffset: headerStart + headerLength };
}

function parseDescr(descr: string, path: string): ElementType {
  const match = /^([<>|=]?)([a-zA-Z])(\d+)$/.exec(descr);
  const unsupported = () =>
    new DataInputError({
      path,
      problem: `has dtype ${descr}, which Baler does not read`,
      fix: `Convert it with numpy (e.g. a.astype("<f8")); supported: ${SUPPORTED_DTYPES}.`,
    });
  if (match === null) throw unsupported();
  const [, order, kind, sizeText] = match as unknown as [string, string, string, string];
  const size = Number.parseInt(sizeText, 10);
  // '=' is "native order"; numpy never writes it to files, and every host numpy runs on today is little-endian.
  const bigEndian = order === '>';
  if (kind === 'U') return { kind: 'utf32', chars: size, bigEndian };
  if (kind === 'S' || kind === 'a') return { kind: 'bytes', length: size };
  const dtype = NUMERIC_KINDS[kind]?.[size];
  if (dtype === undefined) throw unsupported();
  return { kind: 'numeric', dtype, bigEndian };
}

function encodeHeader(descr: string, shape: readonly number[]): Uint8Array {
  // Python tuple syntax: () for a scalar, (n,) for one dimension.
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${tuple}, }`;
  // Pad with spaces and end with '\n' so magic + version + length + header is a multiple of 64 bytes.
  const paddedLength = (prefix: number) =>
    Math.ceil((prefix + dict.length + 1) / HEADER_ALIGNMENT) * HEADER_ALIGNMENT;
  // Version 1.0 stores the header length in 16 bits; 2.0 only differs in using 32.
  const version = paddedLength(10) - 10 <= 0xffff ? 1 : 2;
  const prefixLength = version === 1 ? 10 : 12;
  const padded = paddedLength(prefixLength);
  const headerLength = padded - prefixLength;
  const out = new Uint8Array(padded);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerLength, true);
  else view.setUint32(8, headerLength, true);
  const text = dict.padEnd(headerLength - 1, ' ');
  for (let i = 0; i < text.length; i++) out[prefixLength + i] = text.charCodeAt(i);
  out[padded - 1] = 0x0a;
  return out;
}

function swapped(bytes: Uint8Array, size: number): Uint8Array {
  const copy = bytes.slice();
  if (size > 1) for (let i = 0; i < copy.length; i += size) copy.subarray(i, i + size).reverse();
  return copy;
}

function decodeUtf32(body: Uint8Array, count: number, chars: number, bigEndian: boolean): string[] {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const out = new Array<string>(count);
  const codePoints: number[] = [];
  for (let i = 0; i < count; i++) {
    codePoints.length = 0;
    for (let k = 0; k < chars; k++) codePoints.push(view.getUint32((i * chars + k) * 4, !bigEndian));
    // numpy pads with NUL and strips trailing NULs when it reads, so do the same.
    while (codePoints.length > 0 && codePoints[codePoints.length - 1] === 0) codePoints.pop();
    // A damaged file may hold values past Unicode's range, which String.fromCodePoint would throw on.
    for (let k = 0; k < codePoints.length; k++) if (codePoints[k]! > 0x10ffff) codePoints[k] = 0xfffd;
    out[i] = String.fromCodePoint(...codePoints);
  }
  return out;
}

function decodeFixedBytes(body: Uint8Array, count: number, length: number): string[] {
  const decoder = new TextDecoder('utf-8');
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    let end = (i + 1) * length;
    while (end > i * length && body[end - 1] === 0) end--;
    out[i] = decoder.decode(body.subarray(i * length, end));
  }
  return out;
}

function encodeUtf32(strings: readonly string[], chars: number): Uint8Array {
  const body = new Uint8Array(strings.length * chars * 4);
  const view = new DataView(body.buffer);
  strings.forEach((s, i) => {
    let k = 0;
    for (const ch of s) view.setUint32((i * chars + k++) * 4, ch.codePointAt(0)!, true);
  });
  return body;
}

function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
