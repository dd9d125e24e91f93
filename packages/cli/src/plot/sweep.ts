// A sweep's results file (`*.results.jsonl`, one trial per line) as Pareto points: finished trials
// only, the error read in the bound's own terms (relative for rel/pwrel bounds, else absolute).
import { readFile } from 'node:fs/promises';
import { UsageError } from '../usage.ts';
import type { ParetoPoint } from './pareto.ts';

export interface SweepTrial {
  trial: string;
  status: 'done' | 'stopped-early' | 'failed';
  bound: string;
  ratio: number;
  maxAbsError: number;
  maxRelError: number;
  decodeMBps: number;
}

export interface SweepPoints {
  points: ParetoPoint[];
  /** Trials left out because they did not finish, by status. */
  skipped: Record<string, number>;
}

/** The error a trial is judged by: relative for rel/pwrel bounds, absolute otherwise. */
export function trialError(trial: Pick<SweepTrial, 'bound' | 'maxAbsError' | 'maxRelError'>): number {
  return /^\s*(pw)?rel\b/.test(trial.bound) ? trial.maxRelError : trial.maxAbsError;
}

export function sweepPoints(trials: SweepTrial[]): SweepPoints {
  const skipped: Record<string, number> = {};
  const points: ParetoPoint[] = [];
  for (const t of trials) {
    if (t.status !== 'done') {
      skipped[t.status] = (skipped[t.status] ?? 0) + 1;
      continue;
    }
    points.push({ label: t.trial, ratio: t.ratio, error: trialError(t), decodeMBps: t.decodeMBps });
  }
  return { points, skipped };
}

const IDENTITY = ['trial', 'status'] as const;
const MEASUREMENTS = ['bound', 'ratio', 'maxAbsError', 'maxRelError', 'decodeMBps'] as const;

export async function readSweepResults(path: string): Promise<SweepTrial[]> {
  const text = await readFile(path, 'utf8');
  const trials: SweepTrial[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    let trial: Partial<SweepTrial>;
    try {
      trial = JSON.parse(line);
    } catch {
      throw new UsageError(
        `${path}:${i + 1} is not valid JSON; --sweep takes a sweep's .results.jsonl file.`,
      );
    }
    // Trials that did not finish may lack the measurements; only finished ones are plotted.
    const needed = trial.status === 'done' ? [...IDENTITY, ...MEASUREMENTS] : IDENTITY;
    const missing = needed.filter((key) => trial[key] === undefined);
    if (missing.length > 0)
      throw new UsageError(
        `${path}:${i + 1} lacks ${missing.join(', ')}; --sweep takes a sweep's .results.jsonl file.`,
      );
    trials.push(trial as SweepTrial);
  }
  return trials;
}
