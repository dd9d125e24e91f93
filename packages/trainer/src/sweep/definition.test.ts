import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listModels } from '../models/registry.ts';
import { WEIGHT_PRECISIONS } from '../onnx/to-onnx.ts';
import {
  CLASSICAL,
  loadSweepDefinition,
  SPACE_KEYS,
  STENCIL_NETWORK,
  SweepDefinitionError,
  TOP_KEYS,
  validateSweepDefinition,
} from './definition.ts';

const VALID = {
  dataset: 'data/run.h5:/data',
  bound: 'pwrel=1e-3',
  columns: ['*Charge=exact'],
  search: { strategy: 'grid' },
  budget: { halving: { minEpochs: 5, eta: 3 } },
  space: {
    model: ['none', 'dense-ae-slim'],
    latent: [4, 8],
    widths: [[64, 32]],
    epochs: [45],
    rateStep: [0, 0.05],
  },
};

/** The message validating `json` gives (the test fails if it validates). */
function problem(json: unknown): string {
  try {
    validateSweepDefinition(json, 'x.json');
  } catch (error) {
    expect(error).toBeInstanceOf(SweepDefinitionError);
    return (error as Error).message;
  }
  throw new Error('validated');
}

// biome-ignore lint/suspicious/noExplicitAny: the edits put deliberately wrong JSON into the definition
type Json = any;

const edit = (change: (d: Json) => void) => {
  const copy: Json = structuredClone(VALID);
  change(copy);
  return copy;
};

describe('validateSweepDefinition', () => {
  it('accepts a valid definition and returns it unchanged', () => {
    expect(validateSweepDefinition(VALID)).toEqual(VALID);
  });

  it('names the JSON path, what it found and what is allowed', () => {
    expect(problem(edit((d) => delete d.bound))).toBe(
      'x.json: $.bound is missing; expected a bound such as "abs=1e-4" or "pwrel=1e-3"',
    );
    expect(problem(edit((d) => (d.bound = 'pwrel=x')))).toMatch(/^x\.json: \$\.bound is not a bound: /);
    expect(problem(edit((d) => (d.space.model = ['none', 'dense-ae-huge'])))).toBe(
      `x.json: $.space.model[1] is "dense-ae-huge"; allowed: ${[CLASSICAL, STENCIL_NETWORK, ...listModels().map((m) => m.name)].map((m) => `"${m}"`).join(', ')}`,
    );
    expect(problem(edit((d) => (d.space.widths = [[64, 0]])))).toBe(
      'x.json: $.space.widths[0][1] is 0; expected a whole number ≥ 1',
    );
    expect(problem(edit((d) => (d.space.weightPrecision = ['float16', 'float8'])))).toBe(
      'x.json: $.space.weightPrecision[1] is "float8"; allowed: "float32", "float16", "int8"',
    );
    expect(problem(edit((d) => (d.space.learningRate = { min: 1e-4, max: 1e-2 })))).toBe(
      'x.json: $.space.learningRate is {"min":0.0001,"max":0.01}; expected a list of values (ranges {min, max} need random search)',
    );
    expect(problem(edit((d) => (d.space.rateStep = [-1])))).toBe(
      'x.json: $.space.rateStep[0] is -1; expected a number ≥ 0',
    );
    expect(problem(edit((d) => (d.budget.halving.eta = 1)))).toBe(
      'x.json: $.budget.halving.eta is 1; expected a whole number ≥ 2',
    );
    expect(problem(edit((d) => (d.space.latnet = [4])))).toMatch(
      /^x\.json: \$\.space\.latnet is not a known key; allowed: model, latent/,
    );
    expect(problem(edit((d) => (d.search = { strategy: 'random', seed: 1 })))).toBe(
      'x.json: $.budget.trials is required for random search: how many trials to draw',
    );
    expect(problem(edit((d) => (d.dataset = 'run.hdf')))).toMatch(
      /\$\.dataset is "run\.hdf", which has no known data file extension/,
    );
    expect(problem([])).toBe('x.json: $ is []; expected an object');
  });

  it('takes ranges in random search', () => {
    const random = edit((d) => {
      d.search = { strategy: 'random', seed: 3 };
      d.budget = { trials: 4 };
      d.space.learningRate = { min: 1e-4, max: 1e-2, scale: 'log' };
    });
    expect(validateSweepDefinition(random)).toEqual(random);
    random.space.learningRate.max = 1e-5;
    expect(problem(random)).toBe('x.json: $.space.learningRate.max is 0.00001, below min 0.0001');
  });
});

describe('loadSweepDefinition', () => {
  it('resolves the dataset relative to the definition and reports bad JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baler-sweep-def-'));
    try {
      await writeFile(join(dir, 'a.json'), JSON.stringify(VALID));
      expect((await loadSweepDefinition(join(dir, 'a.json'))).dataset).toBe(join(dir, 'data/run.h5:/data'));
      await writeFile(join(dir, 'b.json'), '{"dataset": ');
      await expect(loadSweepDefinition(join(dir, 'b.json'))).rejects.toThrow(/b\.json: \$ is not valid JSON/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('experiments/sweep.schema.json', () => {
  it('documents the keys the validator allows', async () => {
    const url = new URL('../../../../experiments/sweep.schema.json', import.meta.url);
    const schema = JSON.parse(await readFile(url, 'utf8'));
    expect(Object.keys(schema.properties).sort()).toEqual([...TOP_KEYS].sort());
    expect(Object.keys(schema.properties.space.properties).sort()).toEqual([...SPACE_KEYS].sort());
    expect(schema.properties.space.properties.weightPrecision.items.enum).toEqual(WEIGHT_PRECISIONS);
  });
});
