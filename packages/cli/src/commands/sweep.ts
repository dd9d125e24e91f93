// `baler sweep experiments/NAME.json [--jobs N]`: run a hyperparameter sweep in worker processes,
// append every trial to NAME.results.jsonl as it finishes (a restart skips what is recorded), then print
// the Pareto fronts (ratio vs error, ratio vs decode speed), plot them and keep the best model directory.

import { mkdir } from 'node:fs/promises';
import { basename } from 'node:path';
import type { SweepEvent, SweepSummary, TrialConfig, TrialResult } from '@baler/trainer';
import {
  CLASSICAL,
  checkColumnOverrides,
  loadSweepDefinition,
  openDataPieces,
  parseColumnOverride,
  runSweep,
  SweepBudgetError,
  SweepDefinitionError,
  sweepPaths,
} from '@baler/trainer';
import { formatRatio } from '../format-bytes.ts';
import { type ParetoPoint, paretoFront, writeParetoPlots } from '../plot/pareto.ts';
import { candidatePoints, type ErrorMeasure, errorMeasure, trialError } from '../plot/sweep.ts';
import { createProgress, formatSeconds, type Progress } from '../progress.ts';
import { parseCommand, requireOne, UsageError } from '../usage.ts';

export const sweepUsage = 'baler sweep experiments/NAME.json [--jobs N] [options]';

export const sweepHelp = `${sweepUsage}

Runs the hyperparameter sweep NAME.json describes: every trial trains a model (or none: the classical
predictors alone), compresses the dataset at the bound with it competing in honest bytes, decodes the
file and measures the errors and the decode speed. Each finished evaluation is appended to
NAME.results.jsonl beside the definition; run the same command again after an interruption and it
resumes, skipping everything recorded (failed trials too, unless --retry-failed). With
budget.halving, trials train minEpochs first and only the best 1/eta go on to train eta times longer
(successive halving): fewest file bytes first, then, for models that did not beat the classical
predictors, the closest to it.

At the end it prints the Pareto fronts (ratio vs error, ratio vs decode speed), writes them as plots to
NAME.pareto/, and copies the best trained model to NAME.best/ for 'baler compress --model'.
Each trial's model directory stays in NAME.trials/ (large; not for committing).

The definition (schema: experiments/sweep.schema.json):
  {"dataset": "../../shared/data/lhcb-b2hhh.h5:/data",    relative to the definition's folder
   "bound": "pwrel=1e-3", "columns": ["*Charge=exact"],   as 'baler compress -e' and '--column' take them
   "search": {"strategy": "grid"},                        or {"strategy": "random", "seed": 1}
   "budget": {"trials": 12, "halving": {"minEpochs": 10, "eta": 3}},
   "space": {"model": ["none", "dense-ae-slim"], "latent": [4, 8], "widths": [[64, 32]],
             "epochs": [90], "learningRate": [0.001], "batchSize": [256], "rateStep": [0, 0.05],
             "weightPrecision": ["float32", "int8"], "normalization": ["auto"], "seed": [0],
             "block": [[1, 8, 8]]}}                           block-ae models only
  Random search also takes ranges: "learningRate": {"min": 1e-4, "max": 1e-2, "scale": "log"}.
  "normalization" takes only "auto" for now (the trainer picks robust, log, signed-log or discrete
  per column); widths replace the preset's hidden layers; rateStep trains for the residuals' coding
  cost at that quantization step (normalized units) instead of the MSE, 0 meaning the MSE.

Options:
  -j, --jobs N        trials evaluated at once, each in its own process (default 1)
      --retry-failed  run the recorded failures again (after the bug or missing feature is fixed)
      --json          print a JSON summary on stdout
  -q, --quiet         no progress bar or per-trial lines
  -h, --help          show this help`;

export async function sweepCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseCommand(
    'sweep',
    args,
    {
      jobs: { type: 'string', short: 'j' },
      'retry-failed': { type: 'boolean' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
    sweepUsage,
  );
  if (values.help) return void console.log(sweepHelp);
  const file = requireOne(positionals, 'sweep definition (experiments/NAME.json)', sweepUsage);
  const jobs = values.jobs === undefined ? 1 : Number(values.jobs);
  if (!(Number.isSafeInteger(jobs) && jobs >= 1))
    throw new UsageError(`--jobs takes a whole number ≥ 1, got "${values.jobs}"`);
  const quiet = Boolean(values.quiet || values.json);

  const paths = sweepPaths(file);
  let summary: SweepSummary;
  let progress: Progress | undefined;
  try {
    const definition = await loadSweepDefinition(file);
    // As compress checks --column: a misspelt pattern would quietly leave its column at the sweep's bound.
    const columns = definition.columns ?? [];
    if (columns.length > 0) {
      const { header } = await openDataPieces(definition.dataset);
      const label = (i: number) => `${file}: $.columns[${i}] ${JSON.stringify(columns[i])}`;
      checkColumnOverrides(header, columns.map(parseColumnOverride), label);
    }
    summary = await runSweep(definition, {
      paths,
      jobs,
      retryFailed: Boolean(values['retry-failed']),
      onEvent: (event) => {
        progress = reportEvent(event, progress, quiet, paths.results);
      },
    });
  } catch (error) {
    if (error instanceof SweepDefinitionError || error instanceof SweepBudgetError)
      throw new UsageError(error.message);
    throw error;
  } finally {
    progress?.finish();
  }

  const bound = summary.results[0]?.bound ?? '';
  const groups = sameFileGroups(summary.results.filter(measured));
  const points = groups.map(({ result, others }) => ({
    ...paretoPoint(result),
    label: others > 0 ? `${result.trial} (+${others} same file)` : result.trial,
  }));
  const trialOf = new Map(points.map((p, i) => [p.label, groups[i]!.result.trial]));
  const fronts = {
    error: paretoFront(points, 'error').map((p) => trialOf.get(p.label)!),
    decodeMBps: paretoFront(points, 'decodeMBps').map((p) => trialOf.get(p.label)!),
  };
  const sameFile = new Map(groups.map((g) => [g.result.trial, g.others]));
  let plots: string[] = [];
  if (points.length > 0) {
    try {
      await mkdir(paths.plots, { recursive: true });
      const candidates = candidatePoints(summary.results);
      plots = await writeParetoPlots(points, paths.plots, `${basename(file)} at ${bound}`, candidates);
    } catch (error) {
      if (!quiet) console.error(`baler: could not write the Pareto plots: ${(error as Error).message}`);
    }
  }
  const byId = new Map(summary.results.map((r) => [r.trial, r]));
  const failed = summary.results.filter((r) => r.status === 'failed');
  if (values.json) {
    const json = {
      definition: file,
      results: paths.results,
      trials: summary.trials,
      ran: summary.ran,
      skipped: summary.skipped,
      failed: failed.map((r) => ({ trial: r.trial, message: r.message })),
      paretoRatioError: fronts.error.map((id) => byId.get(id)),
      paretoRatioSpeed: fronts.decodeMBps.map((id) => byId.get(id)),
      trained: summary.trained.map((r) => r.trial),
      best: summary.best ?? null,
      bestModel: summary.bestModel ?? null,
      bestModelDir: summary.bestModelDir ?? null,
      plots,
    };
    return void console.log(JSON.stringify(json, null, 2));
  }
  const errorKind = MEASURE_NAMES[errorMeasure(bound)];
  console.log(
    `sweep ${file} at ${bound}: ${summary.trials} trials; ${summary.ran} evaluations run now, ${summary.skipped} recorded before (${paths.results})`,
  );
  const sameFileNote = (ids: string[]) =>
    ids
      .filter((id) => sameFile.get(id))
      .map((id) => `\n  (${sameFile.get(id)} more trials wrote the same file as ${id}: their models lost)`)
      .join('');
  console.log(`\nPareto front, ratio vs ${errorKind}:`);
  console.log(renderTable(fronts.error.map((id) => byId.get(id)!)) + sameFileNote(fronts.error));
  console.log('\nPareto front, ratio vs decode speed:');
  console.log(renderTable(fronts.decodeMBps.map((id) => byId.get(id)!)) + sameFileNote(fronts.decodeMBps));
  if (summary.trained.length > 0) {
    const shown = summary.trained.slice(0, TRAINED_SHOWN);
    console.log(
      `\nTrained models, best first (fewest file bytes, then closest to winning)${summary.trained.length > shown.length ? `, ${shown.length} of ${summary.trained.length}` : ''}:`,
    );
    console.log(renderTable(shown));
  }
  if (failed.length > 0) {
    console.log(`\n${failed.length} failed:`);
    for (const r of failed) console.log(`  ${r.trial} ${describeConfig(r.config)}: ${r.message}`);
  }
  if (summary.best) console.log(`\nbest: ${describeResult(summary.best)}`);
  if (summary.bestModel && summary.bestModelDir) {
    console.log(
      `best trained model: ${describeResult(summary.bestModel)}\n  kept in ${summary.bestModelDir}: baler compress INPUT -o OUT.baler -e ${bound} --model ${summary.bestModelDir}`,
    );
  }
  if (plots.length > 0) console.log(`plots: ${plots.join(', ')}`);
}

/** Rows of the table of trained models printed after the fronts. */
const TRAINED_SHOWN = 8;

/**
 * Trials that wrote the same file (same bytes and errors: models that lost to the classical plans) as
 * one point, the first of them (the classical trial, when it is there) standing for the others. Their
 * decode speeds differ only by measurement noise; drawn apart they would pile up at one ratio.
 */
function sameFileGroups(results: TrialResult[]): { result: TrialResult; others: number }[] {
  const groups = new Map<string, { result: TrialResult; others: number }>();
  for (const r of results) {
    const key = `${r.bytes} ${r.maxAbsError} ${r.maxRelError}`;
    const group = groups.get(key);
    if (group) group.others++;
    else groups.set(key, { result: r, others: 0 });
  }
  return [...groups.values()];
}

function reportEvent(
  event: SweepEvent,
  progress: Progress | undefined,
  quiet: boolean,
  results: string,
): Progress | undefined {
  if (event.kind === 'plan') {
    if (!quiet && event.recorded > 0)
      console.error(`resuming: ${event.recorded} evaluations already in ${results}`);
    return createProgress('sweep', event.evaluations, { quiet });
  }
  if (event.kind === 'result' && !quiet) {
    progress?.finish();
    const r = event.result;
    const what = `[${event.finished}/${event.evaluations}] ${r.trial} ${describeConfig(r.config)}${r.epochs === undefined ? '' : `, ${r.epochs} epochs`}`;
    console.error(
      r.status === 'failed'
        ? `${what}: failed: ${r.message}`
        : `${what}: ${formatRatio(r.ratio ?? 0)}${r.modelUsed || r.config.model === CLASSICAL ? '' : ' (model not used)'}, trained in ${formatSeconds(r.trainSeconds ?? 0)}, decodes at ${(r.decodeMBps ?? 0).toFixed(1)} MB/s${r.status === 'stopped-early' ? ', stopped early' : ''}`,
    );
    progress?.update(event.finished);
  }
  return progress;
}

function measured(r: TrialResult): boolean {
  return r.status !== 'failed' && r.ratio !== undefined;
}

const MEASURE_NAMES: Record<ErrorMeasure, string> = {
  maxAbsError: 'max |error|',
  maxRelError: 'max |error| / |value|',
  maxRangeRelError: 'max |error| / column range',
};

/** A trial as a Pareto point, its error measured the way its bound is. */
function paretoPoint(r: TrialResult): ParetoPoint {
  return {
    label: r.trial,
    ratio: r.ratio ?? 0,
    error: trialError(r),
    decodeMBps: r.decodeMBps ?? 0,
  };
}

export function describeConfig(config: TrialConfig): string {
  if (config.model === CLASSICAL) return 'classical predictors (model none)';
  const widths = `${config.widths ? ` widths ${config.widths.join('-')}` : ''}${config.block ? ` block ${config.block.join('x')}` : ''}`;
  const rate = config.rateStep ? ` rate step ${config.rateStep}` : '';
  // Only the settings the trial has: a stencil network has no latent, weight precision or rate step.
  const latent =
    config.latent === undefined && config.weightPrecision === undefined
      ? ''
      : ` latent ${config.latent ?? 'auto'}`;
  const precision = config.weightPrecision === undefined ? '' : ` ${config.weightPrecision}`;
  return `${config.model}${latent}${widths}${precision} lr ${config.learningRate} batch ${config.batchSize}${rate}`;
}

function describeResult(r: TrialResult): string {
  return `${r.trial} ${describeConfig(r.config)}${r.epochs === undefined ? '' : `, ${r.epochs} epochs`}: ${formatRatio(r.ratio ?? 0)} (${(r.bytes ?? 0).toLocaleString('en-US')} bytes${r.config.model === CLASSICAL ? '' : r.modelUsed ? ', model used' : ', model not used'})`;
}

/** The columns of a Pareto table: title and cell of a result. */
const TABLE: [string, (r: TrialResult) => string][] = [
  ['trial', (r) => r.trial],
  ['model', (r) => r.config.model],
  ['latent', (r) => String(r.config.latent ?? '-')],
  ['widths', (r) => r.config.widths?.join('-') ?? (r.config.model === CLASSICAL ? '-' : 'preset')],
  ['block', (r) => r.config.block?.join('x') ?? '-'],
  ['weights', (r) => r.config.weightPrecision ?? '-'],
  ['lr', (r) => String(r.config.learningRate ?? '-')],
  ['rate step', (r) => (r.config.model === CLASSICAL ? '-' : String(r.config.rateStep || 'MSE'))],
  ['epochs', (r) => String(r.epochs ?? '-')],
  ['ratio', (r) => formatRatio(r.ratio ?? 0)],
  ['bytes', (r) => (r.bytes ?? 0).toLocaleString('en-US')],
  ['max |error|', (r) => (r.maxAbsError ?? 0).toPrecision(3)],
  ['max rel.', (r) => (r.maxRelError ?? 0).toPrecision(3)],
  ['max / range', (r) => (r.maxRangeRelError ?? 0).toPrecision(3)],
  ['decode MB/s', (r) => (r.decodeMBps ?? 0).toFixed(1)],
  ['model used', (r) => (r.config.model === CLASSICAL ? '-' : r.modelUsed ? 'yes' : 'no')],
  // What the model's candidate cost on the first chunk against the classical plans: how far from winning.
  [
    'learned/classical bytes',
    (r) =>
      r.candidate
        ? `${r.candidate.learnedBytes.toLocaleString('en-US')}/${r.candidate.classicalBytes.toLocaleString('en-US')}`
        : '-',
  ],
  ['status', (r) => r.status],
];

function renderTable(rows: TrialResult[]): string {
  const header = TABLE.map(([title]) => title);
  const cells = rows.map((r) => TABLE.map(([, cell]) => cell(r)));
  const widths = header.map((h, j) => Math.max(h.length, ...cells.map((c) => c[j]!.length)));
  const line = (c: string[]) =>
    `  ${c.map((cell, j) => (j < 2 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  ')}`;
  return [line(header), ...cells.map(line)].join('\n');
}
