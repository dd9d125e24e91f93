import { describe, expect, it } from 'vitest';
import { formatNumber, scaleOf, ticks } from './chart.ts';

describe('axes', () => {
  it('ticks linear scales in 1-2-5 steps and log scales in decades, or finer within a decade', () => {
    expect(ticks({ min: 0, max: 1, log: false }, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(ticks({ min: 1e-5, max: 1e-1, log: true })).toEqual([1e-5, 1e-4, 1e-3, 1e-2, 1e-1]);
    expect(ticks({ min: 0.15, max: 0.6, log: true })).toEqual([0.2, 0.3, 0.4, 0.5, 0.6]);
    expect(ticks({ min: 5.5e-4, max: 1.1e-3, log: true }).length).toBeGreaterThanOrEqual(3);
  });

  it('labels numbers briefly, with exponents for very small or large ones', () => {
    expect([0, 0.25, 1234, 1e-4, 2.5e6, -5e-4].map((v) => formatNumber(v))).toEqual([
      '0',
      '0.25',
      '1230',
      '1e-4',
      '2.5e6',
      '-5e-4',
    ]);
  });

  it('pads scales and spreads a single value', () => {
    expect(scaleOf([0, 10], false, 0.1)).toEqual({ min: -1, max: 11, log: false });
    expect(scaleOf([3, 3], false)).toEqual({ min: 1.5, max: 4.5, log: false });
  });
});
