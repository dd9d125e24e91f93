import { fileURLToPath } from 'node:url';
import type { Dataset } from '@baler/format';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDataFile } from '../io/dataset-files.ts';
import { evaluateTrial, type TrialTask } from './evaluate.ts';
import { processTrialRunner } from './workers.ts';

const SAMPLE = fileURLToPath(new URL('../../../../data/sample/lhcb-sample.h5', import.meta.url));

let sample: Dataset;
beforeAll(async () => {
  sample = await readDataFile(`${SAMPLE}:/data`);
});

const classical = (bound: string): TrialTask => ({
  trial: { id: 'classical', config: { model: 'none' } },
  rung: 0,
  epochs: 0,
  dataset: sample,
  source: 'lhcb-sample.h5:/data',
  bound,
  columns: [],
  modelDir: '/nonexistent',
});

describe('processTrialRunner', () => {
  it('evaluates in a worker process exactly what evaluating here gives', async () => {
    const runner = processTrialRunner();
    const [there, here] = await Promise.all([
      runner(classical('abs=1e-2')),
      evaluateTrial(classical('abs=1e-2')),
    ]);
    expect(there.bytes).toBe(here.bytes);
    expect(there.columns).toEqual(here.columns);
  });

  it('hands back the worker’s error message', async () => {
    await expect(processTrialRunner()(classical('abs=oops'))).rejects.toThrow(/abs=oops/);
  });
});
