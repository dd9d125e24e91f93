import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCapturing as run } from '../test-support.ts';

const SAMPLE = `${fileURLToPath(new URL('../../../../data/sample/lhcb-sample.h5', import.meta.url))}:/data`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baler-train-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('baler train', () => {
  it('writes a model directory, reports the backend on stderr, and resumes with --resume', async () => {
    const model = join(dir, 'model');
    const result = await run([
      'train',
      SAMPLE,
      '-o',
      model,
      '--model',
      'dense-ae-slim',
      '--latent',
      '8',
      '--epochs',
      '2',
      '--seed',
      '3',
    ]);
    expect(result.err).toBe('baler: training on tfjs wasm backend (SIMD)');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(
      /^trained dense-ae-slim \(26-64-32-8-32-64-26, [\d,]+ parameters\) on .* \(table 1000 × 26\)/,
    );
    expect((await readdir(model)).sort()).toEqual([
      'checkpoint',
      'config.json',
      'decoder.onnx',
      'normalization.json',
      'training-log.jsonl',
      'weights.bin',
      'weights.json',
    ]);
    const config = JSON.parse(await readFile(join(model, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      name: 'dense-ae-slim',
      seed: 3,
      model: { latent: 8 },
      training: { epochs: 2 },
    });
    expect(config.trainingSha256).toMatch(/^[0-9a-f]{64}$/);

    const resumed = await run([
      'train',
      SAMPLE,
      '-o',
      model,
      '--resume',
      '--epochs',
      '3',
      '--json',
      '--quiet',
    ]);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.out)).toMatchObject({
      epochs: 3,
      model: 'dense-ae-slim',
      layers: [26, 64, 32, 8, 32, 64, 26],
    });
    expect((await readFile(join(model, 'training-log.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(3);
  });

  it('refuses a non-empty directory unless --force, and then keeps files that are not its own', async () => {
    await writeFile(join(dir, 'notes.txt'), 'mine');
    const refused = await run(['train', SAMPLE, '-o', dir, '--epochs', '1']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/exists and is not empty; pass --force .* --resume/);
    const forced = await run([
      'train',
      SAMPLE,
      '-o',
      dir,
      '--epochs',
      '1',
      '--model',
      'dense-ae-tiny',
      '--force',
      '--quiet',
    ]);
    expect(forced.code).toBe(0);
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('exits 2 with a clear message for bad input', async () => {
    const model = join(dir, 'model');
    const cases: [string[], RegExp][] = [
      [['train', SAMPLE], /missing -o MODEL_DIR/],
      [['train', SAMPLE, '-o', model, '--epochs', '0'], /--epochs takes a whole number ≥ 1, got "0"/],
      [['train', SAMPLE, '-o', model, '--model', 'resnet'], /unknown model "resnet"; models: dense-ae/],
      [
        ['train', SAMPLE, '-o', model, '--backend', 'gpu'],
        /--backend takes one of auto, tensorflow, wasm, cpu/,
      ],
      [['train', SAMPLE, '-o', model, '--resume'], /has no checkpoint to resume from/],
      [['train', join(dir, 'missing.h5'), '-o', model], /missing\.h5: no such file/],
      [
        ['train', SAMPLE, '-o', model, '--latent', '13', '--resume'],
        /only --epochs may change \(drop --latent\)/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = await run(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.err).toMatch(message);
    }
    await mkdir(join(dir, 'cfg'));
    const configFile = join(dir, 'cfg', 'bad.json');
    await writeFile(configFile, '{"training": {"epoch": 3}}');
    const badConfig = await run(['train', SAMPLE, '-o', model, '--config', configFile, '--quiet']);
    expect(badConfig.code).toBe(2);
    expect(badConfig.err).toMatch(/unknown training setting epoch/);
  });

  it('refuses a latent size that is not below the values per sample, before touching MODEL_DIR', async () => {
    const model = join(dir, 'model');
    await mkdir(model);
    await writeFile(join(model, 'config.json'), '{}');
    const wide = await run(['train', SAMPLE, '-o', model, '-k', '100', '--force', '--quiet']);
    expect(wide).toMatchObject({
      code: 2,
      err: `baler: --latent 100 is not below the 26 columns of ${SAMPLE}: an autoencoder's bottleneck must be narrower than its input. Pick -k from 1 to 25 (default 13).`,
    });
    expect(await readdir(model)).toEqual(['config.json']);
    expect((await run(['train', SAMPLE, '-o', model, '-k', '26', '--quiet'])).err).toMatch(
      /--latent 26 is not below the 26 columns/,
    );
    const configFile = join(dir, 'wide.json');
    await writeFile(configFile, '{"model": {"latent": 30}}');
    const fromConfig = await run(['train', SAMPLE, '-o', join(dir, 'm2'), '--config', configFile, '--quiet']);
    expect(fromConfig.code).toBe(2);
    expect(fromConfig.err).toMatch(/"latent": 30 in .*wide\.json is not below the 26 columns/);
  });

  it('lists the models in --help', async () => {
    const result = await run(['train', '--help']);
    expect(result.code).toBe(0);
    for (const name of ['dense-ae', 'dense-ae-slim', 'dense-ae-tiny', '--resume', '--latent', '--config'])
      expect(result.out).toContain(name);
  });
});
