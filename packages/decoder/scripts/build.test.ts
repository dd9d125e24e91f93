import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MemorySink, writeExactDataset } from '@baler/format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBrowserBundle } from './build.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baler-bundle-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the browser bundle', () => {
  it('is one small ES module without Node built-ins that decodes a file', async () => {
    const bundle = await buildBrowserBundle(join(dir, 'baler-decoder.js'));
    expect(bundle.gzipBytes).toBeLessThanOrEqual(30_000);
    const code = await readFile(bundle.path, 'utf8');
    expect(code).not.toMatch(/["']node:/);
    expect(code).not.toMatch(/\brequire\(/);

    const decoder = (await import(pathToFileURL(bundle.path).href)) as typeof import('../src/index.ts');
    const sink = new MemorySink();
    const data = Float64Array.from({ length: 300 }, (_, i) => i / 7);
    await writeExactDataset(
      { kind: 'field', shape: [30, 10], dtype: 'float64', data, attributes: {} },
      sink,
      {
        chunkRows: 4,
      },
    );
    const reader = await decoder.openBytes(sink.bytes());
    const rows = await reader.read({ start: 5, end: 9 });
    expect(rows.kind === 'field' && Array.from(rows.data as Float64Array)).toEqual(
      Array.from(data.subarray(50, 90)),
    );
    expect(Object.keys(decoder).sort()).toEqual(Object.keys(await import('../src/index.ts')).sort());
  }, 30_000);
});
