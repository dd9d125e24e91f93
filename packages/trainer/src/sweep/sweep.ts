// Runs a sweep: evaluates its trials on a pool of workers, rung by rung when successive halving is on,
// appending each evaluation to the results file as it finishes. A restart reads that file first and runs
// only what is missing, so an interrupted sweep resumes where it stopped and finished trials never run
// twice. At the end the best trial's model directory is copied out, ready for `baler compress --model`.
import { existsSync } from 'node:fs';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Dataset } from '@baler/format';
import { readDataFile } from '../io/dataset-files.ts';
import { MODEL_DIR_FILES } from '../models/model-dir.ts';
import { CLASSICAL, type SweepDefinition } from './definition.ts';
import type { TrialRunner, TrialTask } from './evaluate.ts';
import {
  appendResult,
  evaluationKey,
  latestResults,
  readResults,
  type TrialMeasurement,
  type TrialResult,
} from './results.ts';
import { generateTrials, promote, rungEpochs, type Trial } from './trials.ts';
import { processTrialRunner } from './workers.ts';

/** Where a sweep keeps its files, all beside the definition `experiments/NAME.json`. */
export interface SweepPaths {
  /** NAME.results.jsonl: one line per evaluation (commit it). */
  results: string;
  /** NAME.trials/: each trial's model directory while the sweep runs (large; not committed). */
  trials: string;
  /** NAME.best/: the best trial's model directory, ready for `baler compress --model`. */
  best: string;
  /** NAME.pareto/: the Pareto plots. */
  plots: string;
}

export function sweepPaths(definitionFile: string): SweepPaths {
  const name = basename(definitionFile).replace(/\.json$/i, '');
  const dir = dirname(definitionFile);
  return {
    results: join(dir, `${name}.results.jsonl`),
    trials: join(dir, `${name}.trials`),
    best: join(dir, `${name}.best`),
    plots: join(dir, `${name}.pareto`),
  };
}

export type SweepEvent =
  | { kind: 'plan'; trials: number; evaluations: number; recorded: number }
  | { kind: 'start'; trial: Trial; rung: number; epochs: number | undefined }
  | { kind: 'result'; result: TrialResult; finished: number; evaluations: number };

export interface SweepOptions {
  paths: SweepPaths;
  /** Evaluations running at once (default 1). */
  jobs?: number;
  /** Run recorded failures again (default: they count as recorded, like every finished evaluation). */
  retryFailed?: boolean;
  /** Evaluates one trial at one rung (default: in a worker process per evaluation). */
  runner?: TrialRunner;
  /** The dataset (default: read `definition.dataset`); only asked for when something is left to run. */
  loadDataset?: () => Promise<Dataset>;
  onEvent?: (event: SweepEvent) => void;
}

export interface SweepSummary {
  trials: number;
  /** Evaluations this run performed, and those it found already recorded and skipped. */
  ran: number;
  skipped: number;
  /** The latest result of every trial of the definition, in trial order. */
  results: TrialResult[];
  /** The highest ratio of all trials, classical included. */
  best: TrialResult | undefined;
  /** The trials that trained a model and measured, best first: fewest bytes, then closest to winning. */
  trained: TrialResult[];
  /** trained[0]. */
  bestModel: TrialResult | undefined;
  /** `paths.best` when bestModel's directory was there to copy (not after its trials/ were deleted). */
  bestModelDir: string | undefined;
}

export async function runSweep(definition: SweepDefinition, options: SweepOptions): Promise<SweepSummary> {
  const { paths } = options;
  const jobs = Math.max(1, options.jobs ?? 1);
  const runner = options.runner ?? processTrialRunner();
  const halving = definition.budget?.halving;
  const trials = generateTrials(definition);
  const columns = definition.columns ?? [];
  await mkdir(dirname(paths.results), { recursive: true });

  // An evaluation counts as recorded only if it measured the same thing (same bound, column bounds and
  // epochs).
  // Failures count too unless retryFailed: their cause (a missing feature, a bug) outlives a restart.
  const recorded = new Map<string, TrialResult>();
  for (const line of await readResults(paths.results)) {
    const key = evaluationKey(line.trial, line.rung);
    if (line.status !== 'failed') recorded.set(key, line);
    else if (!options.retryFailed && !recorded.has(key)) recorded.set(key, line);
  }
  const recordedFor = (trial: Trial, rung: number) => {
    const line = recorded.get(evaluationKey(trial.id, rung));
    const epochs = trial.config.model === CLASSICAL ? undefined : rungEpochs(trial.config, rung, halving);
    const same =
      line?.bound === definition.bound &&
      sameList(line.columnBounds ?? [], columns) &&
      line.epochs === epochs;
    return same ? line : undefined;
  };

  const evaluations = plannedEvaluations(trials, halving);
  // What the 'resuming' line counts: recorded evaluations of this plan's trials, measured the same way
  // (not lines of trials since removed, or measured at another bound).
  let reusable = 0;
  for (const trial of trials) {
    for (let rung = 0; ; rung++) {
      if (recordedFor(trial, rung)) reusable++;
      const last =
        !halving ||
        trial.config.model === CLASSICAL ||
        rungEpochs(trial.config, rung, halving) >= rungEpochs(trial.config, rung + 1, halving);
      if (last) break;
    }
  }
  options.onEvent?.({ kind: 'plan', trials: trials.length, evaluations, recorded: reusable });
  let dataset: Promise<Dataset> | undefined;
  const loadDataset = () => {
    dataset ??= options.loadDataset ? options.loadDataset() : readDataFile(definition.dataset);
    return dataset;
  };
  let ran = 0;
  let skipped = 0;
  let finished = 0;
  const lines: TrialResult[] = [];

  let active = trials;
  for (let rung = 0; active.length > 0; rung++) {
    const rungLines = new Map<string, TrialResult>();
    const pending: Trial[] = [];
    for (const trial of active) {
      const line = recordedFor(trial, rung);
      if (line) {
        rungLines.set(trial.id, line);
        skipped++;
        finished++;
      } else pending.push(trial);
    }
    // Read before the pool starts, so that a missing dataset stops the sweep with one clear error.
    const data = pending.length > 0 ? await loadDataset() : undefined;
    await forEachConcurrently(pending, jobs, async (trial) => {
      const trainable = trial.config.model !== CLASSICAL;
      const epochs = rungEpochs(trial.config, rung, halving);
      options.onEvent?.({ kind: 'start', trial, rung, epochs: trainable ? epochs : undefined });
      const task: TrialTask = {
        trial,
        rung,
        epochs: trainable ? epochs : 0,
        dataset: data!,
        source: definition.dataset,
        bound: definition.bound,
        columns,
        modelDir: join(paths.trials, trial.id),
      };
      let measurement: TrialMeasurement | undefined;
      let message: string | undefined;
      try {
        measurement = await runner(task);
      } catch (error) {
        message = (error as Error)?.message ?? String(error);
      }
      const full = rungEpochs(trial.config, Number.POSITIVE_INFINITY, undefined);
      const result: TrialResult = {
        trial: trial.id,
        status: measurement ? (!trainable || epochs >= full ? 'done' : 'stopped-early') : 'failed',
        config: trial.config,
        bound: definition.bound,
        ...(columns.length > 0 ? { columnBounds: [...columns] } : {}),
        rung,
        ...(trainable ? { epochs } : {}),
        ...measurement,
        ...(message !== undefined ? { message } : {}),
        finishedAt: new Date().toISOString(),
      };
      await appendResult(paths.results, result);
      rungLines.set(trial.id, result);
      ran++;
      finished++;
      options.onEvent?.({ kind: 'result', result, finished, evaluations });
    });
    lines.push(...rungLines.values());
    if (!halving) break;
    // Only trainable trials that measured something compete for the next rung; classical trials and
    // failures end here. Promoted trials that already trained their full epochs are done too.
    const scored = active.flatMap((trial) => {
      const line = rungLines.get(trial.id);
      if (trial.config.model === CLASSICAL || !line || line.status === 'failed') return [];
      return [{ item: trial, score: modelScore(line) }];
    });
    active = promote(scored, halving.eta).filter(
      (trial) => rungEpochs(trial.config, rung, halving) < rungEpochs(trial.config, rung + 1, halving),
    );
  }

  const order = new Map(trials.map((t, i) => [t.id, i]));
  const results = latestResults(lines).sort((a, b) => order.get(a.trial)! - order.get(b.trial)!);
  const measured = results.filter((r) => r.status !== 'failed');
  const best = highestRatio(measured);
  const models = measured.filter((r) => r.config.model !== CLASSICAL);
  // Ranked as halving with eta = 1 would keep them: all, best first.
  const trained = promote(
    models.map((r) => ({ item: r, score: modelScore(r) })),
    1,
  );
  const bestModel = trained[0];
  const kept = bestModel && (await keepModelDir(join(paths.trials, bestModel.trial), paths.best, bestModel));
  return {
    trials: trials.length,
    ran,
    skipped,
    results,
    best,
    trained,
    bestModel,
    bestModelDir: kept ? paths.best : undefined,
  };
}

/** Evaluations a sweep makes if nothing fails: every trial once, then each rung's promoted share. */
export function plannedEvaluations(
  trials: readonly Trial[],
  halving: { minEpochs: number; eta: number } | undefined,
): number {
  let total = trials.length;
  if (!halving) return total;
  let active = trials.filter((t) => t.config.model !== CLASSICAL);
  for (let rung = 0; active.length > 0; rung++) {
    const kept = active.slice(0, Math.ceil(active.length / halving.eta));
    active = kept.filter(
      (t) => rungEpochs(t.config, rung, halving) < rungEpochs(t.config, rung + 1, halving),
    );
    total += active.length;
  }
  return total;
}

/**
 * How trained trials rank (higher first): fewest file bytes; among models that did not win (their file
 * is the classical one), the closest to winning: fewest bytes with the model's predictions.
 */
function modelScore(result: TrialResult): number[] {
  const infinite = Number.POSITIVE_INFINITY;
  return [-(result.bytes ?? infinite), -(result.candidate?.learnedBytes ?? infinite)];
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function highestRatio(results: readonly TrialResult[]): TrialResult | undefined {
  return results.reduce<TrialResult | undefined>(
    (best, r) => ((r.ratio ?? 0) > (best?.ratio ?? 0) ? r : best),
    undefined,
  );
}

/**
 * Copies a trial's model directory (without its checkpoint) to `to`, with the trial's result beside it;
 * false when there is no such directory.
 */
async function keepModelDir(from: string, to: string, result: TrialResult): Promise<boolean> {
  if (!existsSync(join(from, MODEL_DIR_FILES.config))) return false;
  await rm(to, { recursive: true, force: true });
  await cp(from, to, {
    recursive: true,
    filter: (source) => basename(source) !== MODEL_DIR_FILES.checkpoint,
  });
  await writeFile(join(to, 'sweep-trial.json'), `${JSON.stringify(result, null, 2)}\n`);
  return true;
}

async function forEachConcurrently<T>(items: readonly T[], jobs: number, run: (item: T) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, lane));
}
