import { describe, expect, it } from 'vitest';
import type { SweepDefinition } from './definition.ts';
import { generateTrials, promote, rungEpochs, SweepBudgetError, TRIAL_DEFAULTS, trialId } from './trials.ts';

const BASE: Omit<SweepDefinition, 'search' | 'space'> = { dataset: 'x.h5:/data', bound: 'abs=1e-3' };

describe('generateTrials', () => {
  it('walks the grid in definition order, one classical trial, defaults filled in, ids from the config', () => {
    const trials = generateTrials({
      ...BASE,
      search: { strategy: 'grid' },
      space: { model: ['none', 'dense-ae-tiny'], latent: [4, 8], learningRate: [1e-3, 1e-2] },
    });
    expect(trials.map((t) => t.config)).toEqual([
      { model: 'none' },
      { model: 'dense-ae-tiny', ...TRIAL_DEFAULTS, latent: 4, learningRate: 1e-3 },
      { model: 'dense-ae-tiny', ...TRIAL_DEFAULTS, latent: 4, learningRate: 1e-2 },
      { model: 'dense-ae-tiny', ...TRIAL_DEFAULTS, latent: 8, learningRate: 1e-3 },
      { model: 'dense-ae-tiny', ...TRIAL_DEFAULTS, latent: 8, learningRate: 1e-2 },
    ]);
    expect(trials.map((t) => t.id)).toEqual(trials.map((t) => trialId(t.config)));
    expect(new Set(trials.map((t) => t.id)).size).toBe(5);
    // Key order does not change an id: it hashes canonical JSON.
    expect(trialId({ latent: 4, model: 'dense-ae-tiny' })).toBe(
      trialId({ model: 'dense-ae-tiny', latent: 4 }),
    );
    expect(trials[0]!.id).toMatch(/^[0-9a-f]{12}$/);
  });

  it('gives block shapes to block-ae trials alone', () => {
    const trials = generateTrials({
      ...BASE,
      search: { strategy: 'grid' },
      space: {
        model: ['dense-ae-tiny', 'block-ae'],
        block: [
          [1, 8, 8],
          [2, 10, 10],
        ],
      },
    });
    expect(trials.map((t) => [t.config.model, t.config.block])).toEqual([
      ['dense-ae-tiny', undefined],
      ['block-ae', [1, 8, 8]],
      ['block-ae', [2, 10, 10]],
    ]);
  });

  it('gives stencil networks only the settings they take, in grids and random draws alike', () => {
    const space = {
      model: ['stencil-network', 'dense-ae-tiny'],
      latent: [4],
      widths: [[8, 8], [16]],
      rateStep: [0.01],
      weightPrecision: ['int8' as const],
      epochs: [20],
    };
    const grid = generateTrials({ ...BASE, search: { strategy: 'grid' }, space });
    const stencil = grid.filter((t) => t.config.model === 'stencil-network').map((t) => t.config);
    expect(stencil).toEqual([
      { model: 'stencil-network', epochs: 20, learningRate: 3e-3, batchSize: 256, seed: 0, widths: [8, 8] },
      { model: 'stencil-network', epochs: 20, learningRate: 3e-3, batchSize: 256, seed: 0, widths: [16] },
    ]);
    expect(grid.find((t) => t.config.model === 'dense-ae-tiny')!.config).toMatchObject({
      latent: 4,
      rateStep: 0.01,
      weightPrecision: 'int8',
    });
    const random = generateTrials({
      ...BASE,
      search: { strategy: 'random', seed: 2 },
      budget: { trials: 4 },
      space,
    });
    for (const trial of random.filter((t) => t.config.model === 'stencil-network'))
      expect(Object.keys(trial.config).sort()).toEqual([
        'batchSize',
        'epochs',
        'learningRate',
        'model',
        'seed',
        'widths',
      ]);
  });

  it('treats rateStep 0 as the MSE training it is', () => {
    const trials = generateTrials({
      ...BASE,
      search: { strategy: 'grid' },
      space: { model: ['dense-ae-tiny'], rateStep: [0, 0.01] },
    });
    expect(trials.map((t) => t.config.rateStep)).toEqual([undefined, 0.01]);
    expect(trials[0]!.id).toBe(
      generateTrials({ ...BASE, search: { strategy: 'grid' }, space: { model: ['dense-ae-tiny'] } })[0]!.id,
    );
  });

  it('refuses a grid larger than its budget', () => {
    expect(() =>
      generateTrials({
        ...BASE,
        search: { strategy: 'grid' },
        budget: { trials: 3 },
        space: { model: ['dense-ae-tiny'], latent: [1, 2, 3, 4] },
      }),
    ).toThrow(
      new SweepBudgetError(
        'the grid holds 4 distinct trials, more than budget.trials = 3; shrink the space, raise the budget or use random search',
      ),
    );
  });

  it('draws the same random trials for the same seed, others for another, within the ranges', () => {
    const definition = (seed: number): SweepDefinition => ({
      ...BASE,
      search: { strategy: 'random', seed },
      budget: { trials: 6 },
      space: {
        model: ['none', 'dense-ae-slim', 'dense-ae-tiny'],
        latent: { min: 2, max: 12 },
        learningRate: { min: 1e-4, max: 1e-2, scale: 'log' },
        batchSize: [64, 256],
      },
    });
    const a = generateTrials(definition(7));
    expect(generateTrials(definition(7))).toEqual(a);
    expect(generateTrials(definition(8)).map((t) => t.id)).not.toEqual(a.map((t) => t.id));
    expect(a).toHaveLength(6);
    for (const { config } of a.filter((t) => t.config.model !== 'none')) {
      expect(config.latent).toBeGreaterThanOrEqual(2);
      expect(config.latent).toBeLessThanOrEqual(12);
      expect(Number.isInteger(config.latent)).toBe(true);
      expect(config.learningRate).toBeGreaterThanOrEqual(1e-4);
      expect(config.learningRate).toBeLessThanOrEqual(1e-2);
      expect([64, 256]).toContain(config.batchSize);
    }
  });

  it('says so when the space holds fewer distinct trials than the random budget', () => {
    expect(() =>
      generateTrials({
        ...BASE,
        search: { strategy: 'random', seed: 1 },
        budget: { trials: 4 },
        space: { model: ['none', 'dense-ae-tiny'], latent: [4] },
      }),
    ).toThrow(/the space holds only 2 distinct trials, fewer than budget\.trials = 4/);
  });
});

describe('successive halving', () => {
  it('trains minEpochs·eta^rung epochs, capped at the trial’s own', () => {
    const halving = { minEpochs: 5, eta: 3 };
    expect([0, 1, 2, 3].map((r) => rungEpochs({ model: 'dense-ae', epochs: 60 }, r, halving))).toEqual([
      5, 15, 45, 60,
    ]);
    expect(rungEpochs({ model: 'dense-ae', epochs: 60 }, 0, undefined)).toBe(60);
  });

  it('keeps the best ceil(n / eta), ties to the earlier trial', () => {
    const scored = [3, 9, 1, 9, 5, 2, 8].map((score, i) => ({ item: `t${i}`, score: [score] }));
    expect(promote(scored, 3)).toEqual(['t1', 't3', 't6']);
    expect(promote(scored, 2)).toEqual(['t1', 't3', 't6', 't4']);
    expect(promote(scored.slice(0, 1), 3)).toEqual(['t0']);
  });

  it('breaks ties on the first score with the second', () => {
    const scored = [
      [-100, -130],
      [-100, -110],
      [-90, -200],
      [-100, -120],
    ].map((score, i) => ({ item: `t${i}`, score }));
    expect(promote(scored, 2)).toEqual(['t2', 't1']);
  });
});
