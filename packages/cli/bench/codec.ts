// The codec issue's figures on the shared datasets: honest ratio (float32 bytes ÷ every byte of the
// .baler file), the verified max error, and compress/decompress speed on one core, next to the anchors.
// Run: npm run bench (all packages) or, here, node --import tsx bench/codec.ts

import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Table } from '@baler/format';
import { bytesSource, openBaler, readDataset } from '@baler/format';
import { compareCodecs, compressDataset, parseBound, readDataFile } from '@baler/trainer';

const DATA = new URL('../../../../shared/data/', import.meta.url).pathname;
const SPEED_CHILD = fileURLToPath(new URL('./speed-child.ts', import.meta.url));

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

/**
 * The plans: the default (each stream coded with the adaptive range coder or rANS, whichever is smaller)
 * and --fast-decode (rANS everywhere, short stencils).
 */
const CODERS = [
  { label: 'default (per stream: range or rANS, smaller)', fastDecode: false },
  { label: 'rANS (--fast-decode)', fastDecode: true },
];

const rows: string[][] = [];
const learnedRows: string[][] = [];
/** The LHCb table, read once by the loop over the cases. */
let lhcb: Table | undefined;
const notes: string[] = [];

/** One measure of bench/speed-child.ts, in a fresh process: its JSON line. */
function speedChild(args: string[]): Record<string, number> {
  const result = spawnSync(process.execPath, ['--import', 'tsx', SPEED_CHILD, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`the speed child failed (${args.join(' ')}): ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as Record<string, number>;
}

/** Decoding speed of `bytes` (MB of float32 per second), in a fresh process. */
async function decodeSpeedOf(bytes: Uint8Array): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'baler-codec-bench-'));
  try {
    await writeFile(join(dir, 'file.baler'), bytes);
    return speedChild(['decode', join(dir, 'file.baler')]).decode!;
  } finally {
    await rm(dir, { recursive: true });
  }
}

/** The speed columns of one case and plan: compressing, then decoding its file, each in a fresh process. */
async function speedsOf(input: string, bound: string, fastDecode: boolean, bytes: Uint8Array) {
  const compress = speedChild(['compress', input, bound, fastDecode ? 'fast' : 'classical']);
  return { ...compress, decode: await decodeSpeedOf(bytes) } as SpeedFigures;
}

interface SpeedFigures {
  planning: number;
  planGiven: number;
  decode: number;
}

for (const c of CASES) {
  const dataset = await readDataFile(`${DATA}${c.input}`);
  if (dataset.kind === 'table') lhcb = dataset;
  // The classical anchor measured here, on the same data at the same strict bound.
  const rounding = (await compareCodecs(dataset, parseBound(c.bound))).find((r) =>
    r.codec.startsWith('bit rounding'),
  )!;
  notes.push(
    `${c.name}: bit rounding + shuffle + zstd -19 measured here at the same bound: ${rounding.ratio.toFixed(2)}× (${rounding.bytes} bytes)`,
  );
  let classical: Uint8Array | undefined;
  for (const coder of CODERS) {
    const bound = parseBound(c.bound);
    const result = await compressDataset(dataset, { bound, fastDecode: coder.fastDecode });
    classical ??= result.bytes;
    const speeds = await speedsOf(`${DATA}${c.input}`, c.bound, coder.fastDecode, result.bytes);
    const ratio = result.summary.ratioToFloat32;
    const v = result.verification!;
    rows.push([
      c.name,
      coder.label,
      c.anchor,
      `≥ ${c.goal}×`,
      `${ratio.toFixed(2)}×`,
      ratio > c.best ? 'beats' : 'below',
      ratio >= c.goal ? 'met' : `${((100 * ratio) / c.goal).toFixed(0)}% of goal`,
      c.bound.startsWith('pwrel')
        ? `rel ${v.maxRelativeError.toExponential(3)}`
        : `abs ${v.maxAbsoluteError.toExponential(3)}`,
      `${result.bytes.length}`,
      speeds.planning.toFixed(1),
      speeds.planGiven.toFixed(1),
      speeds.decode.toFixed(1),
    ]);
  }
  // What `baler compress` does by default: small learned models compete, kept only when they save bytes.
  let trial = '';
  const started = performance.now();
  const learned = await compressDataset(dataset, {
    bound: parseBound(c.bound),
    learn: true,
    onProgress: (stage, done, total) => {
      if (stage === 'learn') trial = `${done} vs ${total} classical`;
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const kept = learned.bytes.length < classical!.length;
  const model = (await openBaler(bytesSource(learned.bytes))).metadata.model as { family?: string } | null;
  const family = model?.family ?? 'classical';
  learnedRows.push([
    c.name,
    `${learned.summary.ratioToFloat32.toFixed(2)}×`,
    `${learned.bytes.length}`,
    kept ? `kept: ${family}` : 'classical kept',
    trial,
    seconds.toFixed(1),
    (await decodeSpeedOf(learned.bytes)).toFixed(1),
  ]);
}

const header = [
  'case',
  'plan (residual coder)',
  'best anchor',
  'goal',
  'ratio',
  'vs anchor',
  'vs goal',
  'max error (verified)',
  'file bytes',
  'compress MB/s (planning included)',
  'compress MB/s, plan given',
  'decompress MB/s',
];
const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
const line = (cells: string[]) => `| ${cells.map((cell, j) => cell.padEnd(widths[j]!)).join(' | ')} |`;
console.log('Codec figures (ratio = float32 bytes ÷ .baler bytes, every value verified within the bound)');
console.log(
  'Speed anchors: SZ3 374 MB/s compress / 744 MB/s decompress; goals ≥ 50 / ≥ 150 MB/s (one core, MB of float32).',
);
console.log(
  '"Plan given" is compressing after training: every stream encoded, decoded back and checked, with the',
);
console.log(
  'predictors already chosen (planning fits stencils on the first chunk, which dominates on small inputs).',
);
console.log(
  'Speeds are medians in a fresh process per case, plan and direction (bench/speed-child.ts), after a second of warm-up.',
);
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const row of rows) console.log(line(row));
for (const note of notes) console.log(note);
console.log(await lhcbAtAnchorTarget(lhcb!));

const learnedHeader = [
  'case (compress with learned models, the CLI default)',
  'ratio',
  'file bytes',
  'chosen',
  'learned trial bytes (first chunk)',
  'compress s (training included)',
  'decompress MB/s',
];
const learnedWidths = learnedHeader.map((h, j) =>
  Math.max(h.length, ...learnedRows.map((r) => r[j]!.length)),
);
const learnedLine = (cells: string[]) =>
  `| ${cells.map((cell, j) => cell.padEnd(learnedWidths[j]!)).join(' | ')} |`;
console.log('');
console.log(learnedLine(learnedHeader));
console.log(learnedLine(learnedWidths.map((w) => '-'.repeat(w))));
for (const row of learnedRows) console.log(learnedLine(row));

/**
 * The LHCb anchor's 3.7× holds at a looser target than pwrel=1e-3: a median over the columns of the RMS
 * relative error of 1e-3. A uniform log-domain quantizer's RMS error is its bound / √3, so Baler at
 * pwrel=√3·1e-3 meets that target with every value still bounded; measured here, on the same table.
 */
async function lhcbAtAnchorTarget(table: Table): Promise<string> {
  const bound = `pwrel=${(Math.sqrt(3) * 1e-3).toPrecision(4)}`;
  const result = await compressDataset(table, { bound: parseBound(bound) });
  const back = await readDataset(await openBaler(bytesSource(result.bytes)));
  if (back.kind !== 'table') throw new Error('decoded a different kind of dataset');
  const rms: number[] = [];
  table.columns.forEach((column, j) => {
    const a = column.data as Float64Array;
    const b = back.columns[j]!.data as Float64Array;
    let sum = 0;
    let n = 0;
    for (let i = 0; i < a.length; i++) {
      if (a[i] === 0) continue;
      sum += ((b[i]! - a[i]!) / a[i]!) ** 2;
      n++;
    }
    if (sum > 0) rms.push(Math.sqrt(sum / n));
  });
  const median = [...rms].sort((x, y) => x - y)[rms.length >> 1]!;
  return (
    `LHCb at the anchor's own target (median per-column RMS relative error ${median.toExponential(3)}, ` +
    `${bound}, charges and flags exact): ${result.summary.ratioToFloat32.toFixed(2)}× (${result.bytes.length} bytes) against the anchor's 3.7×`
  );
}
