import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Field } from '@baler/format';
import { bytesSource, openBaler } from '@baler/format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeNpy } from '../io/npy.ts';
import { openDataPieces } from '../io/pieces.ts';
import { compressDataset, compressToFile } from './compress.ts';
import { parseBound } from './error-bound.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baler-stream-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** 40 frames of 12×9 whose value range grows frame by frame, so the first piece sees only a small range. */
function growingField(): Field {
  const data = new Float64Array(40 * 12 * 9).map((_, i) => Math.sin(i / 13) * (1 + Math.floor(i / 108)));
  return { kind: 'field', shape: [40, 12, 9], dtype: 'float64', data, attributes: {} };
}

describe('compressToFile', () => {
  it('streams a .npy piece by piece into the same bytes as compressing it in memory', async () => {
    const field = growingField();
    const input = join(dir, 'growing.npy');
    await writeFile(input, serializeNpy(field.data, field.shape));
    const output = join(dir, 'growing.baler');
    const options = { bound: parseBound('abs=1e-3'), chunkRows: 7, source: 'growing.npy' };
    const result = await compressToFile(await openDataPieces(input), output, options);
    expect(result.summary.chunks).toBe(6);
    expect(result.verification?.values).toBe(field.data.length);
    const inMemory = await compressDataset(field, options);
    expect(new Uint8Array(await readFile(output))).toEqual(inMemory.bytes);
  });

  it('takes a rel bound from the range of the whole input, not of the first piece', async () => {
    const field = growingField();
    const result = await compressDataset(field, { bound: parseBound('rel=1e-3'), chunkRows: 5 });
    const metadata = (await openBaler(bytesSource(result.bytes))).metadata;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const v of field.data as Float64Array) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(metadata.kind === 'field' && metadata.bound).toEqual({
      kind: 'rel',
      value: 1e-3,
      absolute: 1e-3 * (max - min),
    });
  });

  it('leaves nothing behind when the output exists and --force is not given', async () => {
    const output = join(dir, 'kept.baler');
    await writeFile(output, 'keep');
    await expect(
      compressToFile(await openDataPieces(join(dir, 'growing.npy')), output, {
        bound: parseBound('abs=1e-3'),
      }),
    ).rejects.toThrow(/already exists/);
    expect(await readFile(output, 'utf8')).toBe('keep');
  });
});
