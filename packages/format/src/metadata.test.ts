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

  it('checks that blocks and the block-model predictor come together, at the field rank (§7.3.1)', () => {
    const decoder = { latent: 2, latentStep: 0.1, outputs: 4, anyOrder: true };
    const blocks = { shape: [1, 2, 2], centerStep: 0.1, spreadStep: 0.1 };
    const quantized = (predictor: object) => ({ name: 'quantized', domain: 'linear', step: 0.1, predictor });
    const field = {
      ...valid,
      kind: 'field',
      shape: [4, 6, 6],
      dtype: 'float32',
      method: quantized({ name: 'block-model', output: 0 }),
      bound: { kind: 'abs', value: 0.05 },
      decoder: { ...decoder, blocks },
    };
    expect(validateMetadata(field)).toMatchObject({ decoder: { blocks, anyOrder: true } });
    expect(errorPath({ ...field, decoder })).toBe('$.decoder.blocks');
    expect(errorPath({ ...field, method: quantized({ name: 'lorenzo' }) })).toBe('$.decoder.blocks');
    expect(errorPath({ ...field, decoder: { ...decoder, blocks: { ...blocks, shape: [2, 2] } } })).toBe(
      '$.decoder.blocks.shape',
    );
    expect(errorPath({ ...valid, decoder: { ...decoder, blocks } })).toBe('$.decoder.blocks');
    const column = { ...valid.columns[0], method: quantized({ name: 'block-model', output: 0 }) };
    expect(errorPath({ ...valid, columns: [column] })).toBe('$.columns[0].method.predictor');
    expect(errorPath({ ...valid, decoder: { ...decoder, anyOrder: 'yes' } })).toBe('$.decoder.anyOrder');
  });
});
