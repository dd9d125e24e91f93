import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendResult, latestResults, readResults, type TrialResult } from './results.ts';

const line = (trial: string, rung: number, status: TrialResult['status'] = 'done'): TrialResult => ({
  trial,
  status,
  config: { model: 'dense-ae-tiny' },
  bound: 'abs=1e-3',
  rung,
  finishedAt: '2026-01-01T00:00:00.000Z',
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baler-results-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('results file', () => {
  it('is empty before the first trial and keeps lines in order', async () => {
    const path = join(dir, 'r.jsonl');
    expect(await readResults(path)).toEqual([]);
    await appendResult(path, line('a', 0));
    await appendResult(path, line('b', 0));
    expect((await readResults(path)).map((r) => r.trial)).toEqual(['a', 'b']);
  });

  it('cuts a partial last line (a killed writer) so that the next append starts a line', async () => {
    const path = join(dir, 'r.jsonl');
    await appendResult(path, line('a', 0));
    await appendFile(path, '{"trial":"b","sta');
    expect((await readResults(path)).map((r) => r.trial)).toEqual(['a']);
    await appendResult(path, line('c', 0));
    expect((await readResults(path)).map((r) => r.trial)).toEqual(['a', 'c']);
    expect((await readFile(path, 'utf8')).split('\n')).toHaveLength(3);
  });

  it('refuses a damaged line in the middle, naming it', async () => {
    const path = join(dir, 'r.jsonl');
    await appendFile(path, 'not json\n');
    await appendResult(path, line('a', 0));
    await expect(readResults(path)).rejects.toThrow(/r\.jsonl: line 1 is not JSON/);
  });

  it('takes the highest rung of each trial as its result', () => {
    const latest = latestResults([
      line('a', 0, 'stopped-early'),
      line('b', 0, 'stopped-early'),
      line('a', 1),
    ]);
    expect(latest.map((r) => [r.trial, r.rung, r.status])).toEqual([
      ['a', 1, 'done'],
      ['b', 0, 'stopped-early'],
    ]);
  });
});
