// `baler compare`: Baler next to the classical codecs its users would otherwise reach for, on the same
// data at the same bound, in honest bytes: zstd-19, byte shuffle + zstd-19, and bit rounding (the fewest
// float32 mantissa bits that keep every value within the bound) + shuffle + zstd-19. zstd comes from
// @bokuweb/zstd-wasm: Node 20 has no zstd, and its wasm build installs anywhere.
import type { Dataset, Table } from '@baler/format';
import { bytesSource, openBaler, readDataset, shuffleBytes, unshuffleBytes } from '@baler/format';
import { compress as zstdCompress, decompress as zstdDecompress, init as zstdInit } from '@bokuweb/zstd-wasm';
import { compressDataset } from '../compress/compress.ts';
import type { BoundSpec } from '../compress/error-bound.ts';
import { finiteRange } from '../compress/plan.ts';

export interface ComparisonRow {
  codec: string;
  bytes: number;
  /** float32 bytes of the data ÷ bytes. */
  ratio: number;
  maxAbsoluteError: number;
  maxRelativeError: number;
  /** Whether every value is within the bound (non-finite values must come back exactly). */
  withinBound: boolean;
  compressMBps: number;
  decompressMBps: number;
}

/** The data as float64 columns (tables) or one array (fields), the shape every baseline works on. */
function streamsOf(dataset: Dataset): Float64Array[] {
  if (dataset.kind === 'field') return [Float64Array.from(dataset.data as ArrayLike<number>, Number)];
  return (dataset as Table).columns
    .filter((c) => c.dtype !== 'string' && c.dtype !== 'int64' && c.dtype !== 'uint64')
    .map((c) => Float64Array.from(c.data as ArrayLike<number>, Number));
}

function allowance(bound: BoundSpec, values: Float64Array): (x: number) => number {
  if (bound.kind === 'lossless') return () => 0;
  if (bound.kind === 'abs') return () => bound.value;
  if (bound.kind === 'pwrel') return (x) => bound.value * Math.abs(x);
  const absolute = bound.value * finiteRange(values);
  return () => absolute;
}

function measure(original: Float64Array[], decoded: Float64Array[], bound: BoundSpec) {
  let maxAbsoluteError = 0;
  let maxRelativeError = 0;
  let withinBound = true;
  original.forEach((values, j) => {
    const allowed = allowance(bound, values);
    const back = decoded[j]!;
    for (let i = 0; i < values.length; i++) {
      const x = values[i]!;
      const y = back[i]!;
      if (!Number.isFinite(x)) {
        if (!Object.is(x, y)) withinBound = false;
        continue;
      }
      const error = Math.abs(y - x);
      if (error > allowed(x)) withinBound = false;
      if (error > maxAbsoluteError) maxAbsoluteError = error;
      if (x !== 0 && error / Math.abs(x) > maxRelativeError) maxRelativeError = error / Math.abs(x);
    }
  });
  return { maxAbsoluteError, maxRelativeError, withinBound };
}

/** Rounds the float32 bit patterns to `bits` mantissa bits (round to nearest, ties away). */
function roundMantissa(values: Float32Array, bits: number): Float32Array {
  const out = Float32Array.from(values);
  if (bits >= 23) return out;
  const words = new Uint32Array(out.buffer);
  const drop = 23 - bits;
  const half = 1 << (drop - 1);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if ((w & 0x7f800000) === 0x7f800000) continue; // keep NaN and ±Inf as they are
    words[i] = (((w + half) >>> drop) << drop) >>> 0;
  }
  return out;
}

function timed<T>(work: () => T): { result: T; seconds: number } {
  const started = performance.now();
  const result = work();
  return { result, seconds: (performance.now() - started) / 1000 };
}

/** One column-major float32 byte stream of all streams. */
function concatenate(streams: Float32Array[]): Uint8Array {
  const total = streams.reduce((n, s) => n + s.length, 0);
  const all = new Float32Array(total);
  let at = 0;
  for (const s of streams) {
    all.set(s, at);
    at += s.length;
  }
  return new Uint8Array(all.buffer);
}

function split(bytes: Uint8Array, lengths: number[]): Float64Array[] {
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let at = 0;
  return lengths.map((n) => {
    const part = Float64Array.from(all.subarray(at, at + n));
    at += n;
    return part;
  });
}

/** zstd's wasm, instantiated once: instantiating it again breaks the module's heap. */
let zstdReady: Promise<void> | undefined;

export async function compareCodecs(dataset: Dataset, bound: BoundSpec): Promise<ComparisonRow[]> {
  zstdReady ??= zstdInit();
  await zstdReady;
  const original = streamsOf(dataset);
  const lengths = original.map((s) => s.length);
  const float32Bytes = lengths.reduce((n, l) => n + 4 * l, 0);
  const megabytes = float32Bytes / 1e6;
  const rows: ComparisonRow[] = [];
  const zstdRow = (codec: string, streams: Float32Array[], shuffle: boolean) => {
    const raw = concatenate(streams);
    const packed = timed(() => zstdCompress(shuffle ? shuffleBytes(raw, 4) : raw, 19));
    const unpacked = timed(() => {
      const bytes = zstdDecompress(packed.result);
      return shuffle ? unshuffleBytes(bytes, 4) : bytes;
    });
    rows.push({
      codec,
      bytes: packed.result.length,
      ratio: float32Bytes / packed.result.length,
      ...measure(original, split(unpacked.result, lengths), bound),
      compressMBps: megabytes / packed.seconds,
      decompressMBps: megabytes / unpacked.seconds,
    });
  };
  const asFloat32 = original.map((s) => Float32Array.from(s));
  zstdRow('zstd -19 (float32)', asFloat32, false);
  zstdRow('shuffle + zstd -19 (float32)', asFloat32, true);
  // The fewest mantissa bits that keep every value of a stream within the bound, stream by stream.
  const rounded = asFloat32.map((values, j) => {
    for (let bits = 0; bits <= 23; bits++) {
      const candidate = roundMantissa(values, bits);
      if (measure([original[j]!], [Float64Array.from(candidate)], bound).withinBound) return candidate;
    }
    return values;
  });
  zstdRow('bit rounding + shuffle + zstd -19', rounded, true);

  const compressStarted = performance.now();
  const result = await compressDataset(dataset, { bound, verify: false });
  const compressSeconds = (performance.now() - compressStarted) / 1000;
  const file = await openBaler(bytesSource(result.bytes));
  await readDataset(file); // warm-up, as the wasm codecs arrive compiled
  const decodeStarted = performance.now();
  const decoded = await readDataset(file);
  const decodeSeconds = (performance.now() - decodeStarted) / 1000;
  rows.push({
    codec: 'Baler',
    bytes: result.bytes.length,
    ratio: result.summary.float32Bytes / result.bytes.length,
    ...measure(original, streamsOf(decoded), bound),
    compressMBps: megabytes / compressSeconds,
    decompressMBps: megabytes / decodeSeconds,
  });
  return rows;
}
