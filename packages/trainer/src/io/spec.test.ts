import { describe, expect, it } from 'vitest';
import { parseDataSpec } from './spec.ts';

describe('parseDataSpec', () => {
  it('splits a path from an HDF5 dataset path or .npz key', () => {
    expect(parseDataSpec('runs/data.h5:/events/x')).toEqual({
      path: 'runs/data.h5',
      inner: '/events/x',
      format: 'hdf5',
    });
    expect(parseDataSpec('a.npz:x')).toEqual({ path: 'a.npz', inner: 'x', format: 'npz' });
    expect(parseDataSpec('a.hdf5')).toEqual({ path: 'a.hdf5', inner: undefined, format: 'hdf5' });
    expect(parseDataSpec('a.he5:')).toEqual({ path: 'a.he5', inner: undefined, format: 'hdf5' });
  });

  it('reads the format from the extension in any letter case', () => {
    expect(parseDataSpec('X.NPY').format).toBe('npy');
    expect(parseDataSpec('table.Csv').format).toBe('csv');
    expect(parseDataSpec('notes.txt')).toEqual({ path: 'notes.txt', inner: undefined, format: undefined });
  });

  it('is not fooled by known extensions earlier in the path or by drive letters', () => {
    expect(parseDataSpec('/data/run.h5.d/out.npz')).toEqual({
      path: '/data/run.h5.d/out.npz',
      inner: undefined,
      format: 'npz',
    });
    expect(parseDataSpec('C:\\data\\x.h5:/d')).toEqual({
      path: 'C:\\data\\x.h5',
      inner: '/d',
      format: 'hdf5',
    });
  });
});
