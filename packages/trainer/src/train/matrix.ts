// The view of a dataset a model trains on: samples × features in one row-major Float64Array. A table's
// rows are the samples and its numeric columns the features; a field's first axis gives the samples
// (frames, events) and each sample's remaining axes are flattened into its features.

import type { Dataset, NumericArray } from '@baler/format';
import { DataInputError } from '../io/errors.ts';

export interface TrainingMatrix {
  kind: 'table' | 'field';
  rows: number;
  features: number;
  /** The table's column names; empty for a field. */
  names: string[];
  /** The shape of one sample: `[features]` for a table, the field's shape after its first axis. */
  sampleShape: number[];
  /** rows × features values, row-major. */
  values: Float64Array;
}

/**
 * The dataset as a training matrix. Throws a DataInputError (naming `source`) for text columns, which a
 * numeric model cannot take, and for data with fewer than two samples.
 */
export function datasetToMatrix(dataset: Dataset, source = 'input'): TrainingMatrix {
  if (dataset.kind === 'table') {
    const text = dataset.columns.filter((c) => c.dtype === 'string').map((c) => `"${c.name}"`);
    if (text.length > 0) {
      throw new DataInputError({
        path: source,
        problem: `column${text.length > 1 ? 's' : ''} ${text.join(', ')} hold${text.length > 1 ? '' : 's'} text, which a model cannot learn`,
        fix: 'Train on the numeric columns: write them to a file of their own first.',
      });
    }
    const rows = dataset.rowCount;
    const features = dataset.columns.length;
    requireSamples(rows, features, source);
    const values = new Float64Array(rows * features);
    dataset.columns.forEach((column, j) => {
      const data = column.data as NumericArray;
      for (let i = 0; i < rows; i++) values[i * features + j] = Number(data[i]);
    });
    return {
      kind: 'table',
      rows,
      features,
      names: dataset.columns.map((c) => c.name),
      sampleShape: [features],
      values,
    };
  }
  const [rows = 0, ...sampleShape] = dataset.shape;
  const features = sampleShape.reduce((a, b) => a * b, 1);
  requireSamples(rows, features, source);
  const values =
    dataset.data instanceof Float64Array
      ? dataset.data
      : Float64Array.from(dataset.data as ArrayLike<number>, Number);
  return { kind: 'field', rows, features, names: [], sampleShape, values };
}

function requireSamples(rows: number, features: number, source: string): void {
  if (rows < 2 || features < 1) {
    throw new DataInputError({
      path: source,
      problem: `holds ${rows} sample${rows === 1 ? '' : 's'} of ${features} value${features === 1 ? '' : 's'}, too few to train on`,
      fix: 'Train on a dataset with at least two rows (tables) or frames (fields along their first axis).',
    });
  }
}
