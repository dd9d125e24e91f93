// NumPy's .npz format: a zip of .npy files, stored or deflated. Reads any .npz; writes the layout of the
// original Python Baler, `data` (the array) plus `names` (column names, empty for a field).

import type { Dataset, Field } from '@baler/format';
import { unzipSync, zipSync } from 'fflate';
import { DataInputError, listForMessage } from './errors.ts';
import { type NpyArray, npyToField, parseNpy, serializeNpy } from './npy.ts';
import { matrixToTable, tableToMatrix } from './table-matrix.ts';

// numpy.savez writes 1980-01-01, the earliest zip date; a fixed date also makes the output reproducible.
const ZIP_DATE = new Date(1980, 0, 1);

/**
 * A .npz file as a dataset. With `key`, that array as a field. Without, Baler's layout (`data` + `names`:
 * a 2-D `data` with one name per column becomes a table, else a field), or the file's only array.
 * `path` names the file in error messages.
 */
export function parseNpz(bytes: Uint8Array, path: string, key?: string): Dataset {
  const arrays = unzipNpy(bytes, path);
  const keys = [...arrays.keys()];
  const arrayAt = (name: string) => parseNpy(arrays.get(name)!, `${path}:${name}`);

  if (key !== undefined) {
    if (!arrays.has(key)) {
      throw new DataInputError({
        path,
        problem: `no array "${key}"`,
        fix:
          keys.length === 0 ? 'The file holds no arrays.' : `Arrays in this file: ${listForMessage(keys)}.`,
      });
    }
    return npyToField(arrays.get(key)!, `${path}:${key}`);
  }
  if (arrays.has('data') && arrays.has('names')) {
    return balerLayoutToDataset(arrayAt('data'), arrayAt('names'), path);
  }
  if (keys.length === 1) return npyToField(arrays.get(keys[0]!)!, path);
  throw new DataInputError({
    path,
    problem: keys.length === 0 ? 'holds no arrays' : `holds ${keys.length} arrays (${listForMessage(keys)})`,
    fix: keys.length === 0 ? 'Check the path.' : `Pick one as ${path}:${keys[0]}.`,
  });
}

/**
 * A dataset as a .npz file in Baler's layout. A table must have one numeric dtype, which `data` holds as a
 * rows × columns matrix. Attributes are not written: .npz has no place for them.
 */
export function serializeNpz(dataset: Dataset, path: string): Uint8Array {
  let data: Uint8Array;
  let names: Uint8Array;
  if (dataset.kind === 'table') {
    const matrix = tableToMatrix(dataset, path, '.npz');
    data = serializeNpy(matrix.data, [matrix.rowCount, matrix.names.length]);
    names = serializeNpy(matrix.names, [matrix.names.length]);
  } else {
    data = serializeNpy(dataset.data, dataset.shape);
    // The original Baler saved an empty float64 array as the names of a field.
    names = serializeNpy(new Float64Array(0), [0]);
  }
  // Stored, not deflated, like numpy.savez: the data is mostly incompressible floats.
  return zipSync({ 'data.npy': data, 'names.npy': names }, { level: 0, mtime: ZIP_DATE });
}

function balerLayoutToDataset(data: NpyArray, names: NpyArray, path: string): Dataset {
  if (data.dtype === 'string') {
    throw new DataInputError({
      path,
      problem: 'its "data" array holds text, not numbers',
      fix: 'Save the numbers as "data" with numpy.savez.',
    });
  }
  if (names.data.length === 0) {
    const field: Field = {
      kind: 'field',
      shape: data.shape.length === 0 ? [1] : data.shape,
      dtype: data.dtype,
      data: data.data,
      attributes: {},
    };
    return field;
  }
  const columnCount = data.shape.length === 2 ? data.shape[1] : undefined;
  if (names.dtype !== 'string' || columnCount !== names.data.length) {
    throw new DataInputError({
      path,
      problem: `"names" (${names.data.length} ${names.dtype === 'string' ? 'names' : 'numbers'}) does not name the columns of "data" (shape (${data.shape.join(', ')}))`,
      fix: `Save one name per column of a 2-D "data", or read the array alone as ${path}:data.`,
    });
  }
  return matrixToTable(data.data, data.dtype, names.data as string[], {});
}

/** The .npy members of the zip by key (member name without `.npy`), still encoded. */
function unzipNpy(bytes: Uint8Array, path: string): Map<string, Uint8Array> {
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes, { filter: (file) => file.name.endsWith('.npy') });
  } catch (error) {
    throw new DataInputError({
      path,
      problem: `is not a readable .npz (zip) file: ${(error as Error).message}`,
      fix: 'Check the path, or save the file again with numpy.savez.',
    });
  }
  const arrays = new Map<string, Uint8Array>();
  for (const [name, member] of Object.entries(members)) arrays.set(name.slice(0, -'.npy'.length), member);
  return arrays;
}
