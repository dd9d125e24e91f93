import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Field, Table } from '@baler/format';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataFile, writeDataFile } from './dataset-files.ts';
import {
  dataInputRejection,
  expectSameBits,
  float64EdgeValues,
  sharedDataPath,
  temporaryDirectory,
} from './test-support.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await temporaryDirectory());
});
afterAll(() => cleanup());

function expectSameTable(actual: Table, expected: Table): void {
  expect(actual.kind).toBe('table');
  expect(actual.rowCount).toBe(expected.rowCount);
  expect(actual.columns.map((c) => [c.name, c.dtype])).toEqual(
    expected.columns.map((c) => [c.name, c.dtype]),
  );
  actual.columns.forEach((column, i) => {
    expectSameBits(column.data as Float64Array, expected.columns[i]!.data as Float64Array);
  });
}

describe('the shared data sets', () => {
  it('LHCb: the .h5 and .npz files give identical tables', async () => {
    // The .npz stores its matrix in Fortran order, so this also checks the transpose to C order.
    const npz = unzipSync(await readFile(sharedDataPath('lhcb-b2hhh.npz')));
    expect(new TextDecoder().decode(npz['data.npy']!.subarray(0, 128))).toContain("'fortran_order': True");

    const fromHdf5 = (await readDataFile(sharedDataPath('lhcb-b2hhh.h5'))) as Table;
    const fromNpz = (await readDataFile(sharedDataPath('lhcb-b2hhh.npz'))) as Table;
    expect(fromHdf5.rowCount).toBe(4322);
    expect(fromHdf5.columns).toHaveLength(26);
    expectSameTable(fromNpz, fromHdf5);
    expect((await readDataFile(`${sharedDataPath('lhcb-b2hhh.h5')}:/data`)).kind).toBe('table');
  });

  it('CFD: the .h5 and .npz files give identical [60, 50, 50] float64 fields', async () => {
    const fromHdf5 = (await readDataFile(sharedDataPath('cfd-animation.h5'))) as Field;
    const fromNpz = (await readDataFile(sharedDataPath('cfd-animation.npz'))) as Field;
    for (const field of [fromHdf5, fromNpz]) {
      expect(field.kind).toBe('field');
      expect(field.shape).toEqual([60, 50, 50]);
      expect(field.dtype).toBe('float64');
    }
    expectSameBits(fromNpz.data, fromHdf5.data);
  });

  it('LHCb survives .h5 → .npz → .csv → .h5 unchanged', async () => {
    const original = (await readDataFile(sharedDataPath('lhcb-b2hhh.h5'))) as Table;
    let current: Table = original;
    for (const name of ['lhcb.npz', 'lhcb.csv', 'lhcb.h5']) {
      await writeDataFile(join(dir, name), current);
      current = (await readDataFile(join(dir, name))) as Table;
      expectSameTable(current, original);
    }
  });
});

describe('readDataFile / writeDataFile', () => {
  const edge = float64EdgeValues();
  const field: Field = { kind: 'field', shape: [3, 4], dtype: 'float64', data: edge, attributes: {} };

  it.each(['f.h5', 'f.hdf5', 'f.he5', 'f.npy', 'f.npz', 'F.NPY'])(
    'round-trips a field through %s bit for bit',
    async (name) => {
      await writeDataFile(join(dir, name), field);
      const read = (await readDataFile(join(dir, name))) as Field;
      expect(read.shape).toEqual([3, 4]);
      expectSameBits(read.data, edge);
    },
  );

  it('writes HDF5 at the dataset path the spec names', async () => {
    const path = join(dir, 'named.h5');
    await writeDataFile(`${path}:/run1/values`, field);
    expect((await readDataFile(path)).kind).toBe('field');
    expect((await dataInputRejection(readDataFile(`${path}:/run2`))).message).toContain(
      'Datasets in this file: /run1/values.',
    );
  });

  it('writes a table with text columns to CSV and reads it back', async () => {
    const table: Table = {
      kind: 'table',
      rowCount: 2,
      columns: [
        { name: 'particle', dtype: 'string', data: ['pi+', 'K-'] },
        { name: 'p', dtype: 'float64', data: Float64Array.of(-0, NaN) },
      ],
      attributes: {},
    };
    const path = join(dir, 'mixed.csv');
    await writeDataFile(path, table);
    expect(await readFile(path, 'utf8')).toBe('particle,p\npi+,-0\nK-,NaN\n');
    const read = (await readDataFile(path)) as Table;
    expect(read.columns[0]!.data).toEqual(['pi+', 'K-']);
    expectSameBits(read.columns[1]!.data as Float64Array, table.columns[1]!.data as Float64Array);
  });

  it('explains a missing file, an unknown extension and a stray :key', async () => {
    const missing = join(dir, 'missing.h5');
    expect((await dataInputRejection(readDataFile(`${missing}:/data`))).message).toMatch(
      /^.*missing\.h5: no such file\. Check the path \(relative paths start from .*\)\.$/,
    );
    const text = join(dir, 'notes.txt');
    await writeDataFile(join(dir, 'x.csv'), { kind: 'table', rowCount: 0, columns: [], attributes: {} });
    expect((await dataInputRejection(writeDataFile(text, field))).message).toBe(
      `${text}: unknown file type ".txt". Supported: .h5/.hdf5/.he5 (HDF5; pick a dataset as file.h5:/path), .npy, .npz (pick an array as file.npz:key), .csv.`,
    );
    const npy = join(dir, 'f.npy');
    expect((await dataInputRejection(readDataFile(`${npy}:x`))).message).toBe(
      `${npy}: a .npy file holds one array, so ":x" names nothing. Use ${npy} alone.`,
    );
  });

  it('refuses to write a field as CSV and a table as .npy', async () => {
    expect((await dataInputRejection(writeDataFile(join(dir, 'f.csv'), field))).message).toMatch(
      /CSV holds tables/,
    );
    const table: Table = { kind: 'table', rowCount: 0, columns: [], attributes: {} };
    expect((await dataInputRejection(writeDataFile(join(dir, 't.npy'), table))).message).toMatch(/\.npz/);
  });

  it('explains an output directory that does not exist', async () => {
    const path = join(dir, 'no-such-dir', 'out.npy');
    expect((await dataInputRejection(writeDataFile(path, field))).message).toMatch(
      /cannot be written: the directory .* does not exist/,
    );
    expect(
      (await dataInputRejection(writeDataFile(join(dir, 'no-such-dir', 'out.h5'), field))).message,
    ).toMatch(/out\.h5: cannot be written: the directory .*no-such-dir does not exist/);
  });
});
