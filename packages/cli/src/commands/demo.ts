// `baler demo`: the embedded LHCb sample end to end — compress at a pointwise relative bound, verify
// every value, report the honest ratio, decode a row slice and show the byte breakdown.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Table } from '@baler/format';
import { openBaler, readDataset, summarizeFile } from '@baler/format';
import { openFileSource, writeFileAtomically } from '@baler/format/node';
import { compressDataset, parseBound, readDataFile } from '@baler/trainer';
import { compressSummary, renderCompressSummary } from './compress.ts';
import { renderSummary } from './info.ts';

export const SAMPLE_PATH = fileURLToPath(new URL('../../../../data/sample/lhcb-sample.h5', import.meta.url));

export async function demoCommand(args: string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) {
    return void console.log(
      'baler demo\n\nCompresses the embedded LHCb sample at pwrel=1e-3, verifies every value and prints the result.',
    );
  }
  const input = `${SAMPLE_PATH}:/data`;
  const directory = await mkdtemp(join(tmpdir(), 'baler-demo-'));
  try {
    const output = join(directory, 'lhcb-sample.baler');
    const started = performance.now();
    const table = await readDataFile(input);
    console.log(`Baler demo: the embedded LHCb sample (${describe(table)}), error bound pwrel=1e-3\n`);
    const result = await compressDataset(table, {
      bound: parseBound('pwrel=1e-3'),
      source: 'data/sample/lhcb-sample.h5:/data',
    });
    await writeFileAtomically(output, async (sink) => sink.write(result.bytes));
    console.log(
      renderCompressSummary(
        compressSummary(
          'data/sample/lhcb-sample.h5:/data',
          output,
          result,
          (performance.now() - started) / 1000,
        ),
        result,
      ),
    );

    const source = await openFileSource(output);
    try {
      const file = await openBaler(source);
      const slice = (await readDataset(file, { rows: { start: 10, end: 13 } })) as Table;
      const original = table as Table;
      console.log('\nrows 10:13 decoded from the file (original → decoded):');
      for (const j of [2, 4, 7, 8]) {
        const column = slice.columns[j]!;
        const pairs = Array.from(
          { length: 3 },
          (_, i) => `${Number(original.columns[j]!.data[10 + i])} → ${Number(column.data[i])}`,
        );
        console.log(`  ${column.name.padEnd(12)} ${pairs.join(' | ')}`);
      }
      console.log(`\n${renderSummary('lhcb-sample.baler', summarizeFile(file), file.metadata.provenance)}`);
    } finally {
      await source.close();
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

function describe(dataset: Awaited<ReturnType<typeof readDataFile>>): string {
  return dataset.kind === 'table'
    ? `${dataset.rowCount} rows × ${dataset.columns.length} columns`
    : `field [${dataset.shape.join(' × ')}]`;
}
