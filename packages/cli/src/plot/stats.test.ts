import { describe, expect, it } from 'vitest';
import { histogram, relativeDifferenceStats, robustRange, toFloat64 } from './stats.ts';

describe('relativeDifferenceStats', () => {
  it('gives the mean and RMS of (reconstructed − original) / original, leaving out zero and non-finite originals', () => {
    const original = new Float64Array([1, 2, -4, 0, 10, Number.NaN]);
    const reconstructed = new Float64Array([1.1, 1.8, -4.2, 0.5, 10, 1]);
    const stats = relativeDifferenceStats(original, reconstructed);
    const expected = [0.1, -0.1, 0.05, 0];
    expect(stats.values).toHaveLength(4);
    stats.values.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 12);
    });
    expect(stats.mean).toBeCloseTo(0.05 / 4, 12);
    expect(stats.rms).toBeCloseTo(Math.sqrt((0.01 + 0.01 + 0.0025) / 4), 12);
    expect(stats.maxAbs).toBeCloseTo(0.1, 12);
    expect(stats.skippedZero).toBe(1);
    expect(stats.skippedNonFinite).toBe(1);
  });

  it('is NaN, not 0, when no value has a relative difference', () => {
    const stats = relativeDifferenceStats(new Float64Array([0, 0]), new Float64Array([0, 1]));
    expect(stats.mean).toBeNaN();
    expect(stats.rms).toBeNaN();
  });

  it('refuses arrays of different lengths', () => {
    expect(() => relativeDifferenceStats(new Float64Array(2), new Float64Array(3))).toThrow(/lengths differ/);
  });
});

describe('histogram', () => {
  it('counts into equal linear bins, the top edge included, and counts values outside', () => {
    const h = histogram([0, 0.5, 1, 2, 3, 4, -1, 9, Number.NaN], 0, 4, 4, false);
    expect(Array.from(h.edges)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(h.counts)).toEqual([2, 1, 1, 2]);
    expect([h.below, h.above]).toEqual([1, 1]);
  });

  it('uses logarithmic bins when asked and the range is positive', () => {
    const h = histogram([1, 5, 10, 50, 100], 1, 100, 2, true);
    expect(h.log).toBe(true);
    expect(h.edges[1]).toBeCloseTo(10, 12);
    expect(Array.from(h.counts)).toEqual([2, 3]);
  });

  it('widens an empty range around a constant', () => {
    const h = histogram([2, 2, 2], 2, 2, 10, false);
    expect(h.edges[0]).toBeLessThan(2);
    expect(h.edges.at(-1)).toBeGreaterThan(2);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(3);
  });
});

describe('robustRange and toFloat64', () => {
  it('drops the outer quantiles', () => {
    const values = Float64Array.from({ length: 1001 }, (_, i) => i);
    values[1000] = 1e9;
    expect(robustRange(values, 0.001)).toEqual([1, 999]);
    expect(robustRange([Number.NaN])).toBeNull();
  });

  it('turns 64-bit integers into numbers', () => {
    expect(Array.from(toFloat64(new BigInt64Array([1n, -3n])))).toEqual([1, -3]);
  });
});
