import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrialResult } from '@baler/trainer';
import { describe, expect, it } from 'vitest';
import { candidatePoints, readSweepResults, sweepPoints, trialError } from './sweep.ts';

const result = (over: Partial<TrialResult>): TrialResult => ({
  trial: 't',
  status: 'done',
  config: {} as TrialResult['config'],
  bound: 'abs=1e-3',
  rung: 0,
  finishedAt: '2026-01-01T00:00:00Z',
  ratio: 5,
  maxAbsError: 1e-3,
  maxRelError: 0.2,
  decodeMBps: 40,
  ...over,
});

describe('sweep results as Pareto points', () => {
  it('judges rel and pwrel trials by relative error and the others by absolute error', () => {
    expect(trialError(result({ bound: 'pwrel=1e-3' }))).toBe(0.2);
    expect(trialError(result({ bound: 'rel=1e-2' }))).toBe(0.2);
    expect(trialError(result({ bound: 'rel=1e-2', maxRangeRelError: 0.01 }))).toBe(0.01);
    expect(trialError(result({ bound: 'abs=1e-3' }))).toBe(1e-3);
  });

  it("places each losing model at its own file's ratio: the trial's ratio × classical / learned bytes", () => {
    const candidate = { learnedBytes: 200, classicalBytes: 100 };
    expect(
      candidatePoints([
        result({ trial: 'lost', modelUsed: false, candidate }),
        result({ trial: 'won', modelUsed: true, candidate }),
        result({ trial: 'none', modelUsed: false, candidate: null }),
        result({ trial: 'broken', status: 'failed', candidate }),
      ]),
    ).toEqual([{ label: 'lost', ratio: 2.5, error: 1e-3, decodeMBps: 40 }]);
    // A losing stencil network would decode far slower than the classical file measured: speed unknown.
    const stencil = result({ trial: 's', modelUsed: false, candidate, config: { model: 'stencil-network' } });
    expect(candidatePoints([stencil])[0]!.decodeMBps).toBeNaN();
  });

  it("plots each trial's latest rung when it finished, and counts the rest by status", () => {
    const { points, skipped } = sweepPoints([
      result({ trial: 'a' }),
      result({ trial: 'b', status: 'stopped-early', rung: 0 }),
      result({ trial: 'b', status: 'done', rung: 1, ratio: 7 }),
      result({ trial: 'c', status: 'stopped-early' }),
      result({ trial: 'd', status: 'failed' }),
    ]);
    expect(points).toEqual([
      { label: 'a', ratio: 5, error: 1e-3, decodeMBps: 40 },
      { label: 'b', ratio: 7, error: 1e-3, decodeMBps: 40 },
    ]);
    expect(skipped).toEqual({ failed: 1, 'stopped-early': 1 });
  });

  it('reads JSON lines without touching the file, and names a bad line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baler-sweep-plot-'));
    try {
      const path = join(dir, 'x.results.jsonl');
      // A failed trial without measurements, and a last line still being written.
      const text = `${JSON.stringify(result({}))}\n\n${JSON.stringify({ trial: 'f', status: 'failed' })}\n{"trial": "g", "sta`;
      await writeFile(path, text);
      expect(await readSweepResults(path)).toHaveLength(2);
      expect(await readFile(path, 'utf8')).toBe(text);
      await writeFile(path, `${JSON.stringify(result({}))}\n{"trial": "x", "status": "done"}\n`);
      await expect(readSweepResults(path)).rejects.toThrow(/x.results.jsonl:2 lacks bound, ratio/);
      await writeFile(path, 'not json\n');
      await expect(readSweepResults(path)).rejects.toThrow(/:1 is not valid JSON/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
