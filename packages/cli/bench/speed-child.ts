// One case of the codec benchmark's speed columns, in a fresh process (bench/codec.ts spawns it): what
// the benchmark did before (training networks, the other coder's files) leaves V8's call sites
// polymorphic and its heap full, which slowed these loops by 10–30 %, and a user compresses or decodes a
// file in a process of its own. Prints one JSON line: MB of float32 per second for each measure.
// Usage: node --import tsx bench/speed-child.ts INPUT BOUND fast|classical
import { bytesSource, MemorySink, openBaler, readDataset, writeDataset } from '@baler/format';
import { compressDataset, parseBound, readDataFile } from '@baler/trainer';

const [input, boundText, plan] = process.argv.slice(2);
if (!input || !boundText || (plan !== 'fast' && plan !== 'classical'))
  throw new Error('usage: speed-child.ts INPUT BOUND fast|classical');
const dataset = await readDataFile(input);
const bound = parseBound(boundText);
const fastDecode = plan === 'fast';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

/** Median seconds of `run` over `runs` runs, after `warmUp` seconds of running it (the JIT settles). */
async function secondsOf(run: () => Promise<unknown>, runs: number, warmUp: number): Promise<number> {
  for (const start = performance.now(); performance.now() - start < warmUp * 1000; ) await run();
  const seconds: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t = performance.now();
    await run();
    seconds.push((performance.now() - t) / 1000);
  }
  return median(seconds);
}

const result = await compressDataset(dataset, { bound, fastDecode });
const megabytes = result.summary.float32Bytes / 1e6;
// Planning included: what `baler compress --no-learn` spends, without the final file-level check.
const planning = await secondsOf(() => compressDataset(dataset, { bound, fastDecode, verify: false }), 3, 0);
// Plan given: every stream encoded, decoded back and checked, the file assembled in memory.
const planGiven = await secondsOf(() => writeDataset(dataset, new MemorySink(), result.plans), 9, 1);
const file = await openBaler(bytesSource(result.bytes));
const decode = await secondsOf(() => readDataset(file), 9, 1);
console.log(
  JSON.stringify({
    planning: megabytes / planning,
    planGiven: megabytes / planGiven,
    decode: megabytes / decode,
  }),
);
