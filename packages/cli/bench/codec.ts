// The codec issue's figures on the shared datasets: honest ratio (float32 bytes ÷ every byte of the
// .baler file), the verified max error, and compress/decompress speed on one core, next to the anchors.
// Run: npm run bench (all packages) or, here, node --import tsx bench/codec.ts
import { bytesSource, openBaler, readDataset } from '@baler/format';
import { compareCodecs, compressDataset, parseBound, readDataFile } from '@baler/trainer';

const DATA = new URL('../../../../shared/data/', import.meta.url).pathname;

const CASES = [
  {
    name: 'LHCb pwrel=1e-3, Charge/isMuon exact',
    input: 'lhcb-b2hhh.h5:/data',
    bound: 'pwrel=1e-3',
    anchor: 'bit rounding+shuffle+zstd-19 3.7× (looser target)',
    best: 3.7,
    goal: 5.5,
  },
  {
    name: 'CFD abs=1e-4',
    input: 'cfd-animation.h5:/data',
    bound: 'abs=1e-4',
    anchor: 'SZ3 11.1×, ZFP 7.3×, bit rounding 6.8×',
    best: 11.1,
    goal: 17,
  },
  {
    name: 'CFD abs=1e-3',
    input: 'cfd-animation.h5:/data',
    bound: 'abs=1e-3',
    anchor: 'SZ3 42.8×, ZFP 33×, bit rounding 16×',
    best: 42.8,
    goal: 65,
  },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

const rows: string[][] = [];
const notes: string[] = [];
for (const c of CASES) {
  const dataset = await readDataFile(`${DATA}${c.input}`);
  // The classical anchor measured here, on the same data at the same strict bound.
  const rounding = (await compareCodecs(dataset, parseBound(c.bound))).find((r) =>
    r.codec.startsWith('bit rounding'),
  )!;
  notes.push(
    `${c.name}: bit rounding + shuffle + zstd -19 measured here at the same bound: ${rounding.ratio.toFixed(2)}× (${rounding.bytes} bytes)`,
  );
  const compressSeconds: number[] = [];
  const result = await compressDataset(dataset, { bound: parseBound(c.bound) });
  for (let k = 0; k < 3; k++) {
    const t = performance.now();
    await compressDataset(dataset, { bound: parseBound(c.bound), verify: false });
    compressSeconds.push((performance.now() - t) / 1000);
  }
  const file = await openBaler(bytesSource(result.bytes));
  const decodeSeconds: number[] = [];
  for (let k = 0; k < 3; k++) await readDataset(file); // warm-up: let the JIT optimise the decode loop
  for (let k = 0; k < 9; k++) {
    const t = performance.now();
    await readDataset(file);
    decodeSeconds.push((performance.now() - t) / 1000);
  }
  const megabytes = result.summary.float32Bytes / 1e6;
  const ratio = result.summary.ratioToFloat32;
  const v = result.verification!;
  rows.push([
    c.name,
    c.anchor,
    `≥ ${c.goal}×`,
    `${ratio.toFixed(2)}×`,
    ratio > c.best ? 'beats' : 'below',
    ratio >= c.goal ? 'met' : `${((100 * ratio) / c.goal).toFixed(0)}% of goal`,
    c.bound.startsWith('pwrel')
      ? `rel ${v.maxRelativeError.toExponential(3)}`
      : `abs ${v.maxAbsoluteError.toExponential(3)}`,
    `${result.bytes.length}`,
    (megabytes / median(compressSeconds)).toFixed(1),
    (megabytes / median(decodeSeconds)).toFixed(1),
  ]);
}

const header = [
  'case',
  'best anchor',
  'goal',
  'ratio',
  'vs anchor',
  'vs goal',
  'max error (verified)',
  'file bytes',
  'compress MB/s',
  'decompress MB/s',
];
const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
const line = (cells: string[]) => `| ${cells.map((cell, j) => cell.padEnd(widths[j]!)).join(' | ')} |`;
console.log('Codec figures (ratio = float32 bytes ÷ .baler bytes, every value verified within the bound)');
console.log(
  'Speed anchors: SZ3 374 MB/s compress / 744 MB/s decompress; goals ≥ 50 / ≥ 150 MB/s (one core, MB of float32)',
);
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const row of rows) console.log(line(row));
for (const note of notes) console.log(note);
