import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EpochRecord } from '@baler/trainer';
import { describe, expect, it } from 'vitest';
import { bestEpoch, readTrainingLog, writeLossPlot } from './loss.ts';
import { pngSize } from './png-size.ts';

const record = (epoch: number, loss: number, validationLoss: number | null): EpochRecord => ({
  epoch,
  loss,
  validationLoss,
  seconds: 0.1,
  learningRate: 1e-3 / epoch,
});

describe('loss curves', () => {
  it('takes the best epoch by validation loss, or by training loss without validation', () => {
    expect(bestEpoch([record(1, 0.5, 0.6), record(2, 0.3, 0.7), record(3, 0.2, 0.65)]).epoch).toBe(1);
    expect(bestEpoch([record(1, 0.5, null), record(2, 0.3, null)]).epoch).toBe(2);
  });

  it('reads training-log.jsonl, refuses a damaged one, and draws the figure', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baler-loss-'));
    try {
      await expect(readTrainingLog(dir)).rejects.toThrow(/no such file; --model takes a directory/);
      const log = [record(1, 1, 1.2), record(2, 0.1, 0.2), record(3, 0.01, 0.03)];
      await writeFile(join(dir, 'training-log.jsonl'), log.map((r) => JSON.stringify(r)).join('\n'));
      expect(await readTrainingLog(dir)).toEqual(log);
      const file = await writeLossPlot(log, dir, 'model');
      expect(pngSize(await readFile(file))).toEqual({ width: 900, height: 680 });
      await writeFile(join(dir, 'training-log.jsonl'), '{"epoch": 1}\n');
      await expect(readTrainingLog(dir)).rejects.toThrow(/:1 has no numeric "epoch" and "loss"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
