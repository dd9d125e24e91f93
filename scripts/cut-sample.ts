// Cuts the embedded demo sample: the first 1,000 rows of the shared LHCb table, with its column names.
// Run from the repository root: node --import tsx scripts/cut-sample.ts [../shared/data/lhcb-b2hhh.h5]
import type { Table } from '@baler/format';
import { readDataFile, writeDataFile } from '@baler/trainer';

const SOURCE = process.argv[2] ?? '../shared/data/lhcb-b2hhh.h5';
const TARGET = 'data/sample/lhcb-sample.h5';
const ROWS = 1000;

const table = (await readDataFile(`${SOURCE}:/data`)) as Table;
const sample: Table = {
  kind: 'table',
  rowCount: ROWS,
  columns: table.columns.map((c) => ({ ...c, data: (c.data as Float64Array).slice(0, ROWS) })),
  attributes: {
    ...table.attributes,
    source: 'first 1000 rows of lhcb-b2hhh.h5:/data (original Python Baler example data, Apache-2.0)',
  },
};
await writeDataFile(`${TARGET}:/data`, sample, { overwrite: true });
console.log(`wrote ${TARGET}: ${ROWS} rows × ${sample.columns.length} columns`);
