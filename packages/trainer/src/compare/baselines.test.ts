import { describe, expect, it } from 'vitest';
import { parseBound } from '../compress/error-bound.ts';
import { readDataFile } from '../io/dataset-files.ts';
import { sharedDataPath } from '../io/test-support.ts';
import { compareCodecs } from './baselines.ts';

describe('compareCodecs', () => {
  it('measures every codec at the bound on the CFD field, and Baler beats bit rounding there', async () => {
    const field = await readDataFile(`${sharedDataPath('cfd-animation.h5')}:/data`);
    const rows = await compareCodecs(field, parseBound('abs=1e-3'));
    expect(rows.map((r) => r.codec)).toEqual([
      'zstd -19 (float32)',
      'shuffle + zstd -19 (float32)',
      'bit rounding + shuffle + zstd -19',
      'Baler',
    ]);
    for (const row of rows) {
      expect(row.withinBound).toBe(true);
      expect(row.maxAbsoluteError).toBeLessThanOrEqual(1e-3);
    }
    const [zstd, , rounding, baler] = rows;
    // The lossless baselines are lossless here (the CFD values are float32 numbers), bit rounding is not.
    expect(zstd!.maxAbsoluteError).toBe(0);
    expect(rounding!.maxAbsoluteError).toBeGreaterThan(0);
    expect(baler!.ratio).toBeGreaterThan(2 * rounding!.ratio);
  });

  it('can be called again (zstd is instantiated once)', async () => {
    const data = new Float32Array(3000).map((_, i) => Math.sin(i / 30));
    const field = {
      kind: 'field' as const,
      shape: [30, 100],
      dtype: 'float32' as const,
      data,
      attributes: {},
    };
    const first = await compareCodecs(field, parseBound('abs=1e-2'));
    const second = await compareCodecs(field, parseBound('abs=1e-2'));
    expect(second.map((r) => r.bytes)).toEqual(first.map((r) => r.bytes));
  });
});
