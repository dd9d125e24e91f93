import { describe, expect, it } from 'vitest';
import { seededRandom } from '../testing.ts';
import { INTEGER_CONTEXT_STATES, SignedIntegerModel } from './integer-model.ts';
import { RangeDecoder, RangeEncoder } from './range-coder.ts';
import { REFERENCE_INTEGER_STATES, referenceEncode, referenceIntegerDecisions } from './reference.ts';

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const MAX = Number.MAX_SAFE_INTEGER;

function encode(values: ArrayLike<number>, contextCount = 1, contextOf = (i: number) => i % contextCount) {
  const encoder = new RangeEncoder();
  const model = new SignedIntegerModel(contextCount);
  for (let i = 0; i < values.length; i++) model.encode(encoder, values[i]!, contextOf(i));
  return encoder.finish();
}

function decode(
  bytes: Uint8Array,
  count: number,
  contextCount = 1,
  contextOf = (i: number) => i % contextCount,
) {
  const decoder = new RangeDecoder(bytes);
  const model = new SignedIntegerModel(contextCount);
  const values = Array.from({ length: count }, (_, i) => model.decode(decoder, contextOf(i)));
  return { values, overrun: decoder.overrun() };
}

/** Signed values with |value| spread evenly over the exponents 0..52, so every path is taken. */
function heavyTailed(count: number, seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const magnitude = Math.min(MAX, Math.floor(2 ** (random() * 53)));
    return random() < 0.5 ? -magnitude : magnitude;
  });
}

/** The edge cases: 0, ±1, and ±2^k - 1, ±2^k, ±(2^k + 1) for every k up to 53. */
const EDGES: number[] = [0, 1, -1, MAX, -MAX, 2 ** 31, -(2 ** 31), 2 ** 31 - 1, -(2 ** 31 - 1)];
for (let k = 1; k <= 53; k++) {
  for (const m of [2 ** k - 1, 2 ** k, 2 ** k + 1]) if (m <= MAX) EDGES.push(m, -m);
}

describe('SignedIntegerModel', () => {
  it('produces exactly these bytes for a fixed input (golden)', () => {
    const values = [0, 1, -1, 2, -3, 0, 0, 7, 100, -1000, 2 ** 31, -(2 ** 31), 2 ** 40 + 12345, -MAX, MAX, 0];
    const bytes = encode(values, 2);
    const golden =
      '004d651a8d2a47c828705e4b35000e90c3dc000195f60f28085c0d883d58aeffffffefffe79c3fffffffa4e00000';
    expect(hex(bytes)).toBe(golden);
    const decisions = values.flatMap((value, i) => referenceIntegerDecisions(value, i % 2));
    expect(hex(referenceEncode(decisions, 2 * REFERENCE_INTEGER_STATES).bytes)).toBe(golden);
    expect(decode(bytes, values.length, 2).values).toEqual(values);
  });

  it('matches the BigInt transliteration of the spec byte for byte', () => {
    const values = [...EDGES, ...heavyTailed(3000, 1)];
    const decisions = values.flatMap((value, i) => referenceIntegerDecisions(value, i % 3));
    const reference = referenceEncode(decisions, 3 * REFERENCE_INTEGER_STATES);
    expect(INTEGER_CONTEXT_STATES).toBe(REFERENCE_INTEGER_STATES);
    expect(hex(encode(values, 3))).toBe(hex(reference.bytes));
  });

  it('round-trips 0, ±1, ±2^31, ±(2^53 - 1) and the values around every power of two', () => {
    const bytes = encode(EDGES);
    const decoded = decode(bytes, EDGES.length);
    expect(decoded.values).toEqual(EDGES);
    expect(decoded.overrun).toBe(false);
  });

  it('round-trips heavy-tailed random values over many contexts, from Int32Array and Float64Array', () => {
    const values = heavyTailed(50_000, 2);
    const contextOf = (i: number) => (i * 7919) % 300;
    const bytes = encode(Float64Array.from(values), 300, contextOf);
    expect(decode(bytes, values.length, 300, contextOf).values).toEqual(values);

    const small = Int32Array.from(values, (v) => v % 2 ** 31);
    expect(decode(encode(small, 5), small.length, 5).values).toEqual(Array.from(small));
  });

  it('codes -0 as 0', () => {
    expect(decode(encode([-0]), 1).values).toEqual([0]);
    expect(hex(encode([-0]))).toBe(hex(encode([0])));
  });

  it('rejects values that are not integers with |value| <= 2^53 - 1', () => {
    const model = new SignedIntegerModel(1);
    const encoder = new RangeEncoder();
    for (const bad of [0.5, -1.5, 2 ** 53, -(2 ** 53), Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => model.encode(encoder, bad, 0)).toThrow(RangeError);
    }
    expect(() => new SignedIntegerModel(0)).toThrow(RangeError);
    expect(() => new SignedIntegerModel(1.5)).toThrow(RangeError);
  });

  it('keeps contexts independent: interleaving does not change what each context learns', () => {
    // A context whose values are all 0 must stay cheap even when another context sees large values.
    const random = seededRandom(3);
    const values = Array.from({ length: 20_000 }, (_, i) =>
      i % 2 ? Math.floor(random() * 2 ** 20) - 2 ** 19 : 0,
    );
    const zerosOnly = encode(
      values.filter((_, i) => i % 2 === 0),
      1,
    ).length;
    const noisyOnly = encode(
      values.filter((_, i) => i % 2 === 1),
      1,
    ).length;
    const interleaved = encode(values, 2).length;
    expect(Math.abs(interleaved - (zerosOnly + noisyOnly))).toBeLessThan(10);
  });

  describe('compression', () => {
    it('codes 100,000 zeros in under 100 bytes', () => {
      expect(encode(new Int32Array(100_000)).length).toBeLessThan(100);
    });

    it('codes two-sided geometric values within 3% of their empirical entropy', () => {
      const random = seededRandom(4);
      for (const theta of [0.3, 0.8, 0.99]) {
        const values = Array.from({ length: 100_000 }, () => {
          const m = Math.floor(Math.log(1 - random()) / Math.log(theta));
          return random() < 0.5 ? -m : m;
        });
        const counts = new Map<number, number>();
        for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
        let entropyBits = 0;
        for (const c of counts.values()) entropyBits -= c * Math.log2(c / values.length);
        const size = encode(values).length;
        expect(size).toBeGreaterThan(entropyBits / 8);
        expect(size).toBeLessThan((entropyBits / 8) * 1.03 + 16);
      }
    });
  });

  describe('damaged input', () => {
    it('reports truncation through the decoder’s overrun()', () => {
      const values = heavyTailed(2000, 5);
      const bytes = encode(values, 4);
      expect(decode(bytes, values.length, 4).overrun).toBe(false);
      expect(decode(bytes.subarray(0, bytes.length - 1), values.length, 4).overrun).toBe(true);
    });

    it('decodes garbage to safe integers without throwing or hanging', () => {
      const random = seededRandom(6);
      for (const fill of ['random', 'ones', 'zeros'] as const) {
        const garbage = Uint8Array.from({ length: 4096 }, () =>
          fill === 'random' ? Math.floor(random() * 256) : fill === 'ones' ? 0xff : 0,
        );
        const { values, overrun } = decode(garbage, 20_000, 8);
        expect(values.every((v) => Number.isSafeInteger(v))).toBe(true);
        // All-zero bytes are a valid stream of zeros (the first 20,000 of them fit in a few bytes).
        expect(overrun).toBe(fill !== 'zeros');
        // All-ones input decodes, for the first value, every decision as 1: the largest magnitude, clamped.
        if (fill === 'ones') expect(values[0]).toBe(-MAX);
      }
    });
  });
});
