// Reading and writing datasets in the files scientists keep them in, chosen by extension: HDF5 (.h5, .hdf5,
// .he5, optionally `file.h5:/dataset`), NumPy (.npy, .npz, optionally `file.npz:key`) and CSV (.csv).
// A 0-d array (a .npy scalar, an HDF5 scalar dataset) is read as shape [1]: a .baler field has rank ≥ 1
// (format SPEC.md, "shape"), so it compresses and decompresses as one value of shape (1,).

import { stat } from 'node:fs/promises';
import type { Dataset } from '@baler/format';
import { OutputExistsError } from '@baler/format/node';
import { parseCsv, serializeCsv } from './csv.ts';
import { DataInputError } from './errors.ts';
import { assertReadableFile, readFileBytes, readFileText, writeFileContents } from './files.ts';
import { readHdf5, writeHdf5 } from './hdf5.ts';
import { fieldToNpy, npyToField } from './npy.ts';
import { parseNpz, serializeNpz } from './npz.ts';
import { type DataSpec, parseDataSpec } from './spec.ts';

const SUPPORTED_FILES =
  'Supported: .h5/.hdf5/.he5 (HDF5; pick a dataset as file.h5:/path), .npy, .npz (pick an array as file.npz:key), .csv.';

/**
 * Reads the dataset `spec` names: a file path, with `:/dataset/path` for HDF5 or `:key` for .npz when the
 * file holds more than one array. Throws a DataInputError for a missing file, an unknown extension or
 * content Baler cannot read.
 */
export async function readDataFile(spec: string): Promise<Dataset> {
  const parsed = parseDataSpec(spec);
  const { path, inner, format } = parsed;
  await assertReadableFile(path);
  switch (format) {
    case 'hdf5':
      return readHdf5(spec);
    case 'npy':
      rejectInner(parsed, 'a .npy file holds one array');
      return npyToField(await readFileBytes(path), path);
    case 'npz':
      return parseNpz(await readFileBytes(path), path, inner);
    case 'csv':
      rejectInner(parsed, 'a CSV file holds one table');
      return parseCsv(await readFileText(path), path);
    default:
      throw unknownExtension(path);
  }
}

/**
 * Writes `dataset` to the file `spec` names (refusing an existing file unless `overwrite`); for HDF5 `file.h5:/path` sets the dataset path
 * (default `/data`). Attributes are kept in HDF5 only: .npy, .npz and CSV have no place for them.
 */
export async function writeDataFile(
  spec: string,
  dataset: Dataset,
  options: { overwrite?: boolean } = {},
): Promise<void> {
  const parsed = parseDataSpec(spec);
  const { path, inner, format } = parsed;
  if (!options.overwrite && format !== undefined && (await pathExists(path)))
    throw new OutputExistsError(path);
  switch (format) {
    case 'hdf5':
      return writeHdf5(path, dataset, inner ?? '/data');
    case 'npy':
      rejectInner(parsed, 'a .npy file holds one array');
      return writeFileContents(path, fieldToNpy(dataset, path));
    case 'npz':
      rejectInner(parsed, 'Baler writes .npz files in its own layout (data + names)');
      return writeFileContents(path, serializeNpz(dataset, path));
    case 'csv':
      rejectInner(parsed, 'a CSV file holds one table');
      if (dataset.kind === 'field') {
        throw new DataInputError({
          path,
          problem: 'CSV holds tables, and this dataset is an N-dimensional field',
          fix: 'Write it as .npy, .npz or .h5.',
        });
      }
      return writeFileContents(path, serializeCsv(dataset));
    default:
      throw unknownExtension(path);
  }
}

function rejectInner({ path, inner }: DataSpec, reason: string): void {
  if (inner === undefined) return;
  throw new DataInputError({
    path,
    problem: `${reason}, so ":${inner}" names nothing`,
    fix: `Use ${path} alone.`,
  });
}

function unknownExtension(path: string): DataInputError {
  const extension = /\.[^./\\]*$/.exec(path)?.[0];
  return new DataInputError({
    path,
    problem: extension ? `unknown file type "${extension}"` : 'has no file extension to tell its type',
    fix: SUPPORTED_FILES,
  });
}

async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
