// The models Baler can train, keyed by name. Each entry is a JSON config (a family plus its sizes), so
// that `--model NAME` and a `--config FILE` say the same things, and a model directory's config.json is
// enough to rebuild the network. `block-ae` is the same dense network on normalized blocks of a field.

import {
  createDenseAe,
  type DenseAeConfig,
  type DenseModel,
  denseAeFromParams,
  validateDenseAeConfig,
} from './dense-ae.ts';

/** A config as users write it: the family's fields, all optional but `inputs` (the data supplies it). */
export type ModelConfigInput = Partial<Omit<DenseAeConfig, 'inputs'>> & { inputs: number };

export interface ModelPreset {
  name: string;
  description: string;
  /** The preset's config without `inputs`; `latent` absent means "half the inputs, at least 1". */
  config: Partial<Omit<DenseAeConfig, 'inputs'>> & { family: DenseAeConfig['family'] };
}

const DENSE_DEFAULTS = {
  family: 'dense-ae',
  activation: 'leaky-relu',
  alpha: 0.01,
  latentActivation: 'linear',
  outputActivation: 'linear',
} as const;

const CONFIG_KEYS = [
  'family',
  'inputs',
  'block',
  'encoder',
  'latent',
  'decoder',
  'activation',
  'alpha',
  'latentActivation',
  'outputActivation',
];

const PRESETS: Record<string, ModelPreset> = {
  'dense-ae': {
    name: 'dense-ae',
    description: "Baler's own dense autoencoder: 200-100-50 down to k and back, LeakyReLU",
    config: { ...DENSE_DEFAULTS, encoder: [200, 100, 50] },
  },
  'dense-ae-slim': {
    name: 'dense-ae-slim',
    description: 'a slimmer dense autoencoder, 64-32 down to k and back: 3–8× fewer multiply-adds',
    config: { ...DENSE_DEFAULTS, encoder: [64, 32] },
  },
  'dense-ae-tiny': {
    name: 'dense-ae-tiny',
    description: 'one hidden layer of 32 each side: the smallest decoder to ship',
    config: { ...DENSE_DEFAULTS, encoder: [32] },
  },
  'block-ae': {
    name: 'block-ae',
    description: 'fields: a linear autoencoder on normalized blocks (default 8 values per axis)',
    config: { ...DENSE_DEFAULTS, family: 'block-ae', encoder: [], latent: 4 },
  },
};

/** The registered models, in a stable order. */
export function listModels(): ModelPreset[] {
  return Object.values(PRESETS);
}

/** Thrown for an unknown model name or a config that does not fit the model; the message says why. */
export class ModelConfigError extends Error {
  override readonly name = 'ModelConfigError';
  readonly _tag = 'ModelConfigError' as const;
}

/** The full config `createModel` would use: the preset's, overridden by `config`, defaults filled in. */
export function resolveModelConfig(name: string, config: ModelConfigInput): DenseAeConfig {
  const preset = PRESETS[name];
  if (!preset)
    throw new ModelConfigError(`unknown model "${name}"; models: ${Object.keys(PRESETS).join(', ')}`);
  if (config.family !== undefined && config.family !== preset.config.family) {
    throw new ModelConfigError(`model "${name}" is of family ${preset.config.family}, not ${config.family}`);
  }
  const unknown = Object.keys(config).filter((key) => !CONFIG_KEYS.includes(key));
  if (unknown.length > 0) {
    throw new ModelConfigError(
      `unknown model setting${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; settings: ${CONFIG_KEYS.join(', ')}`,
    );
  }
  const merged = { ...DENSE_DEFAULTS, ...preset.config, ...definedOnly(config) };
  const encoder = merged.encoder ?? [];
  const resolved: DenseAeConfig = {
    ...merged,
    inputs: config.inputs,
    family: preset.config.family,
    encoder,
    latent: merged.latent ?? Math.max(1, Math.round(config.inputs / 2)),
    decoder: merged.decoder ?? [...encoder].reverse(),
  };
  try {
    return validateDenseAeConfig(resolved);
  } catch (error) {
    throw new ModelConfigError(`model "${name}": ${(error as Error).message}`);
  }
}

/**
 * A new model of the registered `name`, with `config` overriding the preset (at least `inputs`, the
 * number of values per sample), its parameters initialised from `seed`.
 */
export function createModel(
  name: string,
  config: ModelConfigInput,
  options: { seed?: number } = {},
): DenseModel {
  return createDenseAe(name, resolveModelConfig(name, config), options.seed ?? 0);
}

/** A model of a full config (from config.json or a checkpoint) holding `params`. */
export function denseModelFromConfig(name: string, config: DenseAeConfig, params: Float32Array): DenseModel {
  if (config.family !== 'dense-ae' && config.family !== 'block-ae')
    throw new ModelConfigError(`unknown model family "${config.family}"`);
  return denseAeFromParams(name, config, params);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
