// Throughput of the entropy coder (src/entropy): raw adaptive binary decisions, and signed integers on a
// residual-like mix (80% zeros, otherwise small geometric magnitudes, 4 contexts).
// Run: node --import tsx packages/format/bench/entropy.ts
import { createBitStates, RangeDecoder, RangeEncoder, SignedIntegerModel } from '../src/entropy/index.ts';
import { seededRandom } from '../src/testing.ts';

const ROUNDS = 9;
const BIT_CONTEXTS = 16;
const INTEGER_CONTEXTS = 4;

/** Bits over 16 contexts: context 0 is uniform, the others have P(1) = 0.1. */
function skewedBits(count: number): Uint8Array {
  const random = seededRandom(1);
  const bits = new Uint8Array(count);
  for (let i = 0; i < count; i++) bits[i] = random() < (i % BIT_CONTEXTS === 0 ? 0.5 : 0.1) ? 1 : 0;
  return bits;
}

function residuals(count: number): Int32Array {
  const random = seededRandom(2);
  const values = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    if (random() < 0.8) continue;
    const magnitude = 1 + Math.floor(-Math.log(1 - random()) * 3); // geometric, mean about 3.5
    values[i] = random() < 0.5 ? -magnitude : magnitude;
  }
  return values;
}

/** Binary decisions SignedIntegerModel makes for `value` (modelled and direct bits alike). */
function decisionsOf(value: number): number {
  if (value === 0) return 1;
  const e = 31 - Math.clz32(Math.abs(value));
  return 2 + (e + 1) + e;
}

function encodeBits(bits: Uint8Array): Uint8Array {
  const encoder = new RangeEncoder(1 << 16);
  const states = createBitStates(BIT_CONTEXTS);
  for (let i = 0; i < bits.length; i++) encoder.encodeBit(states, i & (BIT_CONTEXTS - 1), bits[i]!);
  return encoder.finish();
}

function decodeBits(bytes: Uint8Array, out: Uint8Array): void {
  const decoder = new RangeDecoder(bytes);
  const states = createBitStates(BIT_CONTEXTS);
  for (let i = 0; i < out.length; i++) out[i] = decoder.decodeBit(states, i & (BIT_CONTEXTS - 1));
}

function encodeIntegers(values: Int32Array): Uint8Array {
  const encoder = new RangeEncoder(1 << 16);
  const model = new SignedIntegerModel(INTEGER_CONTEXTS);
  for (let i = 0; i < values.length; i++) model.encode(encoder, values[i]!, i & (INTEGER_CONTEXTS - 1));
  return encoder.finish();
}

function decodeIntegers(bytes: Uint8Array, out: Int32Array): void {
  const decoder = new RangeDecoder(bytes);
  const model = new SignedIntegerModel(INTEGER_CONTEXTS);
  for (let i = 0; i < out.length; i++) out[i] = model.decode(decoder, i & (INTEGER_CONTEXTS - 1));
}

/** The median over `ROUNDS` runs, in seconds. */
function time(run: () => void): number {
  const seconds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = performance.now();
    run();
    seconds.push((performance.now() - start) / 1000);
  }
  seconds.sort((x, y) => x - y);
  return seconds[ROUNDS >> 1]!;
}

function same(x: ArrayLike<number>, y: ArrayLike<number>): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

const perSecond = (count: number, seconds: number) => `${(count / seconds / 1e6).toFixed(1).padStart(6)} M/s`;

const bits = skewedBits(8_000_000);
const bitBytes = encodeBits(bits);
const decodedBits = new Uint8Array(bits.length);
const bitEncode = time(() => encodeBits(bits));
const bitDecode = time(() => decodeBits(bitBytes, decodedBits));
if (!same(bits, decodedBits)) throw new Error('bits: round trip failed');
console.log(`bits: ${bits.length} decisions (16 contexts, P(1) = 0.1 or 0.5) -> ${bitBytes.length} bytes`);
console.log(`  encode ${perSecond(bits.length, bitEncode)} decisions`);
console.log(`  decode ${perSecond(bits.length, bitDecode)} decisions`);

const values = residuals(2_000_000);
const decisions = values.reduce((sum, value) => sum + decisionsOf(value), 0);
const integerBytes = encodeIntegers(values);
const decodedValues = new Int32Array(values.length);
const integerEncode = time(() => encodeIntegers(values));
const integerDecode = time(() => decodeIntegers(integerBytes, decodedValues));
if (!same(values, decodedValues)) throw new Error('integers: round trip failed');
const bitsPerValue = ((integerBytes.length * 8) / values.length).toFixed(3);
console.log(
  `integers: ${values.length} values (80% zeros, 4 contexts), ${decisions} decisions -> ${bitsPerValue} bits/value`,
);
console.log(
  `  encode ${perSecond(values.length, integerEncode)} integers ${perSecond(decisions, integerEncode)} decisions`,
);
console.log(
  `  decode ${perSecond(values.length, integerDecode)} integers ${perSecond(decisions, integerDecode)} decisions`,
);
