import type { StreamPlan } from '@baler/format';
import { describe, expect, it } from 'vitest';
import { withFarthestTermsFirst } from './field-predictor.ts';
import { EXACT } from './plan.ts';

describe('withFarthestTermsFirst', () => {
  it('sums each stencil farthest neighbour first, every weight staying with its offset', () => {
    const plan = {
      method: {
        name: 'quantized',
        domain: 'linear',
        step: 0.02,
        predictor: {
          name: 'stencil-fallbacks',
          offsets: [
            [0, 0, -1],
            [-1, 0, 0],
            [0, -1, 1],
            [0, -1, 0],
          ],
          weights: [0.5, 0.3, 0.15, 0.05],
          fallbacks: [
            {
              offsets: [
                [0, 0, -1],
                [0, -1, 0],
              ],
              weights: [0.6, 0.4],
            },
          ],
        },
      },
      bound: { kind: 'abs', value: 0.01 },
      tolerance: { absolute: 0.01, relative: 0 },
    } as unknown as StreamPlan;
    expect(withFarthestTermsFirst(plan, [4, 5, 6]).method.predictor).toEqual({
      name: 'stencil-fallbacks',
      offsets: [
        [-1, 0, 0],
        [0, -1, 0],
        [0, -1, 1],
        [0, 0, -1],
      ],
      weights: [0.3, 0.05, 0.15, 0.5],
      fallbacks: [
        {
          offsets: [
            [0, -1, 0],
            [0, 0, -1],
          ],
          weights: [0.4, 0.6],
        },
      ],
    });
    expect(withFarthestTermsFirst(EXACT, [4, 5, 6])).toBe(EXACT);
  });
});
