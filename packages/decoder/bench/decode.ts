// The decoder issue's figures, each measured here and printed next to its anchor and goal: the browser
// bundle's size, cold start in a fresh Node process, and decode throughput in Node and in Chromium on
// files that `baler compress` (compressDataset) writes from the shared datasets.
// Run: npm run bench (all packages) or, here, npm run bench / node --import tsx bench/decode.ts
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBrowserBundle } from '../scripts/build.ts';
import { CHROMIUM } from '../scripts/chromium.ts';
import { openBytes } from '../src/index.ts';
import { measureInChromium } from './chromium.ts';
import { buildNodeEntry, measureColdStart, measureEmptyNode, measureThroughput } from './cold-start.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(ROOT, 'packages/cli/bin/baler.js');
const DATA = join(ROOT, '../shared/data/');
const SAMPLE = join(ROOT, 'data/sample/lhcb-sample.h5:/data');
const RUNS = 11;

// The codec's cases as `baler compress` writes them with each plan: `--fast-decode` (static rANS, short
// stencils: the decoding-speed plan), `--no-learn` (the classical predictors, range-coded: the smallest
// files without networks), and the CLI default for CFD abs=1e-4 (which keeps a learned stencil network
// that runs once per decoded value).
const CASES = [
  { name: 'lhcb', label: 'LHCb pwrel=1e-3', input: `${DATA}lhcb-b2hhh.h5:/data`, bound: 'pwrel=1e-3' },
  { name: 'cfd-4', label: 'CFD abs=1e-4', input: `${DATA}cfd-animation.h5:/data`, bound: 'abs=1e-4' },
  { name: 'cfd-3', label: 'CFD abs=1e-3', input: `${DATA}cfd-animation.h5:/data`, bound: 'abs=1e-3' },
];
const FILES = [
  ...CASES.map((c) => ({
    ...c,
    name: `${c.name}-fast`,
    label: `${c.label}, --fast-decode`,
    flags: ['--fast-decode'],
  })),
  ...CASES.map((c) => ({ ...c, label: `${c.label}, --no-learn`, flags: ['--no-learn'] })),
  { ...CASES[1]!, name: 'cfd-4-net', label: 'CFD abs=1e-4, default (stencil network)', flags: [] },
];

/** Writes a .baler file with the real command line, which compresses through compressDataset. */
function compress(input: string, bound: string, output: string, flags: string[] = ['--fast-decode']): void {
  const args = [CLI, 'compress', input, '-o', output, '--error-bound', bound, '--quiet', ...flags];
  execFileSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
}

const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;
const ms = (value: number) => `${value.toFixed(0)} ms`;
const mbs = (value: number) => `${value.toFixed(1)} MB/s`;

const dir = await mkdtemp(join(tmpdir(), 'baler-decoder-bench-'));
try {
  console.log(
    `@baler/decoder benchmark: node ${process.version}, ${cpus().length} cores, median of ${RUNS} runs after 1 s of warm-up`,
  );
  if (!existsSync(DATA)) throw new Error(`${DATA} is missing: the benchmark reads the shared datasets there`);
  compress(SAMPLE, 'pwrel=1e-3', join(dir, 'sample.baler'));
  for (const f of FILES) compress(f.input, f.bound, join(dir, `${f.name}.baler`), f.flags);

  const rows: string[][] = [];
  const verdict = (met: boolean) => (met ? 'met' : 'missed');

  const bundle = await buildBrowserBundle(join(dir, 'baler-decoder.js'));
  rows.push([
    'browser bundle, minified + gzip -9',
    kb(bundle.gzipBytes),
    '≤ 30 KB',
    verdict(bundle.gzipBytes <= 30_000),
    "onnxruntime-web's wasm alone: 3.66 MB gzip",
  ]);

  const nodeEntry = await buildNodeEntry(join(dir, 'node.mjs'));
  const bytesEntry = await buildNodeEntry(join(dir, 'index.mjs'), 'index');
  const cold = measureColdStart(nodeEntry, join(dir, 'sample.baler'), RUNS);
  rows.push([
    'cold start, fresh node: import + open + first chunk (sample, bundled entry)',
    ms(cold.wallMs),
    '≤ 300 ms',
    verdict(cold.wallMs <= 300),
    'original Baler ≈ 2.5 s',
  ]);
  const fromSources = measureColdStart(
    '@baler/decoder/node',
    join(dir, 'sample.baler'),
    5,
    ['--import', 'tsx'],
    fileURLToPath(new URL('..', import.meta.url)),
  );
  rows.push(['  same, TypeScript sources through tsx (workspace)', ms(fromSources.wallMs), '', '', '']);
  rows.push(['  for scale: an empty node process', ms(measureEmptyNode(RUNS)), '', '', '']);

  const sizes: string[] = [];
  for (const f of FILES) {
    const bytes = await readFile(join(dir, `${f.name}.baler`));
    const reader = await openBytes(bytes);
    const rate = measureThroughput(bytesEntry, join(dir, `${f.name}.baler`), RUNS);
    sizes.push(`${f.label}: ${bytes.length} bytes, ${reader.info.ratioToFloat32.toFixed(2)}× vs float32`);
    rows.push([
      `decode in Node, 1 core, ${f.label}`,
      mbs(rate),
      '≥ 150 MB/s',
      verdict(rate >= 150),
      'SZ3 744, ZFP 933, original Baler ≈ 9 MB/s',
    ]);
  }

  if (existsSync(CHROMIUM)) {
    const timings = await measureInChromium(
      dir,
      FILES.map((f) => `${f.name}.baler`),
      RUNS,
    );
    FILES.forEach((f, i) => {
      const t = timings[i]!;
      const rate = t.float32Bytes / 1e6 / (t.medianMs / 1000);
      rows.push([`decode in Chromium, ${f.label}`, mbs(rate), '≥ 50 MB/s', verdict(rate >= 50), '']);
    });
  } else {
    rows.push(['decode in Chromium', `not measured: ${CHROMIUM} missing`, '≥ 50 MB/s', '', '']);
  }

  const header = ['measure', 'Baler', 'goal', 'vs goal', 'anchor'];
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, j) => c.padEnd(widths[j]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
  console.log(
    `Cold start inside the process (bundled entry): node itself ${ms(cold.nodeMs)}, ` +
      `import ${ms(cold.importMs)}, open + first chunk ${ms(cold.openReadMs)}; ` +
      `bundle ${kb(bundle.bytes)} minified before gzip.`,
  );
  console.log(
    `MB/s = float32 bytes of the decoded array (10^6 B) per second of reader.read(), in Node each file in a fresh process (bundled @baler/decoder, bytes in memory); files written by baler compress:`,
  );
  for (const s of sizes) console.log(`  ${s}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
