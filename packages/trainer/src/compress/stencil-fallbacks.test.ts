import type { Field, LinearStencil, StreamPlan } from '@baler/format';
import { encodeStreamForTrial } from '@baler/format';
import { seededRandom } from '@baler/format/testing';
import { describe, expect, it } from 'vitest';
import { parseBound } from './error-bound.ts';
import { planField } from './field-predictor.ts';
import { edgeGroups, fitFallbacks, popcount } from './stencil-fallbacks.ts';
import { STENCIL_OFFSETS, stencilInterior } from './stencil-fit.ts';

/** A travelling wave over frames × rows × cols, plus ±1e-4 noise. */
function wave(shape: [number, number, number], seed = 3): Field {
  const random = seededRandom(seed);
  const [frames, rows, cols] = shape;
  const data = new Float64Array(frames * rows * cols);
  for (let t = 0; t < frames; t++)
    for (let y = 0; y < rows; y++)
      for (let x = 0; x < cols; x++)
        data[(t * rows + y) * cols + x] =
          Math.sin(0.4 * x - 0.3 * t) * Math.cos(0.25 * y) + (random() - 0.5) * 2e-4;
  return { kind: 'field', shape, dtype: 'float64', data, attributes: {} };
}

describe('fallback stencils for a field’s edges', () => {
  const offsets = STENCIL_OFFSETS[3]!;

  it('groups every point outside the stencil’s interior by the neighbours it has', () => {
    const shape = [4, 5, 6];
    const groups = edgeGroups(shape, offsets);
    const interior = stencilInterior(shape, offsets).points.length;
    // Only (0, 0, 0) has no neighbour at all, and belongs to no group.
    expect(groups.reduce((n, g) => n + g.points.length, 0)).toBe(4 * 5 * 6 - interior - 1);
    for (const group of groups) {
      const i = group.points[0]!;
      const at = [Math.floor(i / 30), Math.floor(i / 6) % 5, i % 6];
      offsets.forEach((o, k) => {
        const inside = o.every((v, d) => at[d]! + v >= 0 && at[d]! + v < shape[d]!);
        expect(Boolean(group.available & (1 << k))).toBe(inside);
      });
    }
    expect(groups[0]!.points.length).toBeGreaterThanOrEqual(groups.at(-1)!.points.length);
  });

  it('fits each fallback on the points it serves, richest first, predicting the edges well', () => {
    const field = wave([12, 16, 20]);
    const data = field.data as Float64Array;
    const groups = edgeGroups(field.shape, offsets);
    const chosen = groups.slice(0, 4).map((g) => g.available);
    const { fallbacks, masks } = fitFallbacks(data, data, field.shape, offsets, groups, chosen);
    expect(masks.length).toBe(fallbacks.length);
    expect(fallbacks.length).toBeGreaterThanOrEqual(3); // a mask may serve too few points once richer ones took theirs
    const sizes = fallbacks.map((f) => f.offsets.length);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    // On the largest group, the fallback's fit leaves far less than the wave's own spread.
    const largest = groups[0]!;
    const fallback = fallbacks.find((f) => f.offsets.length === popcount(largest.available)) as LinearStencil;
    const flat = fallback.offsets.map(([t, y, x]) => t! * 320 + y! * 20 + x!);
    let error = 0;
    for (const i of largest.points) {
      const p = fallback.weights.reduce((s, w, k) => s + w * data[i + flat[k]!]!, 0);
      error = Math.max(error, Math.abs(p - data[i]!));
    }
    expect(error).toBeLessThan(0.05);
  });

  it('are planned when they pay for their weights: smaller files, every value within the bound', () => {
    const field = wave([12, 40, 40]);
    const { plans, reasons } = planField(field, parseBound('abs=1e-4'));
    const plan = plans[0]!;
    const predictor = plan.method.predictor as { name: string; fallbacks?: LinearStencil[] };
    expect(predictor.name).toBe('stencil-fallbacks');
    expect(predictor.fallbacks?.length).toBeGreaterThan(0);
    expect(reasons[0]).toMatch(/edge fallbacks/);
    const { fallbacks: _, ...rest } = predictor;
    const bare = { ...rest, name: 'stencil' };
    const without: StreamPlan = { ...plan, method: { ...plan.method, predictor: bare } };
    const trial = (p: StreamPlan) => encodeStreamForTrial(p, field.data, field.shape, field.dtype);
    const withFallbacks = trial(plan);
    expect(withFallbacks.bytes).toBeLessThan(trial(without).bytes);
    const decoded = withFallbacks.decoded as Float64Array;
    const data = field.data as Float64Array;
    let worst = 0;
    for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs(decoded[i]! - data[i]!));
    expect(worst).toBeLessThanOrEqual(1e-4);
  });
});
