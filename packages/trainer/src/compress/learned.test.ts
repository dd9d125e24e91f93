import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Field, Table } from '@baler/format';
import { bytesSource, openBaler, readDataset } from '@baler/format';
import { framePatternField } from '@baler/format/testing';
import { describe, expect, it } from 'vitest';
import { loadModelDir } from '../models/model-dir.ts';
import { trainToModelDir } from '../train/train-dir.ts';
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
      // Under pwrel the working values are logarithms, which no robust-normalized column maps onto
      // linearly: the model asked for cannot compete, and compress says so instead of ignoring it.
      await expect(
        compressDataset(table, { bound: parseBound('pwrel=1e-3'), model, source: 'factors' }),
      ).rejects.toThrow(/factors: has no column that the --model network can predict under pwrel=0.001/);
      await expect(
        compressDataset(table, { bound: parseBound('lossless'), model, source: 'factors' }),
      ).rejects.toThrow(
        /factors: leaves the --model network nothing to predict: every column is stored exactly/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** A smooth travelling wave: Lorenzo and stencils predict it almost exactly. */
function smoothField(frames: number, rows: number, cols: number): Field {
  const data = new Float64Array(frames * rows * cols);
  for (let t = 0, k = 0; t < frames; t++)
    for (let y = 0; y < rows; y++)
      for (let x = 0; x < cols; x++) data[k++] = Math.sin(0.3 * x + 0.2 * y - 0.1 * t);
  return { kind: 'field', shape: [frames, rows, cols], dtype: 'float64', data, attributes: {} };
}

function maxAbsError(field: Field, decoded: Field): number {
  let worst = 0;
  const a = field.data as Float64Array;
  const b = decoded.data as Float64Array;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe('a model directory trained on a field (compress FIELD --model)', () => {
  async function withModelDir(
    field: Field,
    model: { encoder: number[]; latent: number },
    use: (dir: string) => Promise<void>,
  ) {
    const dir = await mkdtemp(join(tmpdir(), 'baler-field-model-'));
    try {
      await trainToModelDir(field, dir, {
        modelName: 'dense-ae-tiny',
        model: { ...model, decoder: [...model.encoder].reverse() },
        training: { epochs: 150, batchSize: 32, seed: 3, learningRate: 0.01 },
        log: () => {},
      });
      await use(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('is recorded in the file when its weights and latents cost less than they save', async () => {
    const field = framePatternField(240, 10, 14);
    const bound = parseBound('abs=1e-2');
    await withModelDir(field, { encoder: [], latent: 2 }, async (dir) => {
      const model = await loadModelDir(dir);
      const classical = await compressDataset(field, { bound });
      const learned = await compressDataset(field, { bound, model, source: 'patterns' });
      expect((learned.plans[0]!.method.predictor as { name: string }).name).toBe('model');
      expect(learned.summary.sections.find((s) => s.kind === 'model')?.sections).toBe(1);
      expect(learned.bytes.length).toBeLessThan(classical.bytes.length / 2);
      const decoded = (await readDataset(await openBaler(bytesSource(learned.bytes)))) as Field;
      expect(decoded.shape).toEqual(field.shape);
      expect(maxAbsError(field, decoded)).toBeLessThanOrEqual(1e-2);
    });
  }, 60_000);

  it('loses to the classical predictors on smooth frames, and the file records those', async () => {
    const field = smoothField(12, 10, 14);
    const bound = parseBound('abs=1e-3');
    await withModelDir(field, { encoder: [32], latent: 2 }, async (dir) => {
      const model = await loadModelDir(dir);
      const result = await compressDataset(field, { bound, model, source: 'wave' });
      expect((result.plans[0]!.method.predictor as { name: string }).name).not.toBe('model');
      expect(result.summary.sections.find((s) => s.kind === 'model')?.sections ?? 0).toBe(0);
      const decoded = (await readDataset(await openBaler(bytesSource(result.bytes)))) as Field;
      expect(maxAbsError(field, decoded)).toBeLessThanOrEqual(1e-3);
      // Frames of another shape cannot be predicted by a network with one output per value.
      await expect(
        compressDataset(smoothField(12, 10, 15), { bound, model, source: 'other.h5:/data' }),
      ).rejects.toThrow(/other\.h5:\/data: has frames of \[10 × 15\].*trained on frames of \[10 × 14\]/);
    });
  }, 60_000);
});
