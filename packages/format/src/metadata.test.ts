import { describe, expect, it } from 'vitest';
import { isBalerError } from './errors.ts';
import { validateMetadata } from './metadata.ts';

const valid = {
  kind: 'table',
  shape: [3, 1],
  columns: [{ name: 'a', dtype: 'float64', method: { name: 'exact' }, bound: { kind: 'lossless' } }],
  attributes: {},
  model: null,
  provenance: { tool: 'baler 0.1.0', configHash: null, source: null },
};

function errorPath(value: unknown): string | undefined {
  try {
    validateMetadata(value);
  } catch (error) {
    if (isBalerError(error, 'MalformedMetadata')) return error.fields.path;
    throw error;
  }
  return undefined;
}

describe('metadata validation', () => {
  it('accepts a valid table description', () => {
    expect(validateMetadata(valid)).toMatchObject({ kind: 'table', shape: [3, 1] });
  });

  it('names the exact place of each schema violation', () => {
    expect(errorPath({ ...valid, kind: 'cube' })).toBe('$.kind');
    expect(errorPath({ ...valid, shape: [3, -1] })).toBe('$.shape[1]');
    expect(errorPath({ ...valid, shape: [3, 2] })).toBe('$.columns');
    expect(errorPath({ ...valid, columns: [{ ...valid.columns[0], dtype: 'complex64' }] })).toBe(
      '$.columns[0].dtype',
    );
    expect(
      errorPath({ ...valid, columns: [{ ...valid.columns[0], bound: { kind: 'abs', value: -1 } }] }),
    ).toBe('$.columns[0].bound.value');
    expect(errorPath({ ...valid, provenance: {} })).toBe('$.provenance.tool');
    expect(errorPath([])).toBe('$');
    expect(errorPath({ ...valid, shape: [2 ** 30, 2 ** 30] })).toBe('$.shape');
    const decoder = { latent: 2, latentStep: 0.1, outputs: 4 };
    const blocks = { shape: [1, 2, 2], centerStep: 0.1, spreadStep: 0.1 };
    expect(errorPath({ ...valid, decoder: { ...decoder, blocks: { ...blocks, shape: [] } } })).toBe(
      '$.decoder.blocks.shape',
    );
    expect(errorPath({ ...valid, decoder: { ...decoder, blocks: { ...blocks, shape: [1, 0] } } })).toBe(
      '$.decoder.blocks.shape[1]',
    );
    expect(errorPath({ ...valid, decoder: { ...decoder, blocks: { ...blocks, spreadStep: 0 } } })).toBe(
      '$.decoder.blocks.spreadStep',
    );
  });
});
