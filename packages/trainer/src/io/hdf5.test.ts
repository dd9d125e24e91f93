import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dataset, Field, NumericArray, Table } from '@baler/format';
import h5wasm from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHdf5, readHdf5Chunks, writeHdf5 } from './hdf5.ts';
import {
  dataInputRejection,
  expectSameBits,
  float32EdgeValues,
  float64EdgeValues,
  INTEGER_DTYPES,
  integerEdgeValues,
  sharedDataPath,
  temporaryDirectory,
} from './test-support.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await temporaryDirectory());
});
afterAll(() => cleanup());

function field(data: NumericArray, shape: number[], attributes: Field['attributes'] = {}): Field {
  return { kind: 'field', shape, dtype: dtypeName(data), data, attributes };
}

function dtypeName(data: NumericArray): Field['dtype'] {
  return (
    {
      Float32Array: 'float32',
      Float64Array: 'float64',
      Int8Array: 'int8',
      Uint8Array: 'uint8',
      Int16Array: 'int16',
      Uint16Array: 'uint16',
      Int32Array: 'int32',
      Uint32Array: 'uint32',
      BigInt64Array: 'int64',
      BigUint64Array: 'uint64',
    } as const
  )[data.constructor.name as 'Float64Array'];
}

/** dataInputRejection, whose message is also one line. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await dataInputRejection(promise);
  expect(error.message).not.toContain('\n');
  return error;
}

/** An HDF5 file written directly with h5wasm, for layouts writeHdf5 does not produce. */
async function h5File(
  name: string,
  build: (file: InstanceType<typeof h5wasm.File>) => void,
): Promise<string> {
  await h5wasm.ready;
  const path = join(dir, name);
  const file = new h5wasm.File(path, 'w');
  build(file);
  file.close();
  return path;
}

describe('writeHdf5 / readHdf5 round trips', () => {
  it('keeps float64 and float32 fields bit for bit, with shape and attributes', async () => {
    for (const values of [float64EdgeValues(), float32EdgeValues()]) {
      const path = join(dir, `edge-${values.BYTES_PER_ELEMENT}.h5`);
      const attributes = {
        description: 'edge values',
        count: 3,
        scale: [0.5, 2],
        labels: ['a', 'b'],
        flags: { on: true },
      };
      await writeHdf5(path, field(values, [2, values.length / 2], attributes));
      const read = (await readHdf5(path)) as Field;
      expect(read.kind).toBe('field');
      expect(read.shape).toEqual([2, values.length / 2]);
      expectSameBits(read.data, values);
      expect(read.attributes).toEqual({ ...attributes, flags: '{"on":true}' });
    }
  });

  it.each(INTEGER_DTYPES)('keeps %s values', async (dtype) => {
    const values = integerEdgeValues(dtype);
    const path = join(dir, `int-${dtype}.h5`);
    await writeHdf5(path, field(values, [values.length]));
    const read = (await readHdf5(path)) as Field;
    expect(read.dtype).toBe(dtype);
    expectSameBits(read.data, values);
  });

  it('writes a table as a rows × columns matrix with a columns attribute, and reads it back as a table', async () => {
    const a = float64EdgeValues();
    const b = a.map((x, i) => x + i);
    const table: Table = {
      kind: 'table',
      rowCount: a.length,
      columns: [
        { name: 'B_FlightDistance', dtype: 'float64', data: a },
        { name: 'H1_PX', dtype: 'float64', data: b },
      ],
      attributes: { source: 'test' },
    };
    const path = join(dir, 'table.h5');
    await writeHdf5(path, table, '/events/data');
    await h5wasm.ready;
    const raw = new h5wasm.File(path, 'r');
    const stored = raw.get('/events/data') as InstanceType<typeof h5wasm.Dataset>;
    expect(stored.shape).toEqual([a.length, 2]);
    expect(stored.attrs.columns?.value).toEqual(['B_FlightDistance', 'H1_PX']);
    raw.close();

    const read = (await readHdf5(`${path}:/events/data`)) as Table;
    expect(read.kind).toBe('table');
    expect(read.columns.map((c) => c.name)).toEqual(['B_FlightDistance', 'H1_PX']);
    expect(read.attributes).toEqual({ source: 'test' });
    expectSameBits(read.columns[0]!.data as Float64Array, a);
    expectSameBits(read.columns[1]!.data as Float64Array, b);
  });

  it('refuses tables with mixed dtypes or text, without creating the file', async () => {
    const path = join(dir, 'mixed.h5');
    const mixed: Table = {
      kind: 'table',
      rowCount: 1,
      columns: [
        { name: 'x', dtype: 'float32', data: Float32Array.of(1) },
        { name: 'tag', dtype: 'string', data: ['a'] },
      ],
      attributes: {},
    };
    const error = await rejection(writeHdf5(path, mixed));
    expect(error.message).toMatch(
      /mixed\.h5: HDF5 stores a table as one numeric matrix, but column "tag" holds text\. Write the table as \.csv/,
    );
    expect(existsSync(path)).toBe(false);
  });
});

describe('readHdf5Chunks', () => {
  it('streams a table in pieces of at most rowsPerChunk rows that join to the whole', async () => {
    const rows = 20;
    const x = Float64Array.from({ length: rows }, (_, i) => i * 1.5);
    const y = Float64Array.from({ length: rows }, (_, i) => -i);
    const path = join(dir, 'chunks.h5');
    await writeHdf5(path, {
      kind: 'table',
      rowCount: rows,
      columns: [
        { name: 'x', dtype: 'float64', data: x },
        { name: 'y', dtype: 'float64', data: y },
      ],
      attributes: {},
    });
    const starts: number[] = [];
    const joined: number[] = [];
    for await (const { start, dataset } of readHdf5Chunks(path, 7)) {
      starts.push(start);
      const piece = dataset as Table;
      expect(piece.columns.map((c) => c.name)).toEqual(['x', 'y']);
      joined.push(...(piece.columns[1]!.data as Float64Array));
      expect(piece.rowCount).toBe(Math.min(7, rows - start));
    }
    expect(starts).toEqual([0, 7, 14]);
    expect(joined).toEqual(Array.from(y));
  });

  it('streams a field along axis 0, keeping the other axes', async () => {
    const values = Int16Array.from({ length: 5 * 3 * 2 }, (_, i) => i);
    const path = join(dir, 'cube.h5');
    await writeHdf5(path, field(values, [5, 3, 2]));
    const pieces: Dataset[] = [];
    for await (const { dataset } of readHdf5Chunks(path, 2)) pieces.push(dataset);
    expect(pieces.map((p) => (p as Field).shape)).toEqual([
      [2, 3, 2],
      [2, 3, 2],
      [1, 3, 2],
    ]);
    expect(pieces.flatMap((p) => Array.from((p as Field).data as Int16Array))).toEqual(Array.from(values));
  });

  it('refuses a chunk size that is not a positive integer', async () => {
    await expect(readHdf5Chunks('x.h5', 0).next()).rejects.toThrow(RangeError);
  });
});

describe('readHdf5 of other layouts', () => {
  it('reads a scalar dataset as shape [1], and a columns attribute of the wrong length as an attribute', async () => {
    const path = await h5File('layouts.h5', (file) => {
      file.create_dataset({ name: 'scalar', data: Float64Array.of(-0), shape: [], dtype: '<d' });
      const matrix = file.create_dataset({
        name: 'matrix',
        data: new Float32Array(6),
        shape: [2, 3],
        dtype: '<f',
      });
      matrix.create_attribute('columns', ['only', 'two'], null, 'S');
      matrix.create_attribute('big', BigInt64Array.of(2n ** 60n), [], '<q');
      matrix.create_attribute('grid', Float64Array.of(1, 2, 3, 4), [2, 2], '<d');
      matrix.create_attribute('odd', Float64Array.of(NaN), [], '<d');
    });
    const scalar = (await readHdf5(`${path}:/scalar`)) as Field;
    expect(scalar.shape).toEqual([1]);
    expect(Object.is(scalar.data[0], -0)).toBe(true);
    const matrix = (await readHdf5(`${path}:matrix`)) as Field;
    expect(matrix.kind).toBe('field');
    expect(matrix.attributes).toEqual({
      columns: ['only', 'two'],
      big: String(2n ** 60n),
      grid: [
        [1, 2],
        [3, 4],
      ],
      odd: 'NaN',
    });
  });

  it('names the datasets when the path is wrong, missing, or a group', async () => {
    const path = await h5File('many.h5', (file) => {
      file.create_dataset({ name: 'data', data: Float64Array.of(1) });
      file.create_group('g');
      file.create_dataset({ name: 'g/x', data: Float64Array.of(2) });
    });
    expect((await rejection(readHdf5(`${path}:/foo`))).message).toBe(
      `${path}: no dataset "/foo". Datasets in this file: /data, /g/x. Pick one as ${path}:/data.`,
    );
    expect((await rejection(readHdf5(path))).message).toBe(
      `${path}: holds 2 datasets, so name one. Datasets in this file: /data, /g/x. Pick one as ${path}:/data.`,
    );
    expect((await rejection(readHdf5(`${path}:/g`))).message).toMatch(/"\/g" is a group, not a dataset/);
    expect(Array.from(((await readHdf5(`${path}:g/x`)) as Field).data as Float64Array)).toEqual([2]);
  });

  it('names unsupported dtypes and says what is supported', async () => {
    const path = await h5File('types.h5', (file) => {
      file.create_dataset({ name: 'text', data: ['a', 'b'] });
      file.create_dataset({ name: 'records', data: new Map([['a', Int32Array.of(1)]]) });
    });
    expect((await rejection(readHdf5(`${path}:/text`))).message).toMatch(
      /dataset "\/text" has HDF5 type variable-length string, which Baler does not read\. Supported: float32, float64/,
    );
    expect((await rejection(readHdf5(`${path}:/records`))).message).toMatch(/HDF5 type compound/);
  });

  it('explains a missing file and a file that is not HDF5', async () => {
    const missing = join(dir, 'nope.h5');
    expect((await rejection(readHdf5(missing))).message).toMatch(/nope\.h5: no such file\. Check the path/);
    const junk = join(dir, 'junk.h5');
    await writeFile(junk, 'not hdf5 at all');
    expect((await rejection(readHdf5(junk))).message).toMatch(
      /junk\.h5: cannot be opened as HDF5: file signature not found\. Check that it is an HDF5 file/,
    );
  });
});

describe('the shared LHCb file', () => {
  it('is a table of 26 named float64 columns with 4322 rows', async () => {
    const table = (await readHdf5(sharedDataPath('lhcb-b2hhh.h5'))) as Table;
    expect(table.kind).toBe('table');
    expect(table.rowCount).toBe(4322);
    expect(table.columns).toHaveLength(26);
    expect(table.columns[0]!.name).toBe('B_FlightDistance');
    expect(new Set(table.columns.map((c) => c.dtype))).toEqual(new Set(['float64']));
    expect(table.attributes).not.toHaveProperty('columns');
    expect(table.attributes.description).toMatch(/LHCb/);
  });
});
