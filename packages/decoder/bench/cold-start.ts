// Cold start in Node: a fresh process that imports the decoder, opens a .baler file and decodes its first
// chunk, timed from spawn to exit — what a user's script or a serverless function pays on every start.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** What the fresh process runs; `performance.now()` counts from the process's own start. */
const CHILD = `
const importStart = performance.now();
const { openFile } = await import(process.env.BALER_DECODER);
const opened = performance.now();
const reader = await openFile(process.env.BALER_FILE);
const first = await reader.chunks().next();
await reader.close();
if (first.done) throw new Error('no chunk');
const done = performance.now();
console.log(JSON.stringify({ node: importStart, importMs: opened - importStart, openReadMs: done - opened }));
`;

export interface ColdStart {
  /** Spawn to exit, median. */
  wallMs: number;
  /** Inside the process: Node's own start, the import, open + first chunk (medians). */
  nodeMs: number;
  importMs: number;
  openReadMs: number;
}

/**
 * Bundles `@baler/decoder/node` (or, with `entry` 'index', `@baler/decoder` itself) as a published package
 * would ship it: one ES module, dependencies inlined.
 */
export async function buildNodeEntry(outfile: string, entry: 'node' | 'index' = 'node'): Promise<string> {
  await build({
    entryPoints: [fileURLToPath(new URL(`../src/${entry}.ts`, import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

/** Spawn to exit of a node process that does nothing: the floor under every cold start (median). */
export function measureEmptyNode(runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    spawnSync(process.execPath, ['--input-type=module', '-e', ''], { encoding: 'utf8' });
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[runs >> 1]!;
}

/** Runs `runs` fresh processes importing `specifier` (with `nodeArgs`, e.g. tsx's loader) and opening `file`. */
export function measureColdStart(
  specifier: string,
  file: string,
  runs: number,
  nodeArgs: string[] = [],
  cwd?: string,
): ColdStart {
  const samples: { wallMs: number; node: number; importMs: number; openReadMs: number }[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const start = performance.now();
    const child = spawnSync(process.execPath, [...nodeArgs, '--input-type=module', '-e', CHILD], {
      env: { ...process.env, BALER_DECODER: specifier, BALER_FILE: file },
      encoding: 'utf8',
      ...(cwd ? { cwd } : {}),
    });
    const wallMs = performance.now() - start;
    if (child.status !== 0) throw new Error(`cold-start process failed: ${child.stderr}`);
    if (i > 0) samples.push({ wallMs, ...JSON.parse(child.stdout) }); // the first run warms the disk cache
  }
  const median = (pick: (s: (typeof samples)[number]) => number) =>
    samples.map(pick).sort((a, b) => a - b)[samples.length >> 1]!;
  return {
    wallMs: median((s) => s.wallMs),
    nodeMs: median((s) => s.node),
    importMs: median((s) => s.importMs),
    openReadMs: median((s) => s.openReadMs),
  };
}

/**
 * Steady-state decode throughput of `file` (MB of float32 per second of reader.read(), median of `runs`)
 * in a fresh process that imports `entry` (the bundled @baler/decoder) and opens the file's bytes in
 * memory: decoding alone, unaffected by disk reads and by what this benchmark did before. It decodes for
 * a second first, so that the JIT has optimised the loops (on a 0.6 MB file, a couple of warm-up reads
 * leave them ~20 % slower).
 */
export function measureThroughput(entry: string, file: string, runs: number): number {
  const child = `
const { readFileSync } = await import('node:fs');
const { openBytes } = await import(process.env.BALER_DECODER);
const reader = await openBytes(readFileSync(process.env.BALER_FILE));
for (const start = performance.now(); performance.now() - start < 1000; ) await reader.read();
const seconds = [];
for (let i = 0; i < Number(process.env.BALER_RUNS); i++) {
  const start = performance.now();
  await reader.read();
  seconds.push((performance.now() - start) / 1000);
}
seconds.sort((a, b) => a - b);
console.log(JSON.stringify(reader.info.float32Bytes / 1e6 / seconds[seconds.length >> 1]));
`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', child], {
    env: { ...process.env, BALER_DECODER: entry, BALER_FILE: file, BALER_RUNS: String(runs) },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`the throughput child failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as number;
}
