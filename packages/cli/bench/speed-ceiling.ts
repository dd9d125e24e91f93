// How fast can plain JavaScript decode an entropy-coded field at all? The codec issue's speed anchor is
// SZ3's 744 MB/s decompression. Baler's fastest files (--fast-decode) decode at ~200 MB/s, bound by two
// chains from one value to the next: the rANS symbol whose context depends on the index just decoded,
// and the closed-loop prediction that reads the value just reconstructed. This prototype removes both
// — the simplest design we know that has neither — and measures what is left: not a format method, a
// ceiling. Values are quantized first (q = round(x / 2E)), the 3-D Lorenzo difference of q is coded
// with static rANS (12-bit tables, two interleaved states, contexts from earlier rows and frames only,
// or none), and decoding is the rANS loop plus three prefix sums and one product per value.
// Run: node --import tsx bench/speed-ceiling.ts (reads the shared CFD dataset).

import { readDataFile } from '@baler/trainer';

const DATA = new URL('../../../../shared/data/', import.meta.url).pathname;
const PRECISION = 12;
const TOTAL = 1 << PRECISION;
/** Symbols 0 … 254 are zigzag residuals; 255 escapes to a raw 32-bit one. */
const ESCAPE = 255;
/** Context buckets of |r(up)| + |r(previous frame)|, as the format's CONTEXT_OF_SUM. */
const BUCKET = Int32Array.of(0, 1, 2, 3, 4, 5, 5, 6, 6, 6, 7, 7, 7, 7, 7, 8);
const CONTEXTS = 9;

interface Encoded {
  /** Slot tables, TOTAL entries per context: symbol | (frequency − 1) << 8 | cumulative << 20. */
  slots: Uint32Array;
  words: Uint16Array;
  states: [number, number];
  escapes: Int32Array;
  /** Every byte a decoder needs: words, states, escapes, and the tables (12 bits per used symbol). */
  bytes: number;
}

function contextOf(r: Int32Array, i: number, rowLength: number, plane: number, useContexts: boolean): number {
  if (!useContexts) return 0;
  const up = i >= rowLength ? Math.abs(r[i - rowLength]!) : 0;
  const previous = i >= plane ? Math.abs(r[i - plane]!) : 0;
  return BUCKET[Math.min(up + previous, 15)]!;
}

function encode(q: Int32Array, shape: number[], useContexts: boolean): Encoded {
  const [frames, rows, rowLength] = shape as [number, number, number];
  const plane = rows * rowLength;
  const n = frames * plane;
  // r = the Lorenzo difference along x, then y, then t (in place, from the end).
  const r = Int32Array.from(q);
  for (let i = n - 1; i >= 0; i--) if (i % rowLength > 0) r[i] = r[i]! - r[i - 1]!;
  for (let i = n - 1; i >= 0; i--) if (Math.floor(i / rowLength) % rows > 0) r[i] = r[i]! - r[i - rowLength]!;
  for (let i = n - 1; i >= plane; i--) r[i] = r[i]! - r[i - plane]!;
  const symbols = new Uint8Array(n);
  const contexts = new Uint8Array(n);
  const escapes: number[] = [];
  const counts = Array.from({ length: CONTEXTS }, () => new Float64Array(256));
  for (let i = 0; i < n; i++) {
    const z = ((r[i]! << 1) ^ (r[i]! >> 31)) >>> 0;
    symbols[i] = Math.min(z, ESCAPE);
    if (z >= ESCAPE) escapes.push(r[i]!);
    contexts[i] = contextOf(r, i, rowLength, plane, useContexts);
    counts[contexts[i]!]![symbols[i]!]!++;
  }
  // With one table, every context's slots are table 0's: the decoder runs the same loop either way.
  const slots = new Uint32Array(CONTEXTS * TOTAL);
  const frequency: Int32Array[] = [];
  const cumulative: Int32Array[] = [];
  let tableBits = 0;
  counts.forEach((count, c) => {
    const f = normalize(count);
    const F = new Int32Array(257);
    for (let s = 0; s < 256; s++) {
      F[s + 1] = F[s]! + f[s]!;
      for (let slot = F[s]!; slot < F[s + 1]!; slot++)
        slots[c * TOTAL + slot] = s | ((f[s]! - 1) << 8) | (F[s]! << 20);
      if (f[s]! > 0) tableBits += PRECISION + 8;
    }
    frequency.push(f);
    cumulative.push(F);
  });
  // Two states: even positions in state 0, odd ones in state 1; symbols coded last to first.
  const words: number[] = [];
  const states: [number, number] = [1 << 16, 1 << 16];
  for (let i = n - 1; i >= 0; i--) {
    const k = i & 1;
    const f = frequency[contexts[i]!]![symbols[i]!]!;
    const F = cumulative[contexts[i]!]![symbols[i]!]!;
    let x = states[k]!;
    while (x >= f * 2 ** (32 - PRECISION)) {
      words.push(x & 0xffff);
      x = Math.floor(x / 65536);
    }
    states[k] = Math.floor(x / f) * TOTAL + (x % f) + F;
  }
  words.reverse();
  if (!useContexts) for (let c = 1; c < CONTEXTS; c++) slots.copyWithin(c * TOTAL, 0, TOTAL);
  const bytes = 2 * words.length + 8 + 4 * escapes.length + Math.ceil(tableBits / 8);
  return { slots, words: Uint16Array.from(words), states, escapes: Int32Array.from(escapes), bytes };
}

/** Counts to frequencies summing to TOTAL, every used symbol ≥ 1 (the largest absorbs the rounding). */
function normalize(count: Float64Array): Int32Array {
  const total = count.reduce((a, b) => a + b, 0);
  const f = new Int32Array(256);
  if (total === 0) {
    f[0] = TOTAL;
    return f;
  }
  let sum = 0;
  let largest = 0;
  for (let s = 0; s < 256; s++) {
    if (count[s]! === 0) continue;
    f[s] = Math.max(1, Math.round((count[s]! / total) * TOTAL));
    sum += f[s]!;
    if (count[s]! > count[largest]!) largest = s;
  }
  f[largest] = f[largest]! + TOTAL - sum;
  return f;
}

/** Decodes into q (then out = q × step): the rANS loop, then prefix sums along x, y and t. */
function decode(
  e: Encoded,
  shape: number[],
  r: Int32Array,
  q: Int32Array,
  out: Float32Array,
  step: number,
): void {
  const [frames, rows, rowLength] = shape as [number, number, number];
  const plane = rows * rowLength;
  const n = frames * plane;
  const { slots, words, escapes } = e;
  // Module constants in locals and literals: V8 reloads (and checks) module bindings on every use.
  const bucket = BUCKET;
  let [s0, s1] = e.states;
  let w = 0;
  let nextEscape = 0;
  for (let i = 0; i < n; i += 2) {
    // The contexts read residuals of earlier rows and frames, decoded long before: off the chain.
    const up0 = i >= rowLength ? r[i - rowLength]! : 0;
    const up1 = i + 1 >= rowLength ? r[i + 1 - rowLength]! : 0;
    const p0 = i >= plane ? r[i - plane]! : 0;
    const p1 = i + 1 >= plane ? r[i + 1 - plane]! : 0;
    const a0 = (up0 ^ (up0 >> 31)) - (up0 >> 31) + (p0 ^ (p0 >> 31)) - (p0 >> 31);
    const a1 = (up1 ^ (up1 >> 31)) - (up1 >> 31) + (p1 ^ (p1 >> 31)) - (p1 >> 31);
    const b0 = bucket[Math.min(a0, 15)]! << 12;
    const b1 = bucket[Math.min(a1, 15)]! << 12;
    const e0 = slots[b0 + (s0 & 4095)]!;
    const e1 = slots[b1 + (s1 & 4095)]!;
    s0 = (Math.imul(((e0 >>> 8) & 4095) + 1, s0 >>> 12) + (s0 & 4095) - (e0 >>> 20)) >>> 0;
    s1 = (Math.imul(((e1 >>> 8) & 4095) + 1, s1 >>> 12) + (s1 & 4095) - (e1 >>> 20)) >>> 0;
    if (s0 < 65536) s0 = ((s0 << 16) | words[w++]!) >>> 0;
    if (s1 < 65536) s1 = ((s1 << 16) | words[w++]!) >>> 0;
    const z0 = e0 & 255;
    const z1 = e1 & 255;
    r[i] = z0 === 255 ? escapes[nextEscape++]! : (z0 >>> 1) ^ -(z0 & 1);
    r[i + 1] = z1 === 255 ? escapes[nextEscape++]! : (z1 >>> 1) ^ -(z1 & 1);
  }
  for (let row = 0; row < frames * rows; row++) {
    let sum = 0;
    for (let i = row * rowLength; i < (row + 1) * rowLength; i++) {
      sum += r[i]!;
      q[i] = sum;
    }
  }
  for (let frame = 0; frame < frames; frame++) {
    for (let i = frame * plane + rowLength; i < (frame + 1) * plane; i++) q[i] = q[i]! + q[i - rowLength]!;
  }
  for (let i = plane; i < n; i++) q[i] = q[i]! + q[i - plane]!;
  for (let i = 0; i < n; i++) out[i] = q[i]! * step;
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[values.length >> 1]!;
}

const dataset = await readDataFile(`${DATA}cfd-animation.h5:/data`);
if (dataset.kind !== 'field' || dataset.shape.length !== 3) throw new Error('expected the 3-D CFD field');
const { shape } = dataset;
// Two interleaved states decode the values in pairs.
if (dataset.data.length % 2 !== 0) throw new Error('expected an even number of values');
const values = Float32Array.from(dataset.data as ArrayLike<number>);
const n = values.length;
console.log(
  `Decoding-speed ceiling of plain JS (node ${process.version}, one core): prequantized 3-D Lorenzo + static rANS, ` +
    'two interleaved states; median of 21 decodes after 1 s of warm-up. Anchor: SZ3 744 MB/s, 11.1× / 42.8×.',
);
for (const bound of [1e-4, 1e-3]) {
  const step = 2 * bound * (1 - 2 ** -30);
  const q = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    q[i] = Math.round(values[i]! / step);
    if (!(Math.abs(Math.fround(q[i]! * step) - values[i]!) <= bound))
      throw new Error(`value ${i} misses the bound`);
  }
  for (const useContexts of [true, false]) {
    const encoded = encode(q, shape, useContexts);
    const r = new Int32Array(n);
    const decodedQ = new Int32Array(n);
    const out = new Float32Array(n);
    const run = () => decode(encoded, shape, r, decodedQ, out, step);
    run();
    let maxError = 0;
    for (let i = 0; i < n; i++) {
      if (decodedQ[i] !== q[i]) throw new Error(`decoded index ${i} differs`);
      maxError = Math.max(maxError, Math.abs(out[i]! - values[i]!));
    }
    for (const start = performance.now(); performance.now() - start < 1000; ) run();
    const times: number[] = [];
    for (let k = 0; k < 21; k++) {
      const start = performance.now();
      run();
      times.push(performance.now() - start);
    }
    const ms = median(times);
    console.log(
      `  abs=${bound}, ${useContexts ? 'contexts from earlier rows' : 'one table        '}: ` +
        `${((4 * n) / encoded.bytes).toFixed(1)}× (${encoded.bytes} bytes), max |error| ${maxError.toExponential(3)}, ` +
        `decode ${((4 * n) / 1e3 / ms).toFixed(0)} MB/s (${((ms * 1e6) / n).toFixed(2)} ns/value)`,
    );
  }
}
