// Sweep definitions: the JSON files in experiments/ that say which dataset to compress at which bound,
// which model settings to try (grid or seeded random search) and how much to spend (trial count,
// successive halving over epochs). Validated by hand rather than with a JSON Schema library: the rules
// are few, and a hand-written check can name the JSON path, what was found and what is allowed in one
// line, which is the error a user needs. experiments/sweep.schema.json documents the same format for
// editors; definition.test.ts checks that the two agree on the allowed keys.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseBound, parseColumnOverride } from '../compress/error-bound.ts';
import { DATA_FILE_EXTENSIONS, parseDataSpec } from '../io/spec.ts';
import { listModels } from '../models/registry.ts';
import { WEIGHT_PRECISIONS, type WeightPrecision } from '../onnx/to-onnx.ts';

/** The model value that trains nothing: the classical predictors alone, every sweep's reference point. */
export const CLASSICAL = 'none';
/**
 * The network that corrects a field's stencil from the decoded neighbours (SPEC.md §7.2.1): trained by
 * compress itself, not by `baler train`; `widths` are its hidden layers, and only `epochs`,
 * `learningRate`, `batchSize` and `seed` apply besides.
 */
export const STENCIL_NETWORK = 'stencil-network';

/** A numeric range for random search: uniform, or uniform in log space with `scale: "log"`. */
export interface NumericRange {
  min: number;
  max: number;
  scale?: 'linear' | 'log';
}

/** One searched setting: a list of values to try, or (random search, numbers only) a range to draw from. */
export type Dimension<T> = T[] | (T extends number ? NumericRange : never);

export interface SearchSpace {
  /**
   * Registry model names (`dense-ae`, `dense-ae-slim`, …), `stencil-network` (fields: a network correcting
   * the stencil) or `none` (classical predictors only).
   */
  model: string[];
  latent?: Dimension<number>;
  /** Hidden layer widths of the encoder (the decoder mirrors them), e.g. [[64, 32], [32]]. */
  widths?: number[][];
  /** block-ae models only: block shapes, one extent per axis of the field, e.g. [[1, 8, 8], [2, 10, 10]]. */
  block?: number[][];
  epochs?: Dimension<number>;
  learningRate?: Dimension<number>;
  batchSize?: Dimension<number>;
  /**
   * Train for file size rather than MSE: the quantization step in normalized units that the residuals'
   * coding cost is computed with (TrainingConfig.rateStep); 0 trains the MSE.
   */
  rateStep?: Dimension<number>;
  /** How decoder.onnx stores the decoder's weights: float32, float16 or int8 (fewer bytes to ship). */
  weightPrecision?: WeightPrecision[];
  /** Only auto for now: the trainer picks robust, log, signed-log or discrete per column itself. */
  normalization?: 'auto'[];
  /** Training seeds (initial weights, split, shuffles). */
  seed?: number[];
}

export interface SweepDefinition {
  description?: string;
  /** `file.h5:/dataset`, `file.npz:key`, `.npy` or `.csv`; a relative path is relative to the definition. */
  dataset: string;
  /** The error bound, as `baler compress -e` takes it: `abs=1e-4`, `pwrel=1e-3`, `lossless`… */
  bound: string;
  /** Per-column bounds, as `baler compress --column` takes them: `*Charge=exact`. */
  columns?: string[];
  search: { strategy: 'grid' } | { strategy: 'random'; seed: number };
  budget?: {
    /** Random search: how many distinct trials to draw (required). Grid: the most the grid may hold. */
    trials?: number;
    /**
     * Successive halving: every trial first trains `minEpochs`; after each rung the best 1/eta (by
     * honest bytes) train eta times longer, up to their own `epochs`; the rest stop early.
     */
    halving?: { minEpochs: number; eta: number };
  };
  space: SearchSpace;
}

/** A definition file that does not follow the format; the message names the JSON path and what is allowed. */
export class SweepDefinitionError extends Error {
  override readonly name = 'SweepDefinitionError';
  readonly _tag = 'SweepDefinitionError' as const;
  constructor(
    readonly file: string,
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${file}: ${path} ${problem}`);
  }
}

export const TOP_KEYS = [
  '$schema',
  'description',
  'dataset',
  'bound',
  'columns',
  'search',
  'budget',
  'space',
];
export const SPACE_KEYS = [
  'model',
  'latent',
  'widths',
  'block',
  'epochs',
  'learningRate',
  'batchSize',
  'rateStep',
  'weightPrecision',
  'normalization',
  'seed',
];

/** Reads and validates a sweep definition; relative dataset paths become relative to the file. */
export async function loadSweepDefinition(file: string): Promise<SweepDefinition> {
  const text = await readFile(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SweepDefinitionError(file, '$', `is not valid JSON: ${(error as Error).message}`);
  }
  const definition = validateSweepDefinition(json, file);
  const spec = parseDataSpec(definition.dataset);
  if (isAbsolute(spec.path)) return definition;
  const path = resolve(dirname(file), spec.path);
  return { ...definition, dataset: spec.inner === undefined ? path : `${path}:${spec.inner}` };
}

/** Checks `json` against the sweep format and returns it typed; throws SweepDefinitionError otherwise. */
export function validateSweepDefinition(json: unknown, file = 'sweep'): SweepDefinition {
  const fail = (path: string, problem: string): never => {
    throw new SweepDefinitionError(file, path, problem);
  };
  const top = object(json, '$', fail);
  knownKeys(top, '$', TOP_KEYS, fail);
  if (top.description !== undefined) string(top.description, '$.description', fail);
  const dataset = string(top.dataset, '$.dataset', fail, 'a dataset such as "../data/run.h5:/data"');
  if (parseDataSpec(dataset).format === undefined) {
    const extensions = Object.values(DATA_FILE_EXTENSIONS).flat().join(', ');
    fail('$.dataset', `${describe(dataset)}, which has no known data file extension (${extensions})`);
  }
  const bound = string(top.bound, '$.bound', fail, 'a bound such as "abs=1e-4" or "pwrel=1e-3"');
  try {
    parseBound(bound);
  } catch (error) {
    fail('$.bound', `is not a bound: ${(error as Error).message}`);
  }
  if (top.columns !== undefined) {
    array(top.columns, '$.columns', fail).forEach((c, i) => {
      const text = string(c, `$.columns[${i}]`, fail, 'a column bound such as "*Charge=exact"');
      try {
        parseColumnOverride(text);
      } catch (error) {
        fail(`$.columns[${i}]`, `is not a column bound: ${(error as Error).message}`);
      }
    });
  }

  const search = object(top.search, '$.search', fail);
  const strategy = oneOf(search.strategy, '$.search.strategy', ['grid', 'random'], fail);
  knownKeys(search, '$.search', strategy === 'random' ? ['strategy', 'seed'] : ['strategy'], fail);
  if (strategy === 'random') integer(search.seed, '$.search.seed', 0, fail);

  const budget = top.budget === undefined ? {} : object(top.budget, '$.budget', fail);
  knownKeys(budget, '$.budget', ['trials', 'halving'], fail);
  if (budget.trials !== undefined) integer(budget.trials, '$.budget.trials', 1, fail);
  else if (strategy === 'random')
    fail('$.budget.trials', 'is required for random search: how many trials to draw');
  if (budget.halving !== undefined) {
    const halving = object(budget.halving, '$.budget.halving', fail);
    knownKeys(halving, '$.budget.halving', ['minEpochs', 'eta'], fail);
    integer(halving.minEpochs, '$.budget.halving.minEpochs', 1, fail);
    integer(halving.eta, '$.budget.halving.eta', 2, fail);
  }

  const space = object(top.space, '$.space', fail);
  knownKeys(space, '$.space', SPACE_KEYS, fail);
  const models = [CLASSICAL, STENCIL_NETWORK, ...listModels().map((m) => m.name)];
  each(nonEmpty(space.model, '$.space.model', fail), '$.space.model', (m, at) => oneOf(m, at, models, fail));
  const ranged = strategy === 'random';
  dimension(space.latent, '$.space.latent', { min: 1, integer: true, ranged }, fail);
  dimension(space.epochs, '$.space.epochs', { min: 1, integer: true, ranged }, fail);
  dimension(space.batchSize, '$.space.batchSize', { min: 1, integer: true, ranged }, fail);
  const rate = { min: Number.MIN_VALUE, integer: false, ranged };
  dimension(space.learningRate, '$.space.learningRate', rate, fail);
  dimension(space.rateStep, '$.space.rateStep', { min: 0, integer: false, ranged }, fail);
  dimension(space.seed, '$.space.seed', { min: 0, integer: true, ranged: false }, fail);
  for (const key of ['widths', 'block'] as const) {
    if (space[key] === undefined) continue;
    each(nonEmpty(space[key], `$.space.${key}`, fail), `$.space.${key}`, (sizes, at) =>
      each(nonEmpty(sizes, at, fail), at, (size, inner) => integer(size, inner, 1, fail)),
    );
  }
  if (space.weightPrecision !== undefined) {
    each(
      nonEmpty(space.weightPrecision, '$.space.weightPrecision', fail),
      '$.space.weightPrecision',
      (p, at) => oneOf(p, at, WEIGHT_PRECISIONS, fail),
    );
  }
  if (space.normalization !== undefined) {
    const why =
      ' (the trainer chooses robust, log, signed-log or discrete per column; forcing one is not supported yet)';
    each(nonEmpty(space.normalization, '$.space.normalization', fail), '$.space.normalization', (n, at) =>
      oneOf(n, at, ['auto'], fail, why),
    );
  }
  return json as SweepDefinition;
}

type Fail = (path: string, problem: string) => never;

/** Checks every element of a list, each at its own JSON path. */
function each(
  values: readonly unknown[],
  path: string,
  check: (value: unknown, at: string) => unknown,
): void {
  for (let i = 0; i < values.length; i++) check(values[i], `${path}[${i}]`);
}

function describe(value: unknown): string {
  if (value === undefined) return 'is missing';
  const text = JSON.stringify(value);
  return `is ${text.length > 40 ? `${text.slice(0, 37)}...` : text}`;
}

function object(value: unknown, path: string, fail: Fail): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value))
    return value as Record<string, unknown>;
  return fail(path, `${describe(value)}; expected an object`);
}

function array(value: unknown, path: string, fail: Fail): unknown[] {
  if (Array.isArray(value)) return value;
  return fail(path, `${describe(value)}; expected an array`);
}

function nonEmpty(value: unknown, path: string, fail: Fail): unknown[] {
  const list = array(value, path, fail);
  if (list.length === 0) fail(path, 'is empty; give at least one value');
  return list;
}

function string(value: unknown, path: string, fail: Fail, example = 'a string'): string {
  if (typeof value === 'string' && value.length > 0) return value;
  return fail(path, `${describe(value)}; expected ${example}`);
}

function integer(value: unknown, path: string, min: number, fail: Fail): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min) return value;
  return fail(path, `${describe(value)}; expected a whole number ≥ ${min}`);
}

function oneOf<T extends string>(
  value: unknown,
  path: string,
  allowed: readonly T[],
  fail: Fail,
  why = '',
): T {
  if (allowed.includes(value as T)) return value as T;
  return fail(path, `${describe(value)}; allowed: ${allowed.map((a) => JSON.stringify(a)).join(', ')}${why}`);
}

function knownKeys(
  value: Record<string, unknown>,
  path: string,
  allowed: readonly string[],
  fail: Fail,
): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(`${path}.${key}`, `is not a known key; allowed: ${allowed.join(', ')}`);
  }
}

function dimension(
  value: unknown,
  path: string,
  rule: { min: number; integer: boolean; ranged: boolean },
  fail: Fail,
): void {
  if (value === undefined) return;
  const number = (v: unknown, at: string) => {
    if (rule.integer) return integer(v, at, rule.min, fail);
    if (typeof v === 'number' && Number.isFinite(v) && v >= rule.min) return v;
    return fail(at, `${describe(v)}; expected a number ${rule.min > 0 ? '> 0' : '≥ 0'}`);
  };
  if (Array.isArray(value)) {
    each(nonEmpty(value, path, fail), path, number);
    return;
  }
  if (!rule.ranged) {
    return void fail(
      path,
      `${describe(value)}; expected a list of values${typeof value === 'object' && value !== null ? ' (ranges {min, max} need random search)' : ''}`,
    );
  }
  const range = object(value, path, fail);
  knownKeys(range, path, ['min', 'max', 'scale'], fail);
  const min = number(range.min, `${path}.min`);
  const max = number(range.max, `${path}.max`);
  if (max < min) fail(`${path}.max`, `is ${max}, below min ${min}`);
  if (range.scale !== undefined) oneOf(range.scale, `${path}.scale`, ['linear', 'log'], fail);
}
