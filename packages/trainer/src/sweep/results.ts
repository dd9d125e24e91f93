// The results file of a sweep (experiments/NAME.results.jsonl): one JSON line per evaluation of a trial,
// appended the moment it finishes, so that a sweep killed at any point keeps everything it measured and
// a restart skips it. With successive halving a trial that goes on to a longer rung gets a later line
// for that rung; the latest line of a trial is its result.
import { appendFile, readFile, truncate } from 'node:fs/promises';
import type { TrialConfig } from './trials.ts';

export type TrialStatus = 'done' | 'stopped-early' | 'failed';

export interface ColumnError {
  name: string;
  maxAbsError: number;
  /** Over the non-zero values: |x̂ − x| / |x|, the measure of pwrel bounds. */
  maxRelError: number;
  /** max |x̂ − x| / (max − min), the measure of rel bounds (0 for a constant column). */
  maxRangeRelError: number;
}

/** What one trial measured: the honest file at the bound, its errors, and what it cost. */
export interface TrialMeasurement {
  /** Bytes of the whole .baler file: everything needed to decode, network and latents included. */
  bytes: number;
  /** float32 bytes of the data ÷ `bytes`, as every ratio in Baler. */
  ratio: number;
  maxAbsError: number;
  maxRelError: number;
  maxRangeRelError: number;
  /** Per column (tables), or one entry named "field". */
  columns: ColumnError[];
  /** Did the trial's network win against the classical predictors for any column? */
  modelUsed: boolean;
  /**
   * How the model competed: bytes of the first chunk coded with its predictions and with the classical
   * ones (what compression decides on); null when it offered no candidate, absent for classical trials.
   */
  candidate?: { learnedBytes: number; classicalBytes: number } | null;
  trainSeconds: number;
  /** float32 MB of data decoded per second by @baler/decoder (best of a few reads). */
  decodeMBps: number;
}

export interface TrialResult extends Partial<TrialMeasurement> {
  trial: string;
  /**
   * done: trained its full epochs (or trains nothing); stopped-early: trained only `epochs` of its
   * budget (successive halving did not promote it, unless a later line for a higher rung follows);
   * failed: see `message`.
   */
  status: TrialStatus;
  config: TrialConfig;
  bound: string;
  /**
   * The per-column bounds it compressed with (the definition's `columns`, `*Charge=exact`); absent when
   * there were none. Not in the trial's id: they change what is measured, not what is trained.
   */
  columnBounds?: string[];
  /** The successive-halving rung, from 0. */
  rung: number;
  /** Epochs trained for this evaluation (absent for classical trials). */
  epochs?: number;
  message?: string;
  /** When the evaluation finished (ISO 8601). */
  finishedAt: string;
}

/**
 * The results recorded so far, oldest first; [] if the file does not exist yet. A partial last line
 * (a process killed mid-write) is cut off the file, so that the next append starts on a line of its own;
 * that evaluation simply runs again.
 */
export async function readResults(path: string): Promise<TrialResult[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
  if (complete.length < text.length) await truncate(path, Buffer.byteLength(complete));
  return complete.split('\n').flatMap((line, index) => {
    if (line.trim() === '') return [];
    try {
      return [JSON.parse(line) as TrialResult];
    } catch (error) {
      throw new Error(
        `${path}: line ${index + 1} is not JSON (${(error as Error).message}); fix or remove it`,
      );
    }
  });
}

/** Appends one result as a line (one write call, so lines from one process never interleave). */
export async function appendResult(path: string, result: TrialResult): Promise<void> {
  await appendFile(path, `${JSON.stringify(result)}\n`);
}

/** Key of one evaluation: a trial at a rung. */
export function evaluationKey(trial: string, rung: number): string {
  return `${trial}@${rung}`;
}

/** The latest result of every trial, in the order trials first appear. */
export function latestResults(results: readonly TrialResult[]): TrialResult[] {
  const latest = new Map<string, TrialResult>();
  for (const result of results) {
    const previous = latest.get(result.trial);
    if (!previous || result.rung >= previous.rung) latest.set(result.trial, result);
  }
  return [...latest.values()];
}
