// `baler compare INPUT --error-bound SPEC`: Baler next to zstd, shuffle + zstd and bit rounding +
// shuffle + zstd on the same data at the same bound, in honest bytes, with errors and speeds.
import { compareCodecs, parseBound, readDataFile } from '@baler/trainer';
import { parseCommand, requireOne, UsageError } from '../usage.ts';

export const compareUsage = 'baler compare INPUT --error-bound SPEC [--json]';

export const compareHelp = `${compareUsage}

Compresses INPUT with Baler and with the classical codecs users reach for, at the same bound, and prints
the honest ratio (float32 bytes ÷ compressed bytes), the largest errors, whether every value is within the
bound, and compress/decompress speed on one core. Baselines: zstd -19 and byte shuffle + zstd -19 of the
float32 values, and bit rounding (the fewest mantissa bits that keep every value within the bound) +
shuffle + zstd -19.

The Baler row is the classical plan, as 'baler compress --no-learn' makes it: no learned model or
stencil network competes, and there are no --column bounds (discrete columns stay exact, as in compress).
Where a model wins, 'baler compress' writes a smaller file than this row shows (CFD at abs=1e-4:
19.8× here, 20.8× with its stencil network).

Options:
  -e, --error-bound SPEC   abs=E, rel=E, pwrel=E or lossless (required)
      --json               print the rows as JSON
  -h, --help               show this help`;

/** What the Baler row measures: compareCodecs compresses with the trainer's defaults, learning off. */
export const BALER_PLAN =
  "the classical plan, as 'baler compress --no-learn' makes it (no learned model or stencil network, no --column bounds)";

export async function compareCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseCommand(
    'compare',
    args,
    {
      'error-bound': { type: 'string', short: 'e' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    compareUsage,
  );
  if (values.help) return void console.log(compareHelp);
  const input = requireOne(positionals, 'INPUT', compareUsage);
  const boundText = values['error-bound'] as string | undefined;
  if (!boundText)
    throw new UsageError(`missing --error-bound: the bound every codec must meet.\n\nUsage: ${compareUsage}`);
  const rows = await compareCodecs(await readDataFile(input), parseBound(boundText));
  if (values.json)
    return void console.log(
      JSON.stringify({ input, bound: boundText, balerPlan: BALER_PLAN, rows }, null, 2),
    );
  const header = [
    'codec',
    'bytes',
    'ratio',
    'max |error|',
    'max rel. error',
    'within bound',
    'compress MB/s',
    'decompress MB/s',
  ];
  const cells = rows.map((r) => [
    r.codec,
    r.bytes.toLocaleString('en-US'),
    `${r.ratio.toFixed(2)}×`,
    r.maxAbsoluteError.toPrecision(3),
    r.maxRelativeError.toPrecision(3),
    r.withinBound ? 'yes' : 'NO',
    r.compressMBps.toFixed(1),
    r.decompressMBps.toFixed(1),
  ]);
  const widths = header.map((h, j) => Math.max(h.length, ...cells.map((c) => c[j]!.length)));
  const line = (c: string[]) =>
    c.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  ');
  console.log(`${input} at ${boundText} (ratio: float32 bytes ÷ compressed bytes)\n`);
  console.log(line(header));
  for (const c of cells) console.log(line(c));
  console.log(
    `\nBaler row: ${BALER_PLAN}.\n'baler compress' also keeps a learned model where it saves bytes, so its file may be smaller.`,
  );
}
