import { MemorySink, writeDataset } from '@baler/format';
import { describe, expect, it } from 'vitest';
import { openBytes } from './open.ts';

async function sampleFile() {
  const data = new Float32Array(40 * 6 * 5).map((_, i) => Math.sin(i / 9));
  const field = {
    kind: 'field' as const,
    shape: [40, 6, 5],
    dtype: 'float32' as const,
    data,
    attributes: {},
  };
  const sink = new MemorySink();
  const tolerance = { absolute: 1e-3, relative: 0 };
  await writeDataset(
    field,
    sink,
    [
      {
        method: { name: 'quantized', domain: 'linear', step: 2e-3, predictor: { name: 'lorenzo' } },
        bound: { kind: 'abs', value: 1e-3 },
        tolerance,
      },
    ],
    { chunkRows: 8 },
  );
  return { field, bytes: sink.bytes() };
}

describe('openBytes', () => {
  it('describes the file and decodes it within its bound', async () => {
    const { field, bytes } = await sampleFile();
    const reader = await openBytes(bytes);
    expect(reader.info).toMatchObject({
      kind: 'field',
      shape: [40, 6, 5],
      chunks: 5,
      fileBytes: bytes.length,
    });
    const all = await reader.read();
    expect(all.kind === 'field' && all.data.length).toBe(1200);
    const decoded = (all as { data: Float32Array }).data;
    for (let i = 0; i < decoded.length; i++)
      expect(Math.abs(decoded[i]! - field.data[i]!)).toBeLessThanOrEqual(1e-3);
  });

  it('streams chunk by chunk, and the chunks put together equal the whole', async () => {
    const { bytes } = await sampleFile();
    const reader = await openBytes(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer,
    );
    const whole = (await reader.read()) as { data: Float32Array };
    const pieces: number[] = [];
    let next = 0;
    for await (const chunk of reader.chunks()) {
      expect(chunk.start).toBe(next);
      next = chunk.end;
      pieces.push(...(chunk.data as { data: Float32Array }).data);
    }
    expect(next).toBe(40);
    expect(Float32Array.from(pieces)).toEqual(whole.data);
  });

  it('rejects damaged bytes with the format’s typed error', async () => {
    const { bytes } = await sampleFile();
    const damaged = bytes.slice();
    damaged[100]! ^= 0xff;
    await expect(openBytes(damaged).then((r) => r.read())).rejects.toMatchObject({
      _tag: 'ChecksumMismatch',
    });
  });
});
