// The trials of a sweep: every point of the grid, or a seeded random draw from the space, each with an
// id that is a hash of its config, so that a restarted sweep recognises the trials it already ran
// whatever order they come in. Successive halving's rungs are here too: how many epochs each rung trains
// and how many trials go on to the next.
import { createHash } from 'node:crypto';
import { DEFAULT_STENCIL_NETWORK } from '../compress/stencil-network.ts';
import { canonicalJson } from '../models/model-dir.ts';
import { listModels } from '../models/registry.ts';
import type { WeightPrecision } from '../onnx/to-onnx.ts';
import { Prng } from '../train/prng.ts';
import { CLASSICAL, type Dimension, STENCIL_NETWORK, type SweepDefinition } from './definition.ts';

/** One point of the search space. A classical trial (`model: "none"`) has no other settings. */
export interface TrialConfig {
  model: string;
  latent?: number;
  widths?: number[];
  block?: number[];
  epochs?: number;
  learningRate?: number;
  batchSize?: number;
  /** Absent or 0: train the MSE. */
  rateStep?: number;
  weightPrecision?: WeightPrecision;
  normalization?: 'auto';
  seed?: number;
}

export interface Trial {
  /** 12 hex digits of the SHA-256 of the config's canonical JSON. */
  id: string;
  config: TrialConfig;
}

/** Settings a trainable trial always has, used where the space does not name them. */
export const TRIAL_DEFAULTS = {
  epochs: 50,
  learningRate: 1e-3,
  batchSize: 256,
  weightPrecision: 'float32',
  normalization: 'auto',
  seed: 0,
} as const;

/** Why a sweep cannot produce its trials (a grid larger than its budget, a space too small for the draw). */
export class SweepBudgetError extends Error {
  override readonly name = 'SweepBudgetError';
}

export function trialId(config: TrialConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 12);
}

/** The sweep's trials in a stable order: the grid in definition order, or the seeded random draw. */
export function generateTrials(definition: SweepDefinition): Trial[] {
  const trials =
    definition.search.strategy === 'grid'
      ? gridTrials(definition)
      : randomTrials(definition, definition.search.seed, definition.budget?.trials ?? 1);
  const limit = definition.budget?.trials;
  if (definition.search.strategy === 'grid' && limit !== undefined && trials.length > limit) {
    throw new SweepBudgetError(
      `the grid holds ${trials.length} distinct trials, more than budget.trials = ${limit}; shrink the space, raise the budget or use random search`,
    );
  }
  return trials;
}

type Axis = [keyof TrialConfig, unknown[]];

function gridTrials(definition: SweepDefinition): Trial[] {
  const space = definition.space;
  const axes: Axis[] = [
    ['latent', listOf(space.latent, 'latent')],
    ['widths', space.widths ?? [undefined]],
    ['block', space.block ?? [undefined]],
    ['epochs', listOf(space.epochs, 'epochs')],
    ['learningRate', listOf(space.learningRate, 'learningRate')],
    ['batchSize', listOf(space.batchSize, 'batchSize')],
    ['rateStep', listOf(space.rateStep, 'rateStep')],
    ['weightPrecision', space.weightPrecision ?? [undefined]],
    ['normalization', space.normalization ?? [undefined]],
    ['seed', space.seed ?? [undefined]],
  ];
  const trials = new Map<string, Trial>();
  for (const model of space.model) {
    let configs: Partial<TrialConfig>[] = [{}];
    if (model !== CLASSICAL) {
      for (const [key, values] of axes) {
        if (!applies(key, model)) continue;
        configs = configs.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
      }
    }
    for (const partial of configs) add(trials, { model, ...partial });
  }
  return [...trials.values()];
}

function randomTrials(definition: SweepDefinition, seed: number, count: number): Trial[] {
  const space = definition.space;
  const prng = new Prng(seed);
  const pick = <T>(values: readonly T[]) => values[prng.below(values.length)]!;
  const draw = (dimension: Dimension<number> | undefined, integer: boolean): number | undefined => {
    if (dimension === undefined) return undefined;
    if (Array.isArray(dimension)) return pick(dimension);
    const log = dimension.scale === 'log';
    const [lo, hi] = log
      ? [Math.log(dimension.min), Math.log(dimension.max)]
      : [dimension.min, dimension.max];
    const value = log ? Math.exp(prng.uniform(lo, hi)) : prng.uniform(lo, hi);
    // Floats keep 4 digits, so that ids and tables stay readable.
    if (integer) return Math.min(dimension.max, Math.max(dimension.min, Math.round(value)));
    return Number(value.toPrecision(4));
  };
  const trials = new Map<string, Trial>();
  // Classical trials collapse to one config and small spaces repeat: stop after a generous number of
  // draws rather than loop forever, and say so.
  for (let attempt = 0; trials.size < count && attempt < count * 50; attempt++) {
    const model = pick(space.model);
    if (model === CLASSICAL) {
      add(trials, { model });
      continue;
    }
    const drawn: TrialConfig = {
      model,
      latent: draw(space.latent, true),
      widths: space.widths ? pick(space.widths) : undefined,
      // Drawn only for block models, as before stencil networks existed: the same seed gives the same trials.
      block: space.block && learnsBlocks(model) ? pick(space.block) : undefined,
      epochs: draw(space.epochs, true),
      learningRate: draw(space.learningRate, false),
      batchSize: draw(space.batchSize, true),
      rateStep: draw(space.rateStep, false),
      weightPrecision: space.weightPrecision ? pick(space.weightPrecision) : undefined,
      normalization: space.normalization ? pick(space.normalization) : undefined,
      seed: space.seed ? pick(space.seed) : undefined,
    };
    for (const key of Object.keys(drawn) as (keyof TrialConfig)[])
      if (key !== 'model' && !applies(key, model)) drawn[key] = undefined as never;
    add(trials, drawn);
  }
  if (trials.size < count) {
    throw new SweepBudgetError(
      `the space holds only ${trials.size} distinct trials, fewer than budget.trials = ${count}; widen the space or lower the budget`,
    );
  }
  return [...trials.values()];
}

/** Whether a registered model learns blocks of a field (block shapes apply to it alone). */
function learnsBlocks(model: string): boolean {
  return listModels().find((m) => m.name === model)?.config.family === 'block-ae';
}

/** The settings a stencil network takes; the rest describe autoencoders. */
const STENCIL_NETWORK_KEYS: readonly string[] = ['widths', 'epochs', 'learningRate', 'batchSize', 'seed'];

/** A stencil network's defaults are compress's own (DEFAULT_STENCIL_NETWORK), so a sweep reproduces it. */
const STENCIL_NETWORK_DEFAULTS = {
  epochs: DEFAULT_STENCIL_NETWORK.epochs,
  learningRate: DEFAULT_STENCIL_NETWORK.learningRate,
  batchSize: DEFAULT_STENCIL_NETWORK.batchSize,
  seed: DEFAULT_STENCIL_NETWORK.seed,
};

/** Whether setting `key` means anything for `model`. */
function applies(key: string, model: string): boolean {
  if (model === STENCIL_NETWORK) return STENCIL_NETWORK_KEYS.includes(key);
  return key !== 'block' || learnsBlocks(model);
}

function listOf(dimension: Dimension<number> | undefined, name: string): unknown[] {
  if (dimension === undefined) return [undefined];
  if (Array.isArray(dimension)) return dimension;
  throw new SweepBudgetError(`space.${name} is a range; a grid needs a list of values`);
}

/**
 * Adds a trial with defaults filled in for trainable models, so equal settings give equal ids (rateStep
 * 0, the MSE, is the same training as no rateStep).
 */
function add(trials: Map<string, Trial>, partial: TrialConfig): void {
  if (partial.rateStep === 0) partial.rateStep = undefined;
  const config: TrialConfig =
    partial.model === CLASSICAL
      ? { model: CLASSICAL }
      : ({
          model: partial.model,
          ...(partial.model === STENCIL_NETWORK ? STENCIL_NETWORK_DEFAULTS : TRIAL_DEFAULTS),
          ...Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)),
        } as TrialConfig);
  const id = trialId(config);
  if (!trials.has(id)) trials.set(id, { id, config });
}

/** Epochs a trial trains to by rung `rung`: minEpochs·eta^rung, at most its own epochs. */
export function rungEpochs(
  config: TrialConfig,
  rung: number,
  halving: { minEpochs: number; eta: number } | undefined,
): number {
  const full =
    config.epochs ?? (config.model === STENCIL_NETWORK ? STENCIL_NETWORK_DEFAULTS : TRIAL_DEFAULTS).epochs;
  if (!halving) return full;
  return Math.min(full, halving.minEpochs * halving.eta ** rung);
}

/**
 * Successive halving's choice after a rung: of the `scored` trials, the best ceil(n / eta) go on. Scores
 * compare element by element, higher first (a tie on the first looks at the second); full ties keep
 * the earlier trial, so the choice is the same on every restart.
 */
export function promote<T>(scored: readonly { item: T; score: readonly number[] }[], eta: number): T[] {
  const keep = Math.ceil(scored.length / eta);
  const compare = (a: readonly number[], b: readonly number[]) => {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const x = a[i] ?? 0;
      const y = b[i] ?? 0;
      if (x !== y) return y > x ? 1 : -1;
    }
    return 0;
  };
  return scored
    .map((s, index) => ({ ...s, index }))
    .sort((a, b) => compare(a.score, b.score) || a.index - b.index)
    .slice(0, keep)
    .map((s) => s.item);
}
