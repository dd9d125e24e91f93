import { describe, expect, it } from 'vitest';
import { readDataFile } from '../io/dataset-files.ts';
import { sharedDataPath } from '../io/test-support.ts';
import { datasetToMatrix, type TrainingMatrix } from './matrix.ts';
import { chooseTransform, denormalize, fitNormalization, normalize } from './normalization.ts';
import { Prng } from './prng.ts';

function column(n: number, f: (prng: Prng, i: number) => number): Float64Array {
  const prng = new Prng(3);
  return Float64Array.from({ length: n }, (_, i) => f(prng, i));
}

function table(columns: Float64Array[]): TrainingMatrix {
  const rows = columns[0]!.length;
  const features = columns.length;
  const values = new Float64Array(rows * features);
  columns.forEach((c, j) => {
    c.forEach((v, i) => {
      values[i * features + j] = v;
    });
  });
  return {
    kind: 'table',
    rows,
    features,
    names: columns.map((_, j) => `c${j}`),
    sampleShape: [features],
    values,
  };
}

describe('normalization', () => {
  it('chooses robust, log, signed-log and discrete transforms by the shape of the data', () => {
    const gaussian = column(2000, (p) => p.next() + p.next() + p.next() - 1.5);
    const heavyPositive = column(2000, (p) => 1 / (1 - p.next()) ** 2 - 1); // a power-law tail, like χ²
    const heavySigned = column(2000, (p) => (p.next() < 0.5 ? -1 : 1) / (1 - p.next()) ** 2);
    const charge = column(2000, (p) => (p.next() < 0.5 ? -1 : 1));
    expect(chooseTransform(gaussian).kind).toBe('robust');
    expect(chooseTransform(heavyPositive).kind).toBe('log');
    expect(chooseTransform(heavySigned).kind).toBe('signed-log');
    expect(chooseTransform(charge)).toEqual({ kind: 'discrete', center: 0, scale: 1 });
  });

  it('round-trips every kind within float32 precision, and maps non-finite values to 0', () => {
    const columns = [
      column(500, (p) => 1e3 * (p.next() - 0.5)),
      column(500, (p) => Math.exp(16 * p.next())),
      column(500, (p) => (p.next() - 0.5) * Math.exp(10 * p.next())),
      column(500, (_, i) => i % 3),
    ];
    const matrix = table(columns);
    const normalization = fitNormalization(matrix);
    expect(normalization.transforms.map((t) => t.kind)).toEqual(['robust', 'log', 'signed-log', 'discrete']);
    const normalized = normalize(normalization, matrix.values, matrix.features);
    const back = denormalize(normalization, normalized, matrix.features);
    for (let k = 0; k < back.length; k++) {
      const x = matrix.values[k]!;
      expect(Math.abs(back[k]! - x)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(x)) * 8);
    }
    const withNaN = Float64Array.of(Number.NaN, Number.POSITIVE_INFINITY, 1, 1);
    expect([...normalize(normalization, withNaN, 4)].slice(0, 2)).toEqual([0, 0]);
    // JSON is how it is stored: it must survive a round trip unchanged.
    expect(JSON.parse(JSON.stringify(normalization))).toEqual(normalization);
  });

  it('puts the LHCb columns on a common scale: IP χ² logged, charges and muon flags discrete', async () => {
    const matrix = datasetToMatrix(await readDataFile(`${sharedDataPath('lhcb-b2hhh.h5')}:/data`));
    const normalization = fitNormalization(matrix);
    const kind = (name: string) => normalization.transforms[matrix.names.indexOf(name)]!.kind;
    expect(kind('H1_IPChi2')).toBe('log');
    expect(kind('H1_Charge')).toBe('discrete');
    expect(kind('H2_isMuon')).toBe('discrete');
    expect(kind('H1_PX')).toBe('robust');
    const normalized = normalize(normalization, matrix.values, matrix.features);
    let largest = 0;
    for (const v of normalized) largest = Math.max(largest, Math.abs(v));
    expect(largest).toBeLessThan(50);
  });

  it('uses one transform for all values of a field', () => {
    const values = column(60 * 16, (p) => p.next());
    const matrix: TrainingMatrix = {
      kind: 'field',
      rows: 60,
      features: 16,
      names: [],
      sampleShape: [4, 4],
      values,
    };
    const normalization = fitNormalization(matrix);
    expect(normalization.layout).toBe('field');
    expect(normalization.transforms).toHaveLength(1);
    const back = denormalize(normalization, normalize(normalization, values, 16), 16);
    back.forEach((v, k) => {
      expect(v).toBeCloseTo(values[k]!, 6);
    });
  });
});
