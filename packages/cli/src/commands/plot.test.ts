import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Field, Table } from '@baler/format';
import { readDataFile, writeDataFile } from '@baler/trainer';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pngSize } from '../plot/png-size.ts';
import { relativeDifferenceStats } from '../plot/stats.ts';
import { runCapturing as run } from '../test-support.ts';
import { parseFrames } from './plot.ts';

const SAMPLE = `${fileURLToPath(new URL('../../../../data/sample/lhcb-sample.h5', import.meta.url))}:/data`;

let shared: string;
let sampleBaler: string;
beforeAll(async () => {
  shared = await mkdtemp(join(tmpdir(), 'baler-plot-shared-'));
  sampleBaler = join(shared, 'sample.baler');
  const compressed = await run(['compress', SAMPLE, '-o', sampleBaler, '-e', 'pwrel=1e-3', '-q']);
  expect(compressed.code).toBe(0);
  return () => rm(shared, { recursive: true, force: true });
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baler-plot-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('baler plot INPUT FILE.baler (table)', () => {
  it('writes one PNG per column, a summary and index.html linking them all relatively', async () => {
    const out = join(dir, 'plots');
    const result = await run(['plot', SAMPLE, sampleBaler, '-o', out, '--json']);
    expect(result.code).toBe(0);
    const table = (await readDataFile(SAMPLE)) as Table;
    const files = (await readdir(out)).sort();
    const columnFiles = files.filter((f) => f.startsWith('column-') && f !== 'columns-summary.png');
    expect(columnFiles).toHaveLength(26);
    expect(columnFiles[0]).toBe('column-00-B_FlightDistance.png');
    expect(columnFiles[25]).toBe('column-25-H3_isMuon.png');
    expect(files).toContain('columns-summary.png');
    expect(files).toContain('index.html');
    expect(pngSize(await readFile(join(out, columnFiles[8]!)))).toEqual({ width: 1100, height: 440 });

    // The annotated mean and RMS are those of the decoded values against the input.
    const report = JSON.parse(result.out);
    const decoded = join(dir, 'decoded.npz');
    expect((await run(['decompress', sampleBaler, '-o', decoded])).code).toBe(0);
    const back = (await readDataFile(decoded)) as Table;
    const px = (t: Table) => new Float64Array(t.columns[2]!.data as Float64Array);
    const expected = relativeDifferenceStats(px(table), px(back));
    expect(report.columns[2]).toMatchObject({ name: 'H1_PX', mean: expected.mean, rms: expected.rms });
    expect(report.columns[2].maxAbs).toBeLessThanOrEqual(1e-3);
    expect(report.columns[7]).toMatchObject({ name: 'H1_Charge', maxAbs: 0 });

    const html = await readFile(join(out, 'index.html'), 'utf8');
    const links = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(26);
    for (const link of links) expect(link).not.toMatch(/^(\/|[a-z]+:)/);
    for (const f of columnFiles) expect(links).toContain(f);
  });

  it('refuses an INPUT that is not what the file was compressed from, and a non-empty DIR without --force', async () => {
    const table = (await readDataFile(SAMPLE)) as Table;
    const renamed = join(dir, 'renamed.npz');
    await writeDataFile(renamed, {
      ...table,
      columns: table.columns.map((c, j) => (j === 3 ? { ...c, name: 'H1_PY_renamed' } : c)),
    });
    const mismatch = await run(['plot', renamed, sampleBaler, '-o', join(dir, 'a')]);
    expect(mismatch.code).toBe(2);
    expect(mismatch.err).toMatch(
      /different columns \(only in .*renamed.npz: H1_PY_renamed; only in .*sample.baler: H1_PY\)/,
    );
    expect(mismatch.err).toMatch(/Pass the INPUT the .baler file was compressed from/);
    await expect(stat(join(dir, 'a'))).rejects.toThrow(/ENOENT/);

    const fewer = join(dir, 'fewer.npz');
    await writeDataFile(fewer, {
      ...table,
      rowCount: 10,
      columns: table.columns.map((c) => ({ ...c, data: (c.data as Float64Array).slice(0, 10) })),
    });
    const rows = await run(['plot', fewer, sampleBaler, '-o', join(dir, 'b')]);
    expect(rows.code).toBe(2);
    expect(rows.err).toMatch(/has 10 rows but .* holds 1000/);

    await writeFile(join(dir, 'keep.txt'), 'mine');
    const busy = await run(['plot', SAMPLE, sampleBaler, '-o', dir]);
    expect(busy.code).toBe(2);
    expect(busy.err).toMatch(/not empty; pass --force/);
    expect(await readFile(join(dir, 'keep.txt'), 'utf8')).toBe('mine');
  });

  it('says what is missing when there is nothing to plot or no -o', async () => {
    expect((await run(['plot', '-o', dir])).err).toMatch(/nothing to plot/);
    expect((await run(['plot', SAMPLE, sampleBaler])).err).toMatch(/missing -o DIR/);
    expect((await run(['plot', SAMPLE, '-o', dir])).err).toMatch(/expected INPUT and FILE.baler/);
    expect((await run(['plot', SAMPLE, sampleBaler, '-o', dir, '--frames', '1'])).err).toMatch(
      /--frames picks frames of a field/,
    );
  });
});

describe('baler plot INPUT FILE.baler (field)', () => {
  it('writes the chosen frames as original / reconstructed / difference figures and a slider page', async () => {
    const data = Float32Array.from({ length: 5 * 12 * 20 }, (_, i) => Math.sin(i / 7) + (i % 20) / 40);
    const field: Field = { kind: 'field', shape: [5, 12, 20], dtype: 'float32', data, attributes: {} };
    const input = join(dir, 'field.npy');
    const file = join(dir, 'field.baler');
    await writeDataFile(input, field);
    expect((await run(['compress', input, '-o', file, '-e', 'abs=1e-2', '-q'])).code).toBe(0);
    const out = join(dir, 'plots');
    const result = await run(['plot', input, file, '-o', out, '--frames', '0,4']);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^wrote 2 PNGs and .*index.html in/);
    expect((await readdir(out)).sort()).toEqual(['frame-0.png', 'frame-4.png', 'index.html']);
    expect(pngSize(await readFile(join(out, 'frame-4.png')))).toEqual({ width: 1390, height: 290 });
    const html = await readFile(join(out, 'index.html'), 'utf8');
    expect(html).toContain('type="range"');
    expect(html).toContain('["frame-0.png","frame-4.png"]');

    const wrongShape = join(dir, 'other.npy');
    await writeDataFile(wrongShape, { ...field, shape: [5, 20, 12] });
    const refused = await run(['plot', wrongShape, file, '-o', join(dir, 'x')]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/has shape 5 × 20 × 12 but .* holds 5 × 12 × 20/);
  });

  it('parses --frames as all, a list or a range, within the frame count', () => {
    expect(parseFrames('all', 3)).toEqual([0, 1, 2]);
    expect(parseFrames('2,0,2', 3)).toEqual([2, 0]);
    expect(parseFrames('1:', 4)).toEqual([1, 2, 3]);
    expect(parseFrames(':2', 4)).toEqual([0, 1]);
    expect(() => parseFrames('5', 3)).toThrow(/frames 0 to 2, got "5"/);
    expect(() => parseFrames('a', 3)).toThrow(/--frames takes/);
  });
});

describe('baler plot --model / --sweep', () => {
  it('draws loss curves from a training log and Pareto plots from finished sweep trials', async () => {
    const model = join(dir, 'model');
    await run(['plot', '--model', model, '-o', join(dir, 'none')]).then((r) => {
      expect(r.code).toBe(2);
      expect(r.err).toMatch(
        /training-log.jsonl: no such file; --model takes a directory written by 'baler train'/,
      );
    });
    const { mkdir } = await import('node:fs/promises');
    await mkdir(model);
    const log = [0.9, 0.5, 0.3, 0.35].map((loss, i) => ({
      epoch: i + 1,
      loss,
      validationLoss: loss * 1.1,
      seconds: 0.1,
      learningRate: 1e-3,
    }));
    await writeFile(join(model, 'training-log.jsonl'), `${log.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const sweep = join(dir, 'lhcb.results.jsonl');
    const trial = (id: string, status: string, ratio: number, rel: number, speed: number) =>
      JSON.stringify({
        trial: id,
        status,
        config: {},
        bound: 'pwrel=1e-3',
        bytes: 1000,
        ratio,
        maxAbsError: 99,
        maxRelError: rel,
        trainSeconds: 1,
        decodeMBps: speed,
      });
    await writeFile(
      sweep,
      [
        trial('t1', 'done', 3, 1e-4, 20),
        trial('t2', 'done', 4, 5e-4, 10),
        trial('t3', 'failed', 9, 0, 99),
      ].join('\n'),
    );
    const out = join(dir, 'plots');
    const result = await run(['plot', '--model', model, '--sweep', sweep, '-o', out, '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toMatchObject({ loss: { epochs: 4, bestEpoch: 3 }, pngs: 3 });
    expect((await readdir(out)).sort()).toEqual([
      'index.html',
      'loss.png',
      'pareto-ratio-error.png',
      'pareto-ratio-speed.png',
    ]);
    expect(await readFile(join(out, 'index.html'), 'utf8')).toContain('2 finished trials');
  });
});
