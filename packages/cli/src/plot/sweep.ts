// A sweep's results file (`NAME.results.jsonl`, written by `baler sweep`) as Pareto points: each trial's
// latest evaluation (successive halving appends one line per rung), finished trials only, the error read
// in the bound's own terms (relative for rel/pwrel bounds, else absolute).
import { readFile } from 'node:fs/promises';
import { latestResults, parseBound, STENCIL_NETWORK, type TrialResult } from '@baler/trainer';
import { UsageError } from '../usage.ts';
import type { ParetoPoint } from './pareto.ts';

export interface SweepPoints {
  points: ParetoPoint[];
  /** Where each trained model would have been with its own file (see candidatePoints). */
  candidates: ParetoPoint[];
  /** Trials left out because their latest evaluation did not finish, by status. */
  skipped: Record<string, number>;
}

type Measured = Pick<TrialResult, 'bound' | 'maxAbsError' | 'maxRelError' | 'maxRangeRelError'>;

/** The error a bound is judged by: pointwise relative (pwrel), relative to the range (rel), else absolute. */
export type ErrorMeasure = 'maxAbsError' | 'maxRelError' | 'maxRangeRelError';

export function errorMeasure(bound: string): ErrorMeasure {
  try {
    const kind = parseBound(bound).kind;
    return kind === 'pwrel' ? 'maxRelError' : kind === 'rel' ? 'maxRangeRelError' : 'maxAbsError';
  } catch {
    return 'maxAbsError';
  }
}

/** A trial's error in its bound's own terms (errorMeasure); a rel trial without the range figure, pointwise. */
export function trialError(trial: Measured): number {
  const measure = errorMeasure(trial.bound);
  const value =
    measure === 'maxRangeRelError' ? (trial.maxRangeRelError ?? trial.maxRelError) : trial[measure];
  return value ?? Number.NaN;
}

export function sweepPoints(results: TrialResult[]): SweepPoints {
  const skipped: Record<string, number> = {};
  const points: ParetoPoint[] = [];
  for (const t of latestResults(results)) {
    if (t.status !== 'done') {
      skipped[t.status] = (skipped[t.status] ?? 0) + 1;
      continue;
    }
    points.push({
      label: t.trial,
      ratio: t.ratio ?? Number.NaN,
      error: trialError(t),
      decodeMBps: t.decodeMBps ?? Number.NaN,
    });
  }
  return { points, skipped, candidates: candidatePoints(results) };
}

/**
 * Each trained model's own file, had it been kept: the trial's ratio scaled by the classical over the
 * learned bytes of the first chunk (what compression compared), at the same error and speed. These are
 * not files Baler wrote; they show how far each model is from earning its bytes. A stencil network runs
 * once per decoded value, so its file would decode far slower than the classical one measured: its speed
 * is left unknown (off the speed plot) rather than drawn at the classical file's.
 */
export function candidatePoints(results: TrialResult[]): ParetoPoint[] {
  const points: ParetoPoint[] = [];
  for (const t of latestResults(results)) {
    const c = t.candidate;
    if (t.status === 'failed' || t.modelUsed || !c || !(c.learnedBytes > 0) || t.ratio === undefined)
      continue;
    points.push({
      label: t.trial,
      ratio: (t.ratio * c.classicalBytes) / c.learnedBytes,
      error: trialError(t),
      decodeMBps: t.config.model === STENCIL_NETWORK ? Number.NaN : (t.decodeMBps ?? Number.NaN),
    });
  }
  return points;
}

const MEASUREMENTS = ['bound', 'ratio', 'maxAbsError', 'maxRelError', 'decodeMBps'] as const;

/**
 * Reads the results without ever writing to the file (a sweep may still be appending to it): a last
 * line without its newline is a write in progress and is left out.
 */
export async function readSweepResults(path: string): Promise<TrialResult[]> {
  const text = await readFile(path, 'utf8');
  const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
  const results: TrialResult[] = [];
  for (const [i, raw] of complete.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    let result: Partial<TrialResult>;
    try {
      result = JSON.parse(line);
    } catch {
      throw new UsageError(
        `${path}:${i + 1} is not valid JSON; --sweep takes the .results.jsonl of 'baler sweep'.`,
      );
    }
    // Trials that did not finish may lack the measurements; only finished ones are plotted.
    const needed = result.status === 'done' ? ['trial', 'status', ...MEASUREMENTS] : ['trial', 'status'];
    const missing = needed.filter((key) => result[key as keyof TrialResult] === undefined);
    if (missing.length > 0)
      throw new UsageError(
        `${path}:${i + 1} lacks ${missing.join(', ')}; --sweep takes the .results.jsonl of 'baler sweep'.`,
      );
    // Hand-written files may leave out the rung; latestResults compares rungs.
    results.push({ rung: 0, ...result } as TrialResult);
  }
  return results;
}
