import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDataFile } from './dataset-files.ts';
import { openDataPieces } from './pieces.ts';
import { dataInputRejection, temporaryDirectory } from './test-support.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await temporaryDirectory());
});
afterAll(() => cleanup());

describe('openDataPieces', () => {
  it('streams a C-order .npy, and refuses a :key after it as it does after .csv', async () => {
    const npy = join(dir, 'f.npy');
    const data = Float64Array.of(1, 2, 3, 4, 5, 6);
    await writeDataFile(npy, { kind: 'field', shape: [3, 2], dtype: 'float64', data, attributes: {} });
    const pieces = await openDataPieces(npy);
    expect(pieces.rows).toBe(3);
    expect(pieces.header).toEqual({ kind: 'field', dtype: 'float64', rowShape: [2], attributes: {} });

    expect((await dataInputRejection(openDataPieces(`${npy}:foo`))).message).toBe(
      `${npy}: a .npy file holds one array, so ":foo" names nothing. Use ${npy} alone.`,
    );
    const csv = join(dir, 't.csv');
    await writeDataFile(csv, {
      kind: 'table',
      rowCount: 1,
      columns: [{ name: 'x', dtype: 'float64', data: Float64Array.of(1) }],
      attributes: {},
    });
    expect((await dataInputRejection(openDataPieces(`${csv}:foo`))).message).toBe(
      `${csv}: a CSV file holds one table, so ":foo" names nothing. Use ${csv} alone.`,
    );
  });
});
