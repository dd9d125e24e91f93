// The codec benchmark's speed columns, each measured in a fresh process (bench/codec.ts spawns this):
// what the benchmark did before (training networks, the other plan's files) leaves V8's call sites
// polymorphic and its heap full, which slowed these loops by 10–30 %, and a user compresses or decodes a
// file in a process of its own. Prints one JSON line of MB of float32 per second.
// Usage: node --import tsx bench/speed-child.ts compress INPUT BOUND fast|classical
//        node --import tsx bench/speed-child.ts decode FILE.baler
import { readFile } from 'node:fs/promises';
import { bytesSource, MemorySink, openBaler, readDataset, writeDataset } from '@baler/format';
import { compressDataset, parseBound, readDataFile } from '@baler/trainer';

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

const [mode, ...args] = process.argv.slice(2);
if (mode === 'decode' && args[0]) {
  const file = await openBaler(bytesSource(await readFile(args[0])));
  const float32Bytes = 4 * file.metadata.shape.reduce((a, b) => a * b, 1);
  const decode = await secondsOf(() => readDataset(file), 21, 1);
  console.log(JSON.stringify({ decode: float32Bytes / 1e6 / decode }));
} else if (mode === 'compress' && args.length === 3 && (args[2] === 'fast' || args[2] === 'classical')) {
  const [input, boundText, plan] = args as [string, string, string];
  const dataset = await readDataFile(input);
  const bound = parseBound(boundText);
  const fastDecode = plan === 'fast';
  const result = await compressDataset(dataset, { bound, fastDecode });
  const megabytes = result.summary.float32Bytes / 1e6;
  // Planning included: what `baler compress --no-learn` spends, without the final file-level check.
  const planning = await secondsOf(
    () => compressDataset(dataset, { bound, fastDecode, verify: false }),
    3,
    0,
  );
  // Plan given: every stream encoded, decoded back and checked, the file assembled in memory.
  const planGiven = await secondsOf(() => writeDataset(dataset, new MemorySink(), result.plans), 9, 1);
  console.log(JSON.stringify({ planning: megabytes / planning, planGiven: megabytes / planGiven }));
} else {
  throw new Error('usage: speed-child.ts compress INPUT BOUND fast|classical | decode FILE.baler');
}
