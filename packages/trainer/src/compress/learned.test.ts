import type { Table } from '@baler/format';
import { bytesSource, openBaler, readDataset } from '@baler/format';
import { describe, expect, it } from 'vitest';
import { compressDataset } from './compress.ts';
import { parseBound } from './error-bound.ts';

/** Ten columns driven by three hidden factors plus a little noise: data an autoencoder can explain. */
function factorTable(rows = 4000): Table {
  let seed = 12345;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const gaussian = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const factors = Array.from({ length: rows }, () => [gaussian(), gaussian(), gaussian()]);
  const mixing = Array.from({ length: 10 }, () => [gaussian(), gaussian(), gaussian()]);
  return {
    kind: 'table',
    rowCount: rows,
    columns: mixing.map((m, j) => ({
      name: `x${j}`,
      dtype: 'float64' as const,
      data: Float64Array.from(
        factors,
        (f) => 10 * (m[0]! * f[0]! + m[1]! * f[1]! + m[2]! * f[2]!) + 0.01 * gaussian(),
      ),
    })),
    attributes: {},
  };
}

describe('the learned candidate', () => {
  it('is kept when its decoder and latents cost fewer bytes than they save, and the bound still holds', async () => {
    const table = factorTable();
    const bound = parseBound('abs=1e-2');
    const classical = await compressDataset(table, { bound });
    const learned = await compressDataset(table, { bound, learn: { latent: 3, epochs: 80 } });
    expect(learned.plans.every((p) => (p.method.predictor as { name: string }).name === 'model')).toBe(true);
    expect(learned.summary.sections.find((s) => s.kind === 'model')?.sections).toBe(1);
    expect(learned.bytes.length).toBeLessThan(classical.bytes.length);
    expect(learned.verification?.maxAbsoluteError).toBeLessThanOrEqual(1e-2);
    // Decoded independently of the compressor, every value is within the bound.
    const decoded = (await readDataset(await openBaler(bytesSource(learned.bytes)))) as Table;
    table.columns.forEach((column, j) => {
      const a = column.data as Float64Array;
      const b = decoded.columns[j]!.data as Float64Array;
      for (let r = 0; r < table.rowCount; r++) expect(Math.abs(a[r]! - b[r]!)).toBeLessThanOrEqual(1e-2);
    });
  }, 60_000);
});

describe('a model directory as the learned candidate (compress --model)', () => {
  it('predicts the robust-normalized columns with the trained network, within the bound', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { trainToModelDir } = await import('../train/train-dir.ts');
    const { loadModelDir } = await import('../models/model-dir.ts');
    const table = factorTable(3000);
    const dir = await mkdtemp(join(tmpdir(), 'baler-model-'));
    try {
      await trainToModelDir(table, dir, {
        modelName: 'dense-ae-tiny',
        model: { latent: 3 },
        training: { epochs: 60, batchSize: 256, seed: 2 },
        log: () => {},
      });
      const model = await loadModelDir(dir);
      const bound = parseBound('abs=1e-2');
      const classical = await compressDataset(table, { bound });
      const withModel = await compressDataset(table, { bound, model, source: 'factors' });
      expect(withModel.plans.some((p) => (p.method.predictor as { name: string }).name === 'model')).toBe(
        true,
      );
      expect(withModel.bytes.length).toBeLessThan(classical.bytes.length);
      expect(withModel.verification?.maxAbsoluteError).toBeLessThanOrEqual(1e-2);
      const wrong = { ...table, columns: table.columns.map((c, j) => ({ ...c, name: `y${j}` })) };
      await expect(compressDataset(wrong, { bound, model, source: 'other.csv' })).rejects.toThrow(
        /does not have the columns the model was trained on/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
