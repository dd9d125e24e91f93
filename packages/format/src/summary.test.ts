import { describe, expect, it } from 'vitest';
import { bytesSource, MemorySink } from './io.ts';
import { openBaler } from './reader.ts';
import { writeExactDataset } from './storage.ts';
import { summarizeFile } from './summary.ts';
import { sampleField, sampleTable } from './testing.ts';

async function summary(dataset: Parameters<typeof writeExactDataset>[0]) {
  const sink = new MemorySink();
  await writeExactDataset(dataset, sink, { chunkRows: 16 });
  return summarizeFile(await openBaler(bytesSource(sink.bytes())));
}

describe('summarizeFile', () => {
  it('accounts for every byte of the file', async () => {
    const s = await summary(sampleTable(40));
    const sectionBytes = s.sections.reduce((n, t) => n + t.storedBytes, 0);
    expect(s.containerBytes + sectionBytes).toBe(s.fileBytes);
    expect(s.sections.find((t) => t.kind === 'exact')?.sections).toBe(3 * 5);
  });

  it('measures the original in its own dtypes and as float32', async () => {
    const s = await summary(sampleField([5, 6, 7]));
    expect(s.originalBytes).toBe(210 * 4);
    expect(s.float32Bytes).toBe(210 * 4);
    expect(s.ratioToFloat32).toBeCloseTo((210 * 4) / s.fileBytes, 12);
    const t = await summary(sampleTable(40));
    const labels = sampleTable(40).columns[4]!.data as string[];
    const textBytes = labels.reduce((n, v) => n + new TextEncoder().encode(v).length, 0);
    expect(t.originalBytes).toBe(40 * (8 + 1 + 4 + 8) + textBytes);
    expect(t.float32Bytes).toBe(40 * 4 * 4 + textBytes);
  });
});
