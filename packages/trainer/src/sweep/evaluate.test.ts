import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '@baler/format';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readDataFile } from '../io/dataset-files.ts';
import { temporaryDirectory } from '../io/test-support.ts';
import { columnErrors, evaluateTrial, type TrialTask } from './evaluate.ts';
import { generateTrials } from './trials.ts';

const SAMPLE = fileURLToPath(new URL('../../../../data/sample/lhcb-sample.h5', import.meta.url));

let sample: Dataset;
let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  sample = await readDataFile(`${SAMPLE}:/data`);
});
beforeEach(async () => {
  ({ dir, cleanup } = await temporaryDirectory());
});
afterEach(() => cleanup());

describe('columnErrors', () => {
  it('measures absolute, pointwise relative and range-relative errors per column, skipping text', () => {
    const before: Dataset = {
      kind: 'table',
      rowCount: 4,
      columns: [
        { name: 'x', dtype: 'float64', data: Float64Array.of(1, 2, 0, Number.NaN) },
        { name: 'label', dtype: 'string', data: ['a', 'b', 'c', 'd'] },
      ],
      attributes: {},
    };
    const after: Dataset = {
      ...before,
      columns: [
        { name: 'x', dtype: 'float64', data: Float64Array.of(1.1, 2, 0.001, Number.NaN) },
        before.columns[1]!,
      ],
    } as Dataset;
    const [x, ...rest] = columnErrors(before, after);
    expect(rest).toEqual([]);
    expect(x!.name).toBe('x');
    expect(x!.maxAbsError).toBeCloseTo(0.1, 12);
    expect(x!.maxRelError).toBeCloseTo(0.1, 12); // 0 → 0.001 has no relative error
    expect(x!.maxRangeRelError).toBeCloseTo(0.05, 12); // range 2
  });
});

describe('evaluateTrial', () => {
  const trials = generateTrials({
    dataset: 'sample.h5:/data',
    bound: 'rel=1e-3',
    search: { strategy: 'grid' },
    space: { model: ['none', 'dense-ae-tiny'], latent: [3], batchSize: [128] },
  });
  const task = (index: number, rung: number, epochs: number): TrialTask => ({
    trial: trials[index]!,
    rung,
    epochs,
    dataset: sample,
    source: 'lhcb-sample.h5:/data',
    bound: 'rel=1e-3',
    columns: [],
    modelDir: join(dir, trials[index]!.id),
  });

  it('measures the classical file within the bound, with nothing trained', async () => {
    const measured = await evaluateTrial(task(0, 0, 0));
    expect(measured.bytes).toBeGreaterThan(1000);
    expect(measured.ratio).toBeCloseTo((1000 * 26 * 4) / measured.bytes, 9);
    expect(measured.columns).toHaveLength(26);
    expect(measured.maxRangeRelError).toBeLessThanOrEqual(1e-3);
    expect(measured).toMatchObject({ modelUsed: false, trainSeconds: 0 });
    expect(measured).not.toHaveProperty('candidate');
    expect(measured.decodeMBps).toBeGreaterThan(0);
  });

  it('trains at rung 0 and continues the same training at the next rung', async () => {
    const first = await evaluateTrial(task(1, 0, 2));
    expect(first.trainSeconds).toBeGreaterThan(0);
    expect(first.candidate?.classicalBytes).toBeGreaterThan(0);
    const log = async () =>
      (await readFile(join(dir, trials[1]!.id, 'training-log.jsonl'), 'utf8')).trim().split('\n');
    const rung0 = await log();
    expect(rung0).toHaveLength(2);
    await evaluateTrial(task(1, 1, 4));
    const rung1 = await log();
    expect(rung1.map((line) => JSON.parse(line).epoch)).toEqual([1, 2, 3, 4]);
    expect(rung1.slice(0, 2)).toEqual(rung0);
  });
});
