// The decoder's `exports` resolve in real bundlers: esbuild and Vite each bundle an application entry that
// imports '@baler/decoder' by name, for the browser, and the bundle they produce decodes a .baler file.
// In the workspace `exports` point at TypeScript sources, which both bundlers compile on the way.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openBytes } from '@baler/decoder';
import { MemorySink, writeDataset } from '@baler/format';
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ENTRY = fileURLToPath(new URL('fixtures/bundlers/entry.js', import.meta.url));

type DecodeRows = (
  bytes: Uint8Array,
  start: number,
  end: number,
) => Promise<{ shape?: number[]; values?: number[]; error?: string }>;

let dir: string;
let bytes: Uint8Array;
let expected: number[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baler-bundlers-'));
  const data = Float32Array.from({ length: 64 * 8 }, (_, i) => Math.sin(i / 5) * 100);
  const sink = new MemorySink();
  await writeDataset(
    { kind: 'field', shape: [64, 8], dtype: 'float32', data, attributes: {} },
    sink,
    [
      {
        method: { name: 'quantized', domain: 'linear', step: 2e-2, predictor: { name: 'lorenzo' } },
        bound: { kind: 'abs', value: 1e-2 },
        tolerance: { absolute: 1e-2, relative: 0 },
      },
    ],
    { chunkRows: 16 },
  );
  bytes = sink.bytes();
  const rows = await (await openBytes(bytes)).read({ start: 20, end: 22 });
  expected = Array.from(rows.kind === 'field' ? (rows.data as Float32Array) : []);
  expect(expected).toHaveLength(16);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Loads a bundle, checks it imports no Node built-ins, and decodes with it. */
async function runBundle(path: string) {
  const code = await readFile(path, 'utf8');
  expect(code).not.toMatch(/["']node:/);
  expect(code).not.toMatch(/\brequire\(/);
  const { decodeRows } = (await import(pathToFileURL(path).href)) as { decodeRows: DecodeRows };
  expect(await decodeRows(bytes, 20, 22)).toEqual({ shape: [64, 8], values: expected });
  const damaged = bytes.slice();
  damaged[40]! ^= 0x01;
  expect(await decodeRows(damaged, 0, 1)).toEqual({ error: 'ChecksumMismatch' });
  return code.length;
}

describe("bundlers resolve '@baler/decoder' for the browser", () => {
  it('esbuild', async () => {
    const outfile = join(dir, 'esbuild', 'app.js');
    const result = await esbuild({
      entryPoints: [ENTRY],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      minify: true,
      outfile,
      metafile: true,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    // Self-contained: no import left for a browser to resolve (fflate's Node build would need worker_threads).
    expect(Object.values(result.metafile.outputs)[0]!.imports).toEqual([]);
    expect(await runBundle(outfile)).toBeLessThan(100_000);
  }, 30_000);

  it('Vite (library build)', async () => {
    const outDir = join(dir, 'vite');
    const output = await viteBuild({
      configFile: false,
      logLevel: 'silent',
      root: dir,
      build: {
        outDir,
        emptyOutDir: true,
        lib: { entry: ENTRY, formats: ['es'], fileName: () => 'app.js' },
      },
    });
    const chunks = (Array.isArray(output) ? output : [output]).flatMap((o) =>
      'output' in o ? o.output : [],
    );
    expect(chunks.map((c) => c.fileName)).toEqual(['app.js']);
    const chunk = chunks[0]!;
    expect(chunk.type === 'chunk' && [...chunk.imports, ...chunk.dynamicImports]).toEqual([]);
    expect(await readdir(outDir)).toEqual(['app.js']);
    // Vite's library build is not minified: a guard against pulling in a dependency, not the budget
    // (which is the decoder bench's ≤ 30 KB gzipped).
    expect(await runBundle(join(outDir, 'app.js'))).toBeLessThan(110_000);
  }, 60_000);
});
