// Shared by the io tests: arrays full of edge values, and a bit-exact comparison of typed arrays.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dtypeOfArray, type NumericArray, type NumericDType } from '@baler/format';
import { expect } from 'vitest';
import { isDataInputError } from './errors.ts';

/** Float64 edge values: quiet and signalling NaNs with payloads and sign, ±Inf, ±0, subnormal, extremes. */
export function float64EdgeValues(): Float64Array {
  const values = Float64Array.of(
    0,
    0,
    0,
    Infinity,
    -Infinity,
    -0,
    0,
    5e-324,
    -Number.MAX_VALUE,
    0.1,
    1 / 3,
    -1.5e300,
  );
  const words = new Uint32Array(values.buffer);
  // [low word, high word] of each float64 on little-endian hosts.
  words.set([0x12345678, 0x7ff80000], 0); // quiet NaN with payload
  words.set([0x00000001, 0x7ff00000], 2); // signalling NaN
  words.set([0x00000000, 0xfff80000], 4); // negative canonical NaN
  return values;
}

/** Float32 edge values, as for float64. */
export function float32EdgeValues(): Float32Array {
  const values = Float32Array.of(0, 0, Infinity, -Infinity, -0, 0, 1e-45, 3.4028234663852886e38, 0.1, -2.5);
  const words = new Uint32Array(values.buffer);
  words[0] = 0x7fc12345; // quiet NaN with payload
  words[1] = 0x7f800001; // signalling NaN
  return values;
}

/** Minimum, maximum, -1/0/1 (where they fit) of each integer dtype. */
export function integerEdgeValues(dtype: Exclude<NumericDType, 'float32' | 'float64'>): NumericArray {
  switch (dtype) {
    case 'int8':
      return Int8Array.of(-128, -1, 0, 1, 127);
    case 'uint8':
      return Uint8Array.of(0, 1, 254, 255, 7);
    case 'int16':
      return Int16Array.of(-32768, -1, 0, 1, 32767);
    case 'uint16':
      return Uint16Array.of(0, 1, 65534, 65535, 7);
    case 'int32':
      return Int32Array.of(-2147483648, -1, 0, 1, 2147483647);
    case 'uint32':
      return Uint32Array.of(0, 1, 4294967294, 4294967295, 7);
    case 'int64':
      return BigInt64Array.of(-(2n ** 63n), -1n, 0n, 1n, 2n ** 63n - 1n);
    case 'uint64':
      return BigUint64Array.of(0n, 1n, 2n ** 64n - 2n, 2n ** 64n - 1n, 2n ** 53n + 1n);
  }
}

export const INTEGER_DTYPES = [
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
] as const;

/** Asserts same dtype, same length and identical bytes, naming the first differing element. */
export function expectSameBits(actual: NumericArray, expected: NumericArray): void {
  expect(dtypeOfArray(actual)).toBe(dtypeOfArray(expected));
  expect(actual.length).toBe(expected.length);
  const a = new Uint8Array(actual.buffer, actual.byteOffset, actual.byteLength);
  const b = new Uint8Array(expected.buffer, expected.byteOffset, expected.byteLength);
  const size = expected.BYTES_PER_ELEMENT;
  for (let i = 0; i < b.length; i++) {
    if (a[i] !== b[i]) {
      const element = Math.floor(i / size);
      expect.fail(`element ${element} differs: ${String(actual[element])} vs ${String(expected[element])}`);
    }
  }
}

/** A fresh temporary directory, removed by the returned cleanup. */
export async function temporaryDirectory(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'baler-io-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Path of a shared, read-only data file (never copied into the repository). */
export function sharedDataPath(name: string): string {
  return fileURLToPath(new URL(`../../../../../shared/data/${name}`, import.meta.url));
}

/** The DataInputError `promise` rejects with (failing the test if it resolves or rejects otherwise). */
export async function dataInputRejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(isDataInputError(error)).toBe(true);
    return error as Error;
  }
  throw new Error('expected a rejection');
}
