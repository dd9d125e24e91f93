import { describe, expect, it } from 'vitest';
import type { Dataset, Table } from './dataset.ts';
import { isBalerError } from './errors.ts';
import { bytesSource, MemorySink } from './io.ts';
import { openBaler } from './reader.ts';
import { readDataset, writeExactDataset } from './storage.ts';
import { datasetsIdentical, sampleField, sampleTable } from './testing.ts';

async function write(dataset: Dataset, options = {}): Promise<Uint8Array> {
  const sink = new MemorySink();
  const length = await writeExactDataset(dataset, sink, options);
  const bytes = sink.bytes();
  expect(bytes.length).toBe(length);
  return bytes;
}

async function roundTrip(
  dataset: Dataset,
  options = {},
  rows?: { start: number; end: number },
): Promise<Dataset> {
  return readDataset(await openBaler(bytesSource(await write(dataset, options))), rows ? { rows } : {});
}

describe('exact storage', () => {
  it('round-trips a table of every dtype bit for bit, NaN/±Inf/-0/denormals and text included', async () => {
    const table = sampleTable(50);
    for (const chunkRows of [1, 7, 50, 1000]) {
      expect(datasetsIdentical(await roundTrip(table, { chunkRows }), table)).toBe(true);
    }
  });

  it('round-trips a 3-D field through non-dividing blocks', async () => {
    const field = sampleField([5, 6, 7]);
    for (const chunkShape of [
      [2, 4, 7],
      [1, 1, 1],
      [5, 6, 7],
      [3, 5, 2],
    ]) {
      expect(datasetsIdentical(await roundTrip(field, { chunkShape }), field)).toBe(true);
    }
  });

  it('reads any row range of a table and of a field, equal to the slice of the whole', async () => {
    const table = sampleTable(50);
    const field = sampleField([9, 4, 3]);
    for (const [start, end] of [
      [0, 50],
      [0, 1],
      [13, 29],
      [49, 50],
      [20, 20],
    ] as const) {
      const part = (await roundTrip(table, { chunkRows: 8 }, { start, end })) as Table;
      expect(part.rowCount).toBe(end - start);
      part.columns.forEach((column, j) => {
        const whole = table.columns[j]!.data;
        expect(Array.from(column.data as ArrayLike<unknown>)).toEqual(
          Array.from(whole as ArrayLike<unknown>).slice(start, end),
        );
      });
    }
    const frames = await roundTrip(field, { chunkShape: [2, 3, 2] }, { start: 3, end: 7 });
    expect(frames.kind === 'field' && frames.shape).toEqual([4, 4, 3]);
    expect(frames.kind === 'field' && Array.from(frames.data as Float32Array)).toEqual(
      Array.from((field.data as Float32Array).subarray(3 * 12, 7 * 12)),
    );
  });

  it('reads only the sections of the chunks a row range needs', async () => {
    const bytes = await write(sampleTable(50), { chunkRows: 10 });
    const touched: [number, number][] = [];
    const source = bytesSource(bytes);
    const file = await openBaler({
      size: source.size,
      read: (o, l) => {
        touched.push([o, l]);
        return source.read(o, l);
      },
    });
    touched.length = 0;
    await readDataset(file, { rows: { start: 12, end: 18 } });
    const chunkOne = file.sections.filter((s) => s.kind === 6 && s.chunk === 1);
    expect(touched).toEqual(chunkOne.map((s) => [s.offset, s.storedLength]));
  });

  it('handles empty tables, single rows and constant or all-zero columns', async () => {
    const empty: Table = {
      kind: 'table',
      rowCount: 0,
      columns: [{ name: 'a', dtype: 'float64', data: new Float64Array(0) }],
      attributes: {},
    };
    expect(datasetsIdentical(await roundTrip(empty), empty)).toBe(true);
    const noColumns: Table = { kind: 'table', rowCount: 0, columns: [], attributes: {} };
    expect(datasetsIdentical(await roundTrip(noColumns), noColumns)).toBe(true);
    const single: Table = {
      kind: 'table',
      rowCount: 1,
      columns: [
        { name: 'zero', dtype: 'float32', data: new Float32Array(1) },
        { name: 'huge', dtype: 'float64', data: Float64Array.of(1e300) },
      ],
      attributes: {},
    };
    expect(datasetsIdentical(await roundTrip(single), single)).toBe(true);
  });

  it('writes byte-identical files for the same input', async () => {
    expect(await write(sampleTable(30))).toEqual(await write(sampleTable(30)));
  });

  it('refuses row ranges outside the file with a typed error', async () => {
    const file = await openBaler(bytesSource(await write(sampleTable(10))));
    for (const rows of [
      { start: -1, end: 3 },
      { start: 5, end: 11 },
      { start: 4, end: 3 },
    ]) {
      await expect(readDataset(file, { rows })).rejects.toSatisfy((e) => isBalerError(e, 'BadRequest'));
    }
  });

  it('rejects columns whose length differs from the row count', async () => {
    const bad: Table = {
      kind: 'table',
      rowCount: 3,
      columns: [{ name: 'a', dtype: 'float64', data: new Float64Array(2) }],
      attributes: {},
    };
    await expect(write(bad)).rejects.toThrow(/column "a" holds 2 values, the table has 3 rows/);
  });
});
