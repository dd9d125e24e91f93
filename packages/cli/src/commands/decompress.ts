// `baler decompress IN.baler -o OUT`: decode all rows or a slice into .npy, .npz, .h5 or .csv.
import { resolve } from 'node:path';
import type { Field } from '@baler/format';
import { arrayToLittleEndianBytes, openBaler, readDataset } from '@baler/format';
import { openFileSource, writeFileAtomically } from '@baler/format/node';
import { npyHeader, writeDataFile } from '@baler/trainer';
import { createProgress } from '../progress.ts';
import { parseCommand, parseRows, requireOne, UsageError } from '../usage.ts';

export const decompressUsage = 'baler decompress IN.baler -o OUT [--rows a:b] [--force]';

export const decompressHelp = `${decompressUsage}

Decodes a .baler file. OUT is file.npy, file.npz, file.h5[:/dataset] or file.csv.

Options:
  -o, --output FILE   where to write (required)
      --rows a:b      only rows a (inclusive) to b (exclusive) of the first axis; either side may be empty
  -f, --force         overwrite OUT if it exists
  -q, --quiet         no progress bar
  -h, --help          show this help

A field decoded to .npy streams chunk by chunk, so files larger than memory decode too.`;

export async function decompressCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseCommand(
    'decompress',
    args,
    {
      output: { type: 'string', short: 'o' },
      rows: { type: 'string' },
      force: { type: 'boolean', short: 'f' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
    decompressUsage,
  );
  if (values.help) return void console.log(decompressHelp);
  const input = requireOne(positionals, 'IN.baler', decompressUsage);
  const output = values.output as string | undefined;
  if (!output)
    throw new UsageError(`missing -o OUT: say where to write the decoded data.\n\nUsage: ${decompressUsage}`);
  if (resolve(output.replace(/:[^:/]*(\/.*)?$/, '')) === resolve(input)) {
    throw new UsageError('the output is the input file; choose another -o path.');
  }
  const source = await openFileSource(input);
  try {
    const file = await openBaler(source);
    const total = file.metadata.shape[0]!;
    const rows = values.rows === undefined ? undefined : parseRows(values.rows as string);
    const start = rows?.start ?? 0;
    const end = rows?.end ?? total;
    if (start > total || end > total) {
      throw new UsageError(
        `--rows ${values.rows} is outside the file's ${total} rows; use a range within 0:${total}.`,
      );
    }
    if (start > end) {
      throw new UsageError(
        `--rows ${values.rows} ends before it starts; write a:b with a ≤ b, e.g. ${end}:${start}.`,
      );
    }
    const { metadata } = file;
    if (metadata.kind === 'field' && output.toLowerCase().endsWith('.npy')) {
      // Stream chunk by chunk into the .npy, so a file larger than memory decodes too.
      const rowShape = metadata.shape.slice(1);
      const progress = createProgress('decompress', end - start, { quiet: Boolean(values.quiet) });
      try {
        await writeFileAtomically(
          output,
          async (sink) => {
            await sink.write(npyHeader(metadata.dtype, [end - start, ...rowShape]));
            const cuts = file.grid.boundaries[0]!;
            for (let i = 0; i + 1 < cuts.length; i++) {
              const from = Math.max(start, cuts[i]!);
              const to = Math.min(end, cuts[i + 1]!);
              if (to <= from) continue;
              const piece = (await readDataset(file, { rows: { start: from, end: to } })) as Field;
              await sink.write(arrayToLittleEndianBytes(piece.data));
              progress.update(to - start);
            }
          },
          { overwrite: Boolean(values.force) },
        );
      } finally {
        progress.finish();
      }
    } else {
      const dataset = await readDataset(file, { rows: { start, end } });
      await writeDataFile(output, dataset, { overwrite: Boolean(values.force) });
    }
    console.error(`decoded rows ${start}:${end} of ${input} → ${output}`);
  } finally {
    await source.close();
  }
}
