import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serializeNpy } from '@baler/trainer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCapturing as run } from '../test-support.ts';

const SAMPLE = `${fileURLToPath(new URL('../../../../data/sample/lhcb-sample.h5', import.meta.url))}:/data`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baler-sweep-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A grid sweep over the sample at abs=1e-2 with this search space; returns its path. */
async function writeDefinition(name: string, space: object): Promise<string> {
  const path = join(dir, name);
  const definition = { dataset: SAMPLE, bound: 'abs=1e-2', search: { strategy: 'grid' }, space };
  await writeFile(path, JSON.stringify(definition));
  return path;
}

describe('baler sweep', () => {
  it('runs two real trials in worker processes, then resumes without running them again', async () => {
    const definition = await writeDefinition('tiny.json', {
      model: ['none', 'dense-ae-tiny'],
      latent: [4],
      epochs: [3],
      batchSize: [128],
    });
    const first = await run(['sweep', definition, '--jobs', '2', '--json']);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.out);
    expect(summary).toMatchObject({
      trials: 2,
      ran: 2,
      skipped: 0,
      failed: [],
      bestModelDir: join(dir, 'tiny.best'),
    });
    const lines = (await readFile(join(dir, 'tiny.results.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.config.model, l.status])).toEqual(
      expect.arrayContaining([
        ['none', 'done'],
        ['dense-ae-tiny', 'done'],
      ]),
    );
    for (const line of lines) {
      expect(line.bytes).toBeGreaterThan(0);
      expect(line.ratio).toBeGreaterThan(1);
      expect(line.maxAbsError).toBeLessThanOrEqual(1e-2);
      expect(line.columns).toHaveLength(26);
      expect(line.decodeMBps).toBeGreaterThan(0);
    }
    const trained = lines.find((l) => l.config.model === 'dense-ae-tiny');
    expect(trained.trainSeconds).toBeGreaterThan(0);
    expect(trained.candidate.classicalBytes).toBeGreaterThan(0);
    // The best trained model is kept, ready for compress --model, and the plots are written.
    expect(await readdir(join(dir, 'tiny.best'))).toEqual(
      expect.arrayContaining(['config.json', 'weights.bin']),
    );
    expect(summary.plots).toHaveLength(2);

    const again = await run(['sweep', definition, '--jobs', '2']);
    expect(again.code).toBe(0);
    expect(again.err).toBe(`resuming: 2 evaluations already in ${join(dir, 'tiny.results.jsonl')}`);
    expect(again.out).toMatch(/2 trials; 0 evaluations run now, 2 recorded before/);
    expect(again.out).toMatch(/Pareto front, ratio vs max \|error\|:\n {2}trial +model/);
    expect((await readFile(join(dir, 'tiny.results.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(2);
  });

  it('refuses "columns" that match no column of the dataset, as compress refuses --column', async () => {
    const path = join(dir, 'columns.json');
    const definition = {
      dataset: SAMPLE,
      bound: 'abs=1e-2',
      columns: ['H1_Charge=exact', 'Charge*=exact'],
      search: { strategy: 'grid' },
      space: { model: ['none'] },
    };
    await writeFile(path, JSON.stringify(definition));
    const unmatched = await run(['sweep', path]);
    expect(unmatched.code).toBe(2);
    expect(unmatched.err).toMatch(
      /^baler: .*columns\.json: \$\.columns\[1\] "Charge\*=exact": Charge\* matches no column; columns are: B_FlightDistance, B_VertexChi2, H1_PX, /,
    );
    await expect(readdir(dir)).resolves.toEqual(['columns.json']);

    const field = join(dir, 'field.npy');
    await writeFile(field, serializeNpy(new Float64Array(4), [2, 2]));
    await writeFile(path, JSON.stringify({ ...definition, dataset: field }));
    expect(await run(['sweep', path])).toMatchObject({
      code: 2,
      err: `baler: ${path}: $.columns[0] "H1_Charge=exact": per-column bounds apply to tables, and this input is a field (one N-dimensional array); remove them.`,
    });
  });

  it('explains a bad definition with its JSON path, and a bad --jobs, with exit code 2', async () => {
    const definition = await writeDefinition('bad.json', { model: ['dense-ae-huge'] });
    const bad = await run(['sweep', definition]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(
      /^baler: .*bad\.json: \$\.space\.model\[0\] is "dense-ae-huge"; allowed: "none", "stencil-network", "dense-ae"/,
    );
    const jobs = await run(['sweep', definition, '--jobs', '0']);
    expect(jobs).toMatchObject({ code: 2, err: 'baler: --jobs takes a whole number ≥ 1, got "0"' });
    const help = await run(['sweep', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^baler sweep experiments\/NAME\.json/);
  });
});
