// The long corruption fuzz run: `npm run fuzz -- [cases] [seed]` (default 100,000 cases, seed 1).
import { readFileSync } from 'node:fs';
import { runFuzz } from '../src/fuzz.ts';

// Files predicted by networks join the corpus through the committed test networks.
const testdata = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../src/model/testdata/${name}`, import.meta.url)));
const networks = { decoder: testdata('tiny-decoder.onnx'), stencil: testdata('stencil-network.onnx') };

const cases = Number(process.argv[2] ?? 100_000);
const seed = Number(process.argv[3] ?? 1);
const started = performance.now();
const counts = await runFuzz(cases, seed, networks);
const seconds = (performance.now() - started) / 1000;
console.log(`fuzz: ${counts.cases} cases (seed ${seed}) in ${seconds.toFixed(1)} s`);
console.log(`  typed errors: ${counts.typedErrors}  ${JSON.stringify(counts.errorTags)}`);
console.log(`  decoded identical: ${counts.identical}`);
console.log(`  decoded consistent after re-checksummed structural damage: ${counts.consistent}`);
console.log(`  wrong data: ${counts.wrongData}`);
console.log(`  crashes: ${counts.crashes}`);
for (const failure of counts.failures.slice(0, 10)) console.log(`  ${failure}`);
process.exitCode = counts.crashes + counts.wrongData === 0 ? 0 : 1;
