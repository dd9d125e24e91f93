// Training throughput of Baler's own models on the real data, next to PyTorch measured side by side in
// the same run (when python3-torch is installed) and the anchors of the trainer issue:
//   LHCb: 26-200-100-50-13 (and mirrored back), batch 512, on lhcb-b2hhh.h5 (4322 × 26)
//   CFD:  2500-200-100-50-25 (and back), on the 60 frames of cfd-animation.h5 (50 × 50 each), batch 60
// Figures are samples/s of the best epoch after a warm-up epoch (the one least disturbed by other work on
// the machine), with the median epoch in brackets. The bench also reports how much CPU time other
// processes took during the run. Run: npm run bench (from packages/trainer or the root).

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initTensorflow, readDataFile } from '../src/index.ts';
import { denseAeMacs } from '../src/models/dense-ae.ts';
import { createModel } from '../src/models/registry.ts';
import { datasetToMatrix } from '../src/train/matrix.ts';
import { fitNormalization, normalize } from '../src/train/normalization.ts';
import { type TrainOptions, trainModel } from '../src/train/train.ts';

const SHARED = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));

interface Case {
  name: string;
  spec: string;
  encoder: number[];
  latent: number;
  batch: number;
  epochs: number;
  /** PyTorch's rate on this machine as the issue measured it. */
  anchor: number;
}

const CASES: Case[] = [
  {
    name: 'LHCb',
    spec: 'lhcb-b2hhh.h5:/data',
    encoder: [200, 100, 50],
    latent: 13,
    batch: 512,
    epochs: 16,
    anchor: 60_000,
  },
  {
    name: 'CFD',
    spec: 'cfd-animation.h5:/data',
    encoder: [200, 100, 50],
    latent: 25,
    batch: 60,
    epochs: 80,
    anchor: 2_500,
  },
];

async function main(): Promise<void> {
  const load = loadavg()[0]!;
  const cpuBefore = machineCpu();
  const backend = await initTensorflow({ log: (line) => console.log(line) });
  const directory = await mkdtemp(join(tmpdir(), 'baler-bench-'));
  const rows: string[][] = [];
  const torchCases: object[] = [];
  try {
    const measured: {
      c: Case;
      features: number;
      ours: Rate;
      ours2: Rate;
      tape?: Rate;
      macs: number;
    }[] = [];
    for (const c of CASES) {
      const matrix = datasetToMatrix(await readDataFile(join(SHARED, c.spec)));
      const data = normalize(fitNormalization(matrix), matrix.values, matrix.features);
      const model = createModel('dense-ae', {
        inputs: matrix.features,
        encoder: c.encoder,
        latent: c.latent,
      });
      const ours = await rate(model, data, c.batch, c.epochs);
      const ours2 = await rate(model, data, c.batch, c.epochs, {}, 2);
      // The same loop with tfjs's own way of forming transposed products (what a tape gradient does).
      const tape =
        c.name === 'LHCb'
          ? await rate(model, data, c.batch, Math.ceil(c.epochs / 2), {
              gradient: { transposes: 'attribute' },
            })
          : undefined;
      measured.push({
        c,
        features: matrix.features,
        ours,
        ours2,
        ...(tape ? { tape } : {}),
        macs: denseAeMacs(model),
      });
      const file = join(directory, `${c.name}.f32`);
      await writeFile(file, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      torchCases.push({
        name: c.name,
        data: file,
        rows: matrix.rows,
        features: matrix.features,
        encoder: c.encoder,
        latent: c.latent,
        batch: c.batch,
        epochs: Math.max(4, Math.ceil(c.epochs / 2)),
      });
    }
    const torch = await runTorch(directory, torchCases);
    for (const { c, features, ours, ours2, tape, macs } of measured) {
      const t = torch.cases?.[c.name];
      const sizes = [features, ...c.encoder, c.latent].join('-');
      rows.push([
        `${c.name} ${sizes}, batch ${c.batch}`,
        `${show(ours)}, ${gflops(ours.best, macs)}`,
        show(ours2),
        t?.['1'] ? show(t['1']) : torch.note,
        t?.['2'] ? show(t['2']) : torch.note,
        `≈ ${fmt(c.anchor)}`,
      ]);
      if (tape !== undefined)
        rows.push([
          `  same, tfjs transposed matMul (tape-style)`,
          `${show(tape)}, ${gflops(tape.best, macs)}`,
          '',
          '',
          '',
          '',
        ]);
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
  console.log(
    `\nTraining throughput, samples/s: best epoch after warm-up (median epoch); tfjs ${backend} backend`,
  );
  const others = otherProcessesShare(cpuBefore, machineCpu());
  console.log(
    `${availableParallelism()} cores; other processes used ${others === null ? '?' : `${Math.round(others * 100)}%`} of the machine's CPU time during the run (load average ${load.toFixed(2)} at start)${others !== null && others > 0.1 ? ': CONTENDED, figures are low' : ''}\n`,
  );
  printTable(
    [
      'model (encoder; decoder mirrored)',
      'Baler tfjs 1 thread',
      'Baler 2 threads',
      'PyTorch 1 thread',
      'PyTorch 2 threads',
      'anchor (PyTorch)',
    ],
    rows,
  );
}

async function rate(
  model: ReturnType<typeof createModel>,
  data: Float32Array,
  batchSize: number,
  epochs: number,
  options: Omit<TrainOptions, 'config'> = {},
  threads = 1,
): Promise<Rate> {
  const rows = data.length / model.config.inputs;
  const result = await trainModel(model, data, {
    ...options,
    config: {
      epochs,
      batchSize,
      threads,
      validationFraction: 0,
      patience: 0,
      schedule: { kind: 'constant' },
    },
  });
  const rates = result.log.slice(1).map((r) => rows / r.seconds);
  return { best: Math.max(...rates), median: median(rates) };
}

async function runTorch(
  directory: string,
  cases: object[],
): Promise<{ note: string; cases?: Record<string, Record<string, Rate>> }> {
  const spec = join(directory, 'spec.json');
  await writeFile(spec, JSON.stringify({ cases, threads: [1, 2] }));
  const script = fileURLToPath(new URL('./torch_train.py', import.meta.url));
  // The python3 on PATH may be a pyenv or venv one without Debian's python3-torch: try the system one too.
  const python = ['python3', '/usr/bin/python3'].find(
    (candidate) => spawnSync(candidate, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0,
  );
  if (!python) return { note: 'not installed' };
  const run = spawnSync(python, [script, spec], { encoding: 'utf8', timeout: 150_000 });
  if (run.error || run.status !== 0) {
    const missing = /No module named 'torch'|ENOENT/.test(`${run.stderr}${run.error?.message ?? ''}`);
    return {
      note: missing
        ? 'not installed'
        : `failed: ${(run.stderr || String(run.error)).trim().split('\n').at(-1)}`,
    };
  }
  const parsed = JSON.parse(run.stdout) as {
    torch: string;
    blas: string;
    cases: Record<string, Record<string, Rate>>;
  };
  console.log(`PyTorch ${parsed.torch} (CPU, ${parsed.blas}), measured in this run`);
  return { note: '', cases: parsed.cases };
}

interface CpuSample {
  /** Busy and total jiffies of the whole machine (/proc/stat). */
  busy: number;
  total: number;
  /** This process's and its reaped children's CPU jiffies (/proc/self/stat utime+stime+cutime+cstime). */
  own: number;
}

function machineCpu(): CpuSample | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    const self = readFileSync('/proc/self/stat', 'utf8');
    const after = self
      .slice(self.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    // Fields 14–17 of /proc/PID/stat (1-based), counted here from field 3.
    const own = after.slice(11, 15).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total, own };
  } catch {
    return null;
  }
}

/** The share of the machine's CPU time used by processes other than this bench and its children. */
function otherProcessesShare(before: CpuSample | null, after: CpuSample | null): number | null {
  if (!before || !after || after.total <= before.total) return null;
  return Math.max(0, (after.busy - before.busy - (after.own - before.own)) / (after.total - before.total));
}

interface Rate {
  best: number;
  median: number;
}

function show(rate: Rate): string {
  return `${fmt(rate.best)} (${fmt(rate.median)})`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? Number.NaN;
}

function fmt(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '–' : Math.round(value).toLocaleString('en-US');
}

/** Forward + backward ≈ 3 × the forward pass's 2 FLOPs per multiply-add. */
function gflops(samplesPerSecond: number, macs: number): string {
  return `${((samplesPerSecond * macs * 6) / 1e9).toFixed(1)} GFLOP/s`;
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

await main();
