import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fuzzCorpus, runFuzz } from './fuzz.ts';

const testdata = (name: string) =>
  new Uint8Array(readFileSync(new URL(`model/testdata/${name}`, import.meta.url)));
const networks = { decoder: testdata('tiny-decoder.onnx'), stencil: testdata('stencil-network.onnx') };

describe('corruption fuzz', () => {
  it('ends 10,000 damaged files in a typed error or the exact original data', async () => {
    // The corpus holds files predicted by networks (decoder rows and blocks, a stencil network) besides
    // exact and quantized ones.
    expect((await fuzzCorpus(networks)).length).toBe((await fuzzCorpus()).length + 3);
    const counts = await runFuzz(10_000, 20261124, networks);
    expect(counts.failures.slice(0, 5)).toEqual([]);
    expect(counts.crashes).toBe(0);
    expect(counts.wrongData).toBe(0);
    expect(counts.cases).toBe(10_000);
    // The damage must actually be detected most of the time, or the fuzzer is not biting.
    expect(counts.typedErrors).toBeGreaterThan(8_000);
  }, 120_000);
});
