// Learned field models against the classical predictors on the CFD field, in honest bytes (the decoder's
// weights and every latent counted): the dense frame model of a model directory (compress --model) and
// the block autoencoders compress trains on its own (learn). Every figure is a whole .baler file.
//
//   node --import tsx packages/trainer/bench/field-model.ts [MODEL_DIR]
//
// MODEL_DIR: a frame model trained with
//   node packages/cli/bin/baler.js train ../shared/data/cfd-animation.h5:/data -o MODEL_DIR -k 8 --epochs 200
// (Baler's CFD network, 2500-200-100-50-8 and back); without it the frame-model rows are skipped.
import { fileURLToPath } from 'node:url';
import type { Field } from '@baler/format';
import { compressDataset, loadModelDir, parseBound, readDataFile } from '../src/index.ts';

const CFD = fileURLToPath(new URL('../../../../shared/data/cfd-animation.h5', import.meta.url));
const field = (await readDataFile(`${CFD}:/data`)) as Field;
const modelDir = process.argv[2];
const model = modelDir ? await loadModelDir(modelDir) : undefined;

const rows: string[][] = [['bound', 'candidate', 'learned bytes', 'classical bytes', 'kept']];
for (const text of ['abs=1e-4', 'abs=1e-3']) {
  const bound = parseBound(text);
  const classical = await compressDataset(field, { bound });
  rows.push([text, 'classical only (Lorenzo / stencils)', '', String(classical.bytes.length), '']);
  const trial = async (label: string, options: object) => {
    let learned = 0;
    const started = performance.now();
    const result = await compressDataset(field, {
      bound,
      ...options,
      onProgress: (stage, done) => {
        if (stage === 'learn') learned = done;
      },
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const kept = result.bytes.length < classical.bytes.length;
    rows.push([
      text,
      `${label} (${seconds} s)`,
      String(learned),
      String(classical.bytes.length),
      kept ? 'yes' : 'no',
    ]);
  };
  if (model) await trial(`frame model ${model.config.name} k=${model.config.model.latent}`, { model });
  await trial('compress default: learn (block-ae candidates, best kept)', { learn: true });
  for (const blocks of [
    [1, 5, 5],
    [1, 10, 10],
    [4, 10, 10],
  ]) {
    for (const latent of [2, 8, 16]) {
      await trial(`block-ae ${blocks.join('×')} k=${latent}`, {
        learn: true,
        learnBlocks: { blocks: [blocks], latents: [latent] },
      });
    }
  }
}
const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
for (const row of rows) console.log(row.map((cell, j) => cell.padEnd(widths[j]!)).join('  '));
