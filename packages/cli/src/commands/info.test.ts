import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StreamPlan } from '@baler/format';
import { MemorySink, writeDataset } from '@baler/format';
import { fixtureStencilOffsets, randomDenseNetwork, sampleField } from '@baler/format/testing';
import { denseNetworkToOnnx } from '@baler/trainer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCapturing as run } from '../test-support.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baler-info-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const stencil = { offsets: fixtureStencilOffsets(), weights: [0.9, 0.8, -0.7, 0.2, -0.1] };

/** A field stored with `predictor` (SPEC.md §7.2), written to DIR/NAME. */
async function writeField(name: string, predictor: object, stencilNetwork?: Uint8Array): Promise<string> {
  const plan: StreamPlan = {
    method: { name: 'quantized', domain: 'linear', step: 0.02, predictor },
    bound: { kind: 'abs', value: 0.01 },
    tolerance: { absolute: 0.01, relative: 0 },
  } as StreamPlan;
  const sink = new MemorySink();
  await writeDataset(sampleField([5, 6, 7]), sink, [plan], {
    chunkShape: [2, 6, 7],
    ...(stencilNetwork ? { stencilNetwork } : {}),
  });
  const path = join(dir, name);
  await writeFile(path, sink.bytes());
  return path;
}

describe('baler info', () => {
  it('says when a stencil network predicts the values, as it sets how slowly the file decodes', async () => {
    const network = denseNetworkToOnnx(randomDenseNetwork([5, 4, 1], ['tanh', 'linear'], 3), {
      weightPrecision: 'int8',
    });
    const withNetwork = await writeField(
      'network.baler',
      { name: 'stencil-network', ...stencil, inputOffset: 0, inputScale: 0.1, outputScale: 0.05 },
      network,
    );
    const result = await run(['info', withNetwork]);
    expect(result.code).toBe(0);
    expect(result.out).toContain(
      'stored as: quantized (adaptive range coder); predicted by a stencil network (slow to decode: the network runs once per value)',
    );

    const classical = await run(['info', await writeField('stencil.baler', { name: 'stencil', ...stencil })]);
    expect(classical.code).toBe(0);
    expect(classical.out).toMatch(/^stored as: quantized \(adaptive range coder\)$/m);
    expect(classical.out).not.toContain('network');
  });
});
