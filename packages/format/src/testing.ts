// Test support shared by every package's tests and benchmarks (the `@baler/format/testing` entry, not part
// of the public API): small datasets, bit-exact comparisons, a seeded generator and random networks.
import type { Dataset, Field, NumericArray, Table } from './dataset.ts';
import type { Activation, DenseNetwork } from './model/dense-network.ts';

/** A table with every kind of column: floats with NaN/±Inf/-0, integers, 64-bit integers and text. */
export function sampleTable(rows = 50): Table {
  const x = new Float64Array(rows).map((_, i) => Math.sin(i) * 1e3);
  x[1] = Number.NaN;
  x[2] = Number.POSITIVE_INFINITY;
  x[3] = Number.NEGATIVE_INFINITY;
  x[4] = -0;
  x[5] = 5e-324;
  return {
    kind: 'table',
    rowCount: rows,
    columns: [
      { name: 'x', dtype: 'float64', data: x },
      { name: 'charge', dtype: 'int8', data: new Int8Array(rows).map((_, i) => (i % 2 ? 1 : -1)) },
      { name: 'energy', dtype: 'float32', data: new Float32Array(rows).map((_, i) => i * 0.1) },
      {
        name: 'id',
        dtype: 'int64',
        data: new BigInt64Array(rows).map((_, i) => BigInt(i) * 10_000_000_000n),
      },
      {
        name: 'label',
        dtype: 'string',
        data: Array.from({ length: rows }, (_, i) => (i % 3 ? `café ${i}` : '')),
      },
    ],
    attributes: { experiment: 'test', version: 3, tags: ['a', 'b'] },
  };
}

/** A 3-D float32 field. */
export function sampleField(shape: number[] = [5, 6, 7]): Field {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size).map((_, i) => Math.cos(i / 7) * (i % 11));
  if (size > 3) {
    data[0] = Number.NaN;
    data[1] = -0;
    data[2] = Number.POSITIVE_INFINITY;
  }
  return { kind: 'field', shape, dtype: 'float32', data, attributes: { units: 'm/s' } };
}

/** True when two datasets hold the same values bit for bit (NaN payloads and -0 included). */
export function datasetsIdentical(a: Dataset, b: Dataset): boolean {
  if (a.kind !== b.kind) return false;
  if (JSON.stringify(a.attributes) !== JSON.stringify(b.attributes)) return false;
  if (a.kind === 'field' && b.kind === 'field') {
    return a.dtype === b.dtype && a.shape.join() === b.shape.join() && bytesEqual(a.data, b.data);
  }
  const ta = a as Table;
  const tb = b as Table;
  if (ta.rowCount !== tb.rowCount || ta.columns.length !== tb.columns.length) return false;
  return ta.columns.every((c, j) => {
    const d = tb.columns[j]!;
    if (c.name !== d.name || c.dtype !== d.dtype) return false;
    if (Array.isArray(c.data) || Array.isArray(d.data)) {
      return (
        Array.isArray(c.data) &&
        Array.isArray(d.data) &&
        c.data.join('\u0000') === d.data.join('\u0000') &&
        c.data.length === d.data.length
      );
    }
    return bytesEqual(c.data, d.data);
  });
}

/** max |decoded − original| over the values of two fields of the same shape. */
export function maxAbsoluteError(original: Field, decoded: Field): number {
  let worst = 0;
  for (let i = 0; i < original.data.length; i++)
    worst = Math.max(worst, Math.abs(Number(original.data[i]) - Number(decoded.data[i])));
  return worst;
}

export function bytesEqual(a: NumericArray, b: NumericArray): boolean {
  if (a.byteLength !== b.byteLength) return false;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Mulberry32: a tiny seeded PRNG so that every test and fuzz run is reproducible. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Glorot-uniform dense layers (as a trained decoder has: activations stay of order one), seeded. */
export function randomDenseNetwork(
  shape: readonly number[],
  activations: readonly Activation[],
  seed: number,
): DenseNetwork {
  const random = seededRandom(seed);
  return {
    layers: activations.map((activation, k) => {
      const inputs = shape[k]!;
      const outputs = shape[k + 1]!;
      const limit = Math.sqrt(6 / (inputs + outputs));
      return {
        inputs,
        outputs,
        weight: Float32Array.from({ length: inputs * outputs }, () => (2 * random() - 1) * limit),
        bias: Float32Array.from({ length: outputs }, () => (random() - 0.5) * 0.2),
        activation,
        alpha: 0.01,
      };
    }),
  };
}

/** `length` float32 values uniform in [−2, 2), seeded. */
export function randomInput(length: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length }, () => (random() - 0.5) * 4);
}

/**
 * Frames of rows × cols tiled by 8 × 8 blocks (edge blocks cut short), each block `centre + spread ×
 * (a P + b Q)` of two fixed rough zero-mean patterns with its own level and contrast, plus ±0.005 noise:
 * what a 2-latent linear block autoencoder explains once each block is normalized, and neighbours do not.
 */
export function blockPatternField(frames: number, rows: number, cols: number, seed = 31): Field {
  const random = seededRandom(seed);
  const pattern = () => {
    const p = Float64Array.from({ length: 64 }, () => random() * 2 - 1);
    const mean = p.reduce((a, b) => a + b, 0) / 64;
    return p.map((v) => v - mean);
  };
  const p = pattern();
  const q = pattern();
  const data = new Float64Array(frames * rows * cols);
  for (let t = 0; t < frames; t++) {
    for (let by = 0; by < rows; by += 8) {
      for (let bx = 0; bx < cols; bx += 8) {
        const [a, b] = [random() * 2 - 1, random() * 2 - 1];
        const centre = (random() - 0.5) * 10;
        const spread = 0.5 + random() * 2;
        for (let y = by; y < Math.min(rows, by + 8); y++) {
          for (let x = bx; x < Math.min(cols, bx + 8); x++) {
            const k = (y - by) * 8 + (x - bx);
            const noise = (random() - 0.5) * 0.01;
            data[(t * rows + y) * cols + x] = centre + spread * (a * p[k]! + b * q[k]!) + noise;
          }
        }
      }
    }
  }
  return { kind: 'field', shape: [frames, rows, cols], dtype: 'float64', data, attributes: {} };
}

/**
 * Frames of rows × cols, each a random mix of two fixed rough patterns (neighbours predict each other
 * badly) plus ±0.005 noise: what a 2-latent linear frame decoder explains.
 */
export function framePatternField(frames: number, rows: number, cols: number, seed = 99): Field {
  const random = seededRandom(seed);
  const size = rows * cols;
  const p = Float64Array.from({ length: size }, () => random() * 2 - 1);
  const q = Float64Array.from({ length: size }, () => random() * 2 - 1);
  const data = new Float64Array(frames * size);
  for (let t = 0; t < frames; t++) {
    const a = (random() - 0.5) * 20;
    const b = (random() - 0.5) * 20;
    for (let i = 0; i < size; i++) data[t * size + i] = a * p[i]! + b * q[i]! + (random() - 0.5) * 0.01;
  }
  return { kind: 'field', shape: [frames, rows, cols], dtype: 'float64', data, attributes: {} };
}

/**
 * The causal neighbours, in input order, of the committed 5-input stencil network
 * (`model/testdata/stencil-network.onnx`, SPEC.md §7.2.1): a fresh copy each call.
 */
export function fixtureStencilOffsets(): number[][] {
  return [
    [0, 0, -1],
    [0, -1, 0],
    [0, -1, -1],
    [-1, 0, 0],
    [0, 0, -2],
  ];
}
