import type { Field } from '@baler/format';
import { bytesSource, openBaler, readDataset } from '@baler/format';
import { blockPatternField, maxAbsoluteError } from '@baler/format/testing';
import { describe, expect, it } from 'vitest';
import { compressDataset } from './compress.ts';
import { parseBound } from './error-bound.ts';

describe('block autoencoders for fields (compress with learn)', () => {
  it('win on blocks with their own level and contrast, edge blocks included, and decode within bound', async () => {
    const field = blockPatternField(24, 20, 30);
    const bound = parseBound('abs=1e-2');
    const classical = await compressDataset(field, { bound });
    const learned = await compressDataset(field, {
      bound,
      learn: true,
      learnBlocks: { blocks: [[1, 8, 8]], latents: [2], epochs: 150 },
    });
    expect(learned.plans[0]!.method.predictor).toEqual({ name: 'block-model', output: 0 });
    expect(learned.reasons[0]).toMatch(/learned: block-ae decoder on 1×8×8 blocks, 2 latents per block/);
    expect(learned.bytes.length).toBeLessThan(classical.bytes.length / 2);
    const file = await openBaler(bytesSource(learned.bytes));
    expect(file.metadata.decoder?.blocks?.shape).toEqual([1, 8, 8]);
    expect(file.metadata.model).toMatchObject({ family: 'block-ae' });
    expect(maxAbsoluteError(field, (await readDataset(file)) as Field)).toBeLessThanOrEqual(1e-2);
  }, 60_000);

  it('lose to the classical predictors on a smooth field, which then keeps Lorenzo or a stencil', async () => {
    const shape = [16, 20, 30];
    const data = new Float64Array(16 * 600);
    for (let t = 0, k = 0; t < 16; t++)
      for (let y = 0; y < 20; y++)
        for (let x = 0; x < 30; x++) data[k++] = Math.sin(0.2 * x - 0.1 * y + 0.05 * t);
    const field: Field = { kind: 'field', shape, dtype: 'float64', data, attributes: {} };
    const result = await compressDataset(field, { bound: parseBound('abs=1e-3'), learn: true });
    expect(['lorenzo', 'stencil', 'stencil-fallbacks']).toContain(
      (result.plans[0]!.method.predictor as { name: string }).name,
    );
    expect(result.summary.sections.find((s) => s.kind === 'model')?.sections ?? 0).toBe(0);
  }, 60_000);
});
