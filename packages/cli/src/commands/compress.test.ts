import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFile } from '@baler/decoder/node';
import type { Field } from '@baler/format';
import { blockPatternField, framePatternField, maxAbsoluteError } from '@baler/format/testing';
import { writeDataFile } from '@baler/trainer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCapturing as run } from '../test-support.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baler-compress-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('baler compress FIELD --model DIR', () => {
  it('records the frame model in the file, shows its weights in info, and @baler/decoder decodes within the bound', async () => {
    const field = framePatternField(240, 10, 14, 5);
    const input = join(dir, 'frames.npy');
    const model = join(dir, 'model');
    const out = join(dir, 'frames.baler');
    await writeDataFile(input, field);
    // A linear 2-latent decoder: 140 × 2 weights, the size such data deserves.
    const config = join(dir, 'model.json');
    await writeFile(
      config,
      JSON.stringify({ model: { name: 'dense-ae-tiny', encoder: [], decoder: [], latent: 2 } }),
    );
    const trained = await run([
      'train',
      input,
      '-o',
      model,
      '--config',
      config,
      '--epochs',
      '150',
      '--lr',
      '0.01',
      '--batch',
      '32',
      '-q',
    ]);
    expect(trained.code).toBe(0);

    const compressed = await run([
      'compress',
      input,
      '-o',
      out,
      '-e',
      'abs=1e-2',
      '--model',
      model,
      '--json',
    ]);
    expect(compressed.code).toBe(0);
    const summary = JSON.parse(compressed.out);
    expect(summary.learnedTrial.learned).toBeLessThan(summary.learnedTrial.classical);

    const info = await run(['info', out, '--json']);
    const weights = JSON.parse(info.out).sections.find((s: { kind: string }) => s.kind === 'model');
    expect(weights.sections).toBe(1);
    expect(weights.storedBytes).toBeGreaterThan(0);
    expect((await run(['info', out])).out).toMatch(/decoder weights \(model\)\s+1\s+[\d,]+/);

    const reader = await openFile(out);
    try {
      const decoded = (await reader.read()) as Field;
      expect(decoded.shape).toEqual([240, 10, 14]);
      expect(maxAbsoluteError(field, decoded)).toBeLessThanOrEqual(1e-2);
    } finally {
      await reader.close();
    }

    // Frames of another shape: a one-line message naming both shapes, exit 2.
    const other = join(dir, 'other.npy');
    await writeDataFile(other, framePatternField(12, 10, 15, 5));
    const mismatch = await run([
      'compress',
      other,
      '-o',
      join(dir, 'other.baler'),
      '-e',
      'abs=1e-2',
      '-m',
      model,
    ]);
    expect(mismatch.code).toBe(2);
    expect(mismatch.err).toMatch(
      /has frames of \[10 × 15\] \(150 values each\), but the model was trained on frames of \[10 × 14\]/,
    );
  }, 60_000);

  it('with a block-ae model from baler train: blocks of the model’s shape, decoded within bound', async () => {
    const field = blockPatternField(24, 20, 30);
    const input = join(dir, 'tiles.npy');
    const model = join(dir, 'blocks');
    const out = join(dir, 'tiles.baler');
    await writeDataFile(input, field);
    const trained = await run([
      'train',
      input,
      '-o',
      model,
      '-m',
      'block-ae',
      '--block',
      '1x8x8',
      '-k',
      '2',
      '--epochs',
      '1',
      '-q',
    ]);
    expect(trained.code).toBe(0);
    const compressed = await run(['compress', input, '-o', out, '-e', 'abs=1e-2', '-m', model, '--json']);
    expect(compressed.code).toBe(0);
    const summary = JSON.parse(compressed.out);
    expect(summary.learnedTrial.learned).toBeLessThan(summary.learnedTrial.classical / 2);
    const reader = await openFile(out);
    try {
      expect(reader.file.metadata.decoder?.blocks?.shape).toEqual([1, 8, 8]);
      expect(reader.file.metadata.model).toMatchObject({ family: 'block-ae' });
      const decoded = (await reader.read()) as Field;
      expect(maxAbsoluteError(field, decoded)).toBeLessThanOrEqual(1e-2);
    } finally {
      await reader.close();
    }
    const flat = join(dir, 'flat.npy');
    await writeDataFile(flat, { ...field, shape: [24, 600], data: field.data });
    const mismatch = await run([
      'compress',
      flat,
      '-o',
      join(dir, 'flat.baler'),
      '-e',
      'abs=1e-2',
      '-m',
      model,
    ]);
    expect(mismatch.code).toBe(2);
    expect(mismatch.err).toMatch(/has rank 2, but the model predicts blocks of \[1 × 8 × 8\] \(rank 3\)/);
  }, 60_000);
});

describe('baler compress --fast-decode', () => {
  it('writes format 1.3 quantized-rans with a short stencil, which @baler/decoder decodes within the bound', async () => {
    const field = framePatternField(30, 12, 16, 5);
    const input = join(dir, 'frames.npy');
    const out = join(dir, 'fast.baler');
    await writeDataFile(input, field);
    const compressed = await run(['compress', input, '-o', out, '-e', 'abs=1e-3', '--fast-decode', '--json']);
    expect(compressed.code).toBe(0);
    const reader = await openFile(out);
    try {
      expect(reader.file.version).toEqual({ major: 1, minor: 3 });
      const method = reader.file.metadata.kind === 'field' ? reader.file.metadata.method : undefined;
      expect(method?.name).toBe('quantized-rans');
      const predictor = (method as { predictor?: { name: string; offsets?: number[][] } }).predictor;
      expect(predictor?.offsets?.length ?? 0).toBeLessThanOrEqual(8);
      const decoded = (await reader.read()) as Field;
      expect(maxAbsoluteError(field, decoded)).toBeLessThanOrEqual(1e-3);
    } finally {
      await reader.close();
    }
    // info says how the field is stored, and so how fast it decodes.
    expect((await run(['info', out])).out).toContain(
      'stored as: quantized-rans (static rANS, fast to decode)',
    );
    expect(JSON.parse((await run(['info', out, '--json'])).out).methods).toEqual({ 'quantized-rans': 1 });
    // No network competes under --fast-decode: asking for one is a usage error, exit 2.
    const both = await run([
      'compress',
      input,
      '-o',
      join(dir, 'x.baler'),
      '-e',
      'abs=1e-3',
      '--fast-decode',
      '-m',
      dir,
    ]);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/--fast-decode plans without networks/);
  });
});

describe('baler compress file.csv', () => {
  it('notes when every column name is a number, as in a file without a header row', async () => {
    const headerless = join(dir, 'n.csv');
    await writeFile(headerless, '1,2,3\n4,5,6\n');
    const noted = await run(['compress', headerless, '-o', join(dir, 'n.baler'), '-e', 'abs=1', '-q']);
    expect(noted.code).toBe(0);
    expect(noted.err).toContain(
      `baler: note: every column name of ${headerless} is a number (1, 2, 3). If the file has no header row, its first row of data was read as the names: add a header row.`,
    );
    const named = join(dir, 'y.csv');
    await writeFile(named, 'year,2020\n1,2\n');
    const plain = await run(['compress', named, '-o', join(dir, 'y.baler'), '-e', 'abs=1', '-q']);
    expect(plain.code).toBe(0);
    expect(plain.err).not.toContain('note:');
  });
});
