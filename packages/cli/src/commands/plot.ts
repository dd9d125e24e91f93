// `baler plot INPUT FILE.baler -o DIR`: diagnostics figures as PNGs plus one index.html that shows them.
// Tables: per-column distributions and relative differences, and a summary; fields: original,
// reconstructed and difference per frame; --model: loss curves; --sweep: the Pareto plots of a sweep.
import { mkdir, readdir, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { openFile } from '@baler/decoder/node';
import type { Dataset } from '@baler/format';
import { readDataFile } from '@baler/trainer';
import { formatNumber } from '../plot/chart.ts';
import { type ColumnPlot, writeColumnPlots, writeColumnSummary } from '../plot/columns.ts';
import { defaultFrames, frameLayout, writeFieldFrames } from '../plot/field.ts';
import { type Section, writeIndex } from '../plot/html.ts';
import { bestEpoch, readTrainingLog, writeLossPlot } from '../plot/loss.ts';
import { type DataPair, pairDatasets } from '../plot/pair.ts';
import { paretoFront, writeParetoPlots } from '../plot/pareto.ts';
import { readSweepResults, sweepPoints } from '../plot/sweep.ts';
import { createProgress } from '../progress.ts';
import { parseCommand, UsageError } from '../usage.ts';

export const plotUsage =
  'baler plot [INPUT FILE.baler] -o DIR [--model MODEL_DIR] [--sweep RESULTS.jsonl] [options]';

export const plotHelp = `${plotUsage}

Draws diagnostics figures into DIR as PNG files and writes DIR/index.html, which shows them all (open it
in a browser; links are relative, so the directory can be moved or shared).

  INPUT FILE.baler     the original data (file.h5[:/dataset], .npy, .npz[:key], .csv) and the .baler file
                       compressed from it. Tables: per column, the original and reconstructed
                       distributions overlaid and the distribution of the relative difference
                       (reconstructed − original) / original with its mean and RMS (root mean square);
                       one PNG per column, plus a summary of all columns. Fields: per frame (a slice
                       along the first axis), original / reconstructed / difference side by side with
                       colour bars, and a frame slider with play in index.html.
  --model MODEL_DIR    loss curves (training and validation loss, learning rate) from the
                       training-log.jsonl of a model directory written by 'baler train'
  --sweep RESULTS.jsonl  the Pareto plots of a sweep's results: ratio against error and against decode
                       speed for every finished trial, the non-dominated ones highlighted and labelled

At least one of INPUT FILE.baler, --model or --sweep is needed; they combine into one index.html.

Options:
  -o, --output DIR     the directory to write (created if missing)
      --frames SPEC    which field frames to draw: all, a list (0,10,20) or a range a:b (end excluded);
                       default: every frame up to 60, else 60 evenly spaced ones
      --bins N         histogram bins per column (default 80)
  -f, --force          write into a non-empty DIR, replacing files of the same names
      --json           print what was written as JSON
  -q, --quiet          no progress bar
  -h, --help           show this help`;

export async function plotCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseCommand(
    'plot',
    args,
    {
      output: { type: 'string', short: 'o' },
      model: { type: 'string' },
      sweep: { type: 'string' },
      frames: { type: 'string' },
      bins: { type: 'string' },
      force: { type: 'boolean', short: 'f' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
    plotUsage,
  );
  if (values.help) return void console.log(plotHelp);
  if (positionals.length !== 0 && positionals.length !== 2)
    throw new UsageError(
      `expected INPUT and FILE.baler (or neither, with --model or --sweep), got ${positionals.length} argument${positionals.length === 1 ? '' : 's'}: ${positionals.join(' ')}\n\nUsage: ${plotUsage}`,
    );
  const [input, balerPath] = positionals as [string?, string?];
  const modelDir = values.model as string | undefined;
  const sweepPath = values.sweep as string | undefined;
  if (!input && !modelDir && !sweepPath)
    throw new UsageError(
      `nothing to plot: give INPUT FILE.baler, --model MODEL_DIR or --sweep RESULTS.jsonl.\n\nUsage: ${plotUsage}`,
    );
  const outDir = values.output as string | undefined;
  if (!outDir) throw new UsageError(`missing -o DIR: say where to write the figures.\n\nUsage: ${plotUsage}`);
  const bins = values.bins === undefined ? 80 : Number(values.bins);
  if (!(Number.isInteger(bins) && bins >= 2 && bins <= 1000))
    throw new UsageError(`--bins takes a whole number from 2 to 1000, got "${values.bins}"`);
  const quiet = Boolean(values.quiet || values.json);
  await checkOutput(outDir, Boolean(values.force));

  const started = performance.now();
  const sections: Section[] = [];
  const notes: string[] = [];
  const summary: Record<string, unknown> = { outDir };

  // Everything is read and checked before DIR is created, so a mistake leaves nothing behind.
  const pair = input && balerPath ? await loadPair(input, balerPath, notes) : undefined;
  const log = modelDir ? await readTrainingLog(modelDir) : undefined;
  const sweep = sweepPath ? sweepPoints(await readSweepResults(sweepPath)) : undefined;
  if (values.frames !== undefined && pair?.kind !== 'field')
    throw new UsageError('--frames picks frames of a field; INPUT FILE.baler here is not a field.');
  const layout = pair?.kind === 'field' ? frameLayout(pair.original.shape) : undefined;
  const frames =
    layout &&
    (values.frames === undefined
      ? defaultFrames(layout.frames)
      : parseFrames(values.frames as string, layout.frames));
  await mkdir(outDir, { recursive: true });

  if (pair && balerPath) {
    if (pair.kind === 'table') {
      const progress = createProgress('plot', pair.columns.length, { quiet });
      let plots: ColumnPlot[];
      try {
        plots = await writeColumnPlots(pair.columns, outDir, {
          bins,
          onColumn: (done) => progress.update(done),
        });
      } finally {
        progress.finish();
      }
      const summaryFile = await writeColumnSummary(plots, outDir, basename(balerPath));
      sections.push({
        kind: 'figures',
        heading: 'All columns',
        text: 'RMS and largest |relative difference| of every column; columns reconstructed exactly have no bar.',
        figures: [{ file: summaryFile, caption: 'relative difference per column' }],
      });
      sections.push({
        kind: 'figures',
        heading: `Columns (${plots.length})`,
        text: 'Left: original and reconstructed distributions on the same bins. Right: (reconstructed − original) / original over the values whose original is not 0.',
        figures: plots.map((p) => ({
          file: p.file,
          caption: `${p.name}: mean ${formatNumber(p.stats.mean, 4)}, RMS ${formatNumber(p.stats.rms, 4)}`,
        })),
      });
      if (pair.skipped.length > 0) notes.push(`text columns not plotted: ${pair.skipped.join(', ')}`);
      summary.columns = plots.map((p) => ({ name: p.name, file: p.file, ...p.stats }));
      summary.summary = summaryFile;
    } else {
      if (!layout || !frames) throw new Error('unreachable: a field has a frame layout');
      const progress = createProgress('plot', frames.length, { quiet });
      let result: Awaited<ReturnType<typeof writeFieldFrames>>;
      try {
        result = await writeFieldFrames(pair.original, pair.reconstructed, outDir, frames, (done) =>
          progress.update(done),
        );
      } finally {
        progress.finish();
      }
      sections.push({
        kind: 'frames',
        heading: `Field frames (${frames.length} of ${layout.frames})`,
        text: `Original, reconstructed and difference of each frame (a slice along the first axis of the ${pair.original.shape.join(' × ')} field).`,
        figures: result.files.map((file, i) => ({
          file,
          caption: `frame ${result.frames[i]}: max |difference| ${formatNumber(result.maxAbsDifference[i]!)}`,
        })),
      });
      summary.frames = result.frames.map((frame, i) => ({
        frame,
        file: result.files[i],
        maxAbsDifference: result.maxAbsDifference[i],
      }));
    }
  }

  if (modelDir && log) {
    const file = await writeLossPlot(log, outDir, basename(modelDir));
    const best = bestEpoch(log);
    sections.push({
      kind: 'figures',
      heading: 'Training',
      text: `${log.length} epochs from ${modelDir}; best epoch ${best.epoch}.`,
      figures: [{ file, caption: `loss per epoch of ${modelDir}` }],
    });
    summary.loss = { file, epochs: log.length, bestEpoch: best.epoch };
  }

  if (sweepPath && sweep) {
    const { points, skipped, candidates } = sweep;
    const files = await writeParetoPlots(
      points,
      outDir,
      basename(sweepPath).replace(/\.results\.jsonl$|\.jsonl$/, ''),
      candidates,
    );
    const left = Object.entries(skipped).map(([status, n]) => `${n} ${status}`);
    sections.push({
      kind: 'figures',
      heading: 'Sweep',
      text: `${points.length} finished trials from ${sweepPath}${left.length > 0 ? ` (left out: ${left.join(', ')})` : ''}; the Pareto front is highlighted.`,
      figures: [
        {
          file: files[0]!,
          caption: `ratio vs error: ${paretoFront(points, 'error').length} trials on the front`,
        },
        {
          file: files[1]!,
          caption: `ratio vs decode speed: ${paretoFront(points, 'decodeMBps').length} trials on the front`,
        },
      ],
    });
    summary.pareto = files;
  }

  const seconds = (performance.now() - started) / 1000;
  notes.push(`written by baler plot ${args.map(quoteArg).join(' ')} in ${seconds.toFixed(1)} s`);
  const index = await writeIndex(outDir, { title: 'Baler diagnostics', notes, sections });
  const pngs = sections.reduce((n, s) => n + s.figures.length, 0);
  if (values.json) return void console.log(JSON.stringify({ ...summary, index, pngs, seconds }, null, 2));
  console.log(`wrote ${pngs} PNG${pngs === 1 ? '' : 's'} and ${index} in ${seconds.toFixed(1)} s`);
}

/** `all`, a comma list or a half-open range a:b of frame indices, each checked against the frame count. */
export function parseFrames(text: string, count: number): number[] {
  const spec = text.trim();
  if (spec === 'all') return Array.from({ length: count }, (_, k) => k);
  const range = /^(\d*):(\d*)$/.exec(spec);
  const bad = () =>
    new UsageError(
      `--frames takes all, a list like 0,10,20 or a range a:b of frames 0 to ${count - 1}, got "${text}"`,
    );
  let frames: number[];
  if (range) {
    const start = range[1] ? Number(range[1]) : 0;
    const end = range[2] ? Number(range[2]) : count;
    frames = Array.from({ length: Math.max(0, Math.min(end, count) - start) }, (_, i) => start + i);
  } else {
    if (!/^\d+(,\d+)*$/.test(spec)) throw bad();
    frames = [...new Set(spec.split(',').map(Number))];
  }
  if (frames.length === 0 || frames.some((k) => k >= count)) throw bad();
  return frames;
}

/** Refuses a non-empty directory unless `force`, and a path that is a file. */
async function checkOutput(dir: string, force: boolean): Promise<void> {
  try {
    const info = await stat(dir);
    if (!info.isDirectory())
      throw new UsageError(`${dir} exists and is not a directory; choose another -o path.`);
    if (!force && (await readdir(dir)).length > 0)
      throw new UsageError(
        `${dir} exists and is not empty; pass --force to write into it, or choose another -o path.`,
      );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Reads INPUT and decodes FILE.baler, noting what the file is, and lines the two up. */
async function loadPair(input: string, balerPath: string, notes: string[]): Promise<DataPair> {
  const original = await readDataFile(input);
  const reader = await openFile(balerPath);
  let decoded: Dataset;
  try {
    decoded = await reader.read();
  } finally {
    await reader.close();
  }
  const info = reader.info;
  notes.push(
    `${balerPath} (${info.fileBytes.toLocaleString('en-US')} bytes, ratio ${info.ratioToFloat32.toFixed(2)}× vs float32, bound ${info.bounds.join(', ')}) against ${input}`,
  );
  return pairDatasets(original, decoded, input, balerPath);
}

function quoteArg(arg: string): string {
  return /^[\w./:=,@+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}
