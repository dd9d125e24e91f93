import { expect, it } from 'vitest';
import * as entropy from './index.ts';
import { RangeDecoder, RangeEncoder, SignedIntegerModel } from './index.ts';

it('exports exactly the public API', () => {
  expect(Object.keys(entropy).sort()).toEqual([
    'RangeDecoder',
    'RangeEncoder',
    'SignedIntegerModel',
    'createBitStates',
  ]);
});

it('runs the module example', () => {
  const model = new SignedIntegerModel(1);
  const encoder = new RangeEncoder();
  for (const residual of [0, 0, -3, 1, 0]) model.encode(encoder, residual, 0);
  const bytes = encoder.finish();

  const decoder = new RangeDecoder(bytes);
  const readModel = new SignedIntegerModel(1);
  const residuals = Array.from({ length: 5 }, () => readModel.decode(decoder, 0));
  expect(residuals).toEqual([0, 0, -3, 1, 0]);
  expect(decoder.overrun()).toBe(false);
});
