import type { Field } from '@baler/format';
import { bytesSource, openBaler, readDataset } from '@baler/format';
import { seededRandom } from '@baler/format/testing';
import { describe, expect, it } from 'vitest';
import { compressDataset } from './compress.ts';
import { parseBound } from './error-bound.ts';

/**
 * Frames of 20 × 30 tiled by 8 × 8 blocks (the last row and column of blocks cut short), each block
 * `centre + spread × (a P + b Q)` of two fixed rough zero-mean patterns with its own level and contrast,
 * plus ±0.005 noise: blocks a 2-latent linear decoder explains once each is normalized.
 */
function tiledPatterns(frames: number): Field {
  const random = seededRandom(31);
  const pattern = () => {
    const p = Float64Array.from({ length: 64 }, () => random() * 2 - 1);
    const mean = p.reduce((a, b) => a + b, 0) / 64;
    return p.map((v) => v - mean);
  };
  const p = pattern();
  const q = pattern();
  const [rows, cols] = [20, 30];
  const data = new Float64Array(frames * rows * cols);
  for (let t = 0; t < frames; t++) {
    for (let by = 0; by < rows; by += 8) {
      for (let bx = 0; bx < cols; bx += 8) {
        const [a, b] = [random() * 2 - 1, random() * 2 - 1];
        const centre = (random() - 0.5) * 10;
        const spread = 0.5 + random() * 2;
        for (let y = by; y < Math.min(rows, by + 8); y++) {
          for (let x = bx; x < Math.min(cols, bx + 8); x++) {
            const k = (y - by) * 8 + (x - bx);
            const noise = (random() - 0.5) * 0.01;
            data[(t * rows + y) * cols + x] = centre + spread * (a * p[k]! + b * q[k]!) + noise;
          }
        }
      }
    }
  }
  return { kind: 'field', shape: [frames, rows, cols], dtype: 'float64', data, attributes: {} };
}

function maxAbsError(field: Field, decoded: Field): number {
  const a = field.data as Float64Array;
  const b = decoded.data as Float64Array;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe('block autoencoders for fields (compress with learn)', () => {
  it('win on blocks with their own level and contrast, edge blocks included, and decode within bound', async () => {
    const field = tiledPatterns(24);
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
    expect(maxAbsError(field, (await readDataset(file)) as Field)).toBeLessThanOrEqual(1e-2);
  }, 60_000);

  it('lose to the classical predictors on a smooth field, which then keeps Lorenzo or a stencil', async () => {
    const shape = [16, 20, 30];
    const data = new Float64Array(16 * 600);
    for (let t = 0, k = 0; t < 16; t++)
      for (let y = 0; y < 20; y++)
        for (let x = 0; x < 30; x++) data[k++] = Math.sin(0.2 * x - 0.1 * y + 0.05 * t);
    const field: Field = { kind: 'field', shape, dtype: 'float64', data, attributes: {} };
    const result = await compressDataset(field, { bound: parseBound('abs=1e-3'), learn: true });
    expect(['lorenzo', 'stencil']).toContain((result.plans[0]!.method.predictor as { name: string }).name);
    expect(result.summary.sections.find((s) => s.kind === 'model')?.sections ?? 0).toBe(0);
  }, 60_000);
});
