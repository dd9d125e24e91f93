import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dataset } from '@baler/format';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SweepDefinition } from './definition.ts';
import type { TrialRunner, TrialTask } from './evaluate.ts';
import { readResults, type TrialMeasurement } from './results.ts';
import { plannedEvaluations, runSweep, type SweepEvent, sweepPaths } from './sweep.ts';
import { generateTrials } from './trials.ts';

const DATASET: Dataset = {
  kind: 'field',
  shape: [1],
  dtype: 'float32',
  data: new Float32Array(1),
  attributes: {},
};

/** Nine trainable trials whose ratio is their latent size, plus the classical one (ratio 3). */
const DEFINITION: SweepDefinition = {
  dataset: 'unused.h5:/data',
  bound: 'abs=1e-3',
  search: { strategy: 'grid' },
  budget: { halving: { minEpochs: 1, eta: 3 } },
  space: { model: ['none', 'dense-ae-tiny'], latent: [1, 9, 2, 8, 3, 7, 4, 6, 5], epochs: [9] },
};

/** A runner that measures nothing real: ratio = latent (classical: 3); it writes a model dir like the real one. */
function fakeRunner(calls: TrialTask[], fail?: (task: TrialTask) => boolean): TrialRunner {
  return async (task) => {
    calls.push(task);
    if (fail?.(task)) throw new Error('unsupported: no such model for fields');
    await mkdir(task.modelDir, { recursive: true });
    await writeFile(join(task.modelDir, 'config.json'), JSON.stringify({ epochs: task.epochs }));
    const ratio = task.trial.config.latent ?? 3;
    const measurement: TrialMeasurement = {
      bytes: Math.round(1000 / ratio),
      ratio,
      maxAbsError: 1e-3,
      maxRelError: 0.5,
      maxRangeRelError: 1e-4,
      columns: [{ name: 'field', maxAbsError: 1e-3, maxRelError: 0.5, maxRangeRelError: 1e-4 }],
      modelUsed: ratio > 3,
      trainSeconds: task.epochs / 100,
      decodeMBps: 100 - ratio,
    };
    return measurement;
  };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baler-sweep-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const run = (
  calls: TrialTask[],
  options: {
    jobs?: number;
    onEvent?: (e: SweepEvent) => void;
    fail?: (t: TrialTask) => boolean;
    retryFailed?: boolean;
  } = {},
) =>
  runSweep(DEFINITION, {
    paths: sweepPaths(join(dir, 'exp.json')),
    jobs: options.jobs ?? 2,
    retryFailed: options.retryFailed ?? false,
    runner: fakeRunner(calls, options.fail),
    loadDataset: async () => DATASET,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });

describe('runSweep', () => {
  it('halves by rung: 9 trials at 1 epoch, the best 3 at 3, the best 1 at 9', async () => {
    const calls: TrialTask[] = [];
    const summary = await run(calls);
    const latentsAt = (epochs: number) =>
      calls
        .filter((c) => c.epochs === epochs)
        .map((c) => c.trial.config.latent)
        .sort();
    expect(latentsAt(1)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(latentsAt(3)).toEqual([7, 8, 9]);
    expect(latentsAt(9)).toEqual([9]);
    expect(calls).toHaveLength(1 + 9 + 3 + 1);
    expect(plannedEvaluations(generateTrials(DEFINITION), DEFINITION.budget?.halving)).toBe(calls.length);

    const lines = await readResults(join(dir, 'exp.results.jsonl'));
    expect(lines).toHaveLength(calls.length);
    const status = Object.fromEntries(
      summary.results.map((r) => [r.config.latent ?? 'none', `${r.status}@${r.rung}`]),
    );
    expect(status).toEqual({
      none: 'done@0',
      1: 'stopped-early@0',
      2: 'stopped-early@0',
      3: 'stopped-early@0',
      4: 'stopped-early@0',
      5: 'stopped-early@0',
      6: 'stopped-early@0',
      7: 'stopped-early@1',
      8: 'stopped-early@1',
      9: 'done@2',
    });
    expect(summary.best?.config.latent).toBe(9);
    expect(summary.bestModelDir).toBe(join(dir, 'exp.best'));
    expect((await readdir(join(dir, 'exp.best'))).sort()).toEqual(['config.json', 'sweep-trial.json']);
    expect(JSON.parse(await readFile(join(dir, 'exp.best', 'config.json'), 'utf8'))).toEqual({ epochs: 9 });
  });

  it('resumes after an interruption without repeating a finished evaluation; retries failures when asked', async () => {
    const first: TrialTask[] = [];
    // The process "dies" right after its fifth recorded evaluation; the trial with latent 2 fails.
    const interrupted = run(first, {
      jobs: 1,
      fail: (t) => t.trial.config.latent === 2,
      onEvent: (e) => {
        if (e.kind === 'result' && e.finished === 5) throw new Error('killed');
      },
    });
    await expect(interrupted).rejects.toThrow('killed');
    const recorded = await readResults(join(dir, 'exp.results.jsonl'));
    expect(recorded.map((r) => r.status)).toEqual([
      'done',
      'stopped-early',
      'stopped-early',
      'failed',
      'stopped-early',
    ]);
    expect(recorded[3]!.message).toBe('unsupported: no such model for fields');

    const second: TrialTask[] = [];
    const summary = await run(second);
    const key = (t: TrialTask) => `${t.trial.id}@${t.rung}`;
    const done = recorded.map((r) => `${r.trial}@${r.rung}`);
    expect(second.map(key).filter((k) => done.includes(k))).toEqual([]);
    expect(second).toHaveLength(14 - 5);
    expect(summary).toMatchObject({ ran: 9, skipped: 5 });
    expect(summary.results.filter((r) => r.status === 'failed').map((r) => r.config.latent)).toEqual([2]);

    // The failure runs again when asked to, and then succeeds; nothing else runs.
    const third: TrialTask[] = [];
    const retried = await run(third, { retryFailed: true });
    expect(third.map((t) => t.trial.config.latent)).toEqual([2]);
    expect(retried.results.filter((r) => r.status === 'failed')).toEqual([]);

    const fourth: TrialTask[] = [];
    expect(await run(fourth)).toMatchObject({ ran: 0 });
    expect(fourth).toEqual([]);
  });

  it('resumes an evaluation only under the same bound and the same column bounds', async () => {
    const classical: SweepDefinition = {
      ...DEFINITION,
      columns: ['H1_Charge=exact'],
      budget: {},
      space: { model: ['none'] },
    };
    let recorded = -1;
    const sweep = async (definition: SweepDefinition) => {
      const calls: TrialTask[] = [];
      const summary = await runSweep(definition, {
        paths: sweepPaths(join(dir, 'exp.json')),
        runner: fakeRunner(calls),
        loadDataset: async () => DATASET,
        onEvent: (event) => {
          if (event.kind === 'plan') recorded = event.recorded;
        },
      });
      return { ran: summary.ran, columns: calls.map((c) => c.columns) };
    };
    expect(await sweep(classical)).toEqual({ ran: 1, columns: [['H1_Charge=exact']] });
    expect(await sweep(classical)).toEqual({ ran: 0, columns: [] });
    expect(recorded).toBe(1);
    const changed = { ...classical, columns: ['H*_Charge=exact'] };
    expect(await sweep(changed)).toEqual({ ran: 1, columns: [['H*_Charge=exact']] });
    expect(recorded).toBe(0); // the line measured with other column bounds is not counted as resumable
    expect(await sweep(changed)).toEqual({ ran: 0, columns: [] });
    const none = { ...classical, columns: undefined };
    expect(await sweep(none)).toEqual({ ran: 1, columns: [[]] });
    expect(await sweep({ ...classical, columns: [] })).toEqual({ ran: 0, columns: [] });
    expect(await sweep({ ...none, bound: 'abs=1e-2' })).toEqual({ ran: 1, columns: [[]] });

    const lines = await readResults(join(dir, 'exp.results.jsonl'));
    expect(lines.map((r) => r.columnBounds)).toEqual([
      ['H1_Charge=exact'],
      ['H*_Charge=exact'],
      undefined,
      undefined,
    ]);
  });
});
