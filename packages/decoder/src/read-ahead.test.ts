import type { ByteSource } from '@baler/format';
import { bytesSource, MemorySink, openBaler, readDataset, writeExactDataset } from '@baler/format';
import { describe, expect, it } from 'vitest';
import { readAhead } from './read-ahead.ts';

async function tableFile() {
  const rows = 1000;
  const sink = new MemorySink();
  await writeExactDataset(
    {
      kind: 'table',
      rowCount: rows,
      columns: [
        { name: 'x', dtype: 'float64', data: Float64Array.from({ length: rows }, (_, i) => Math.cos(i)) },
        { name: 'n', dtype: 'int32', data: Int32Array.from({ length: rows }, (_, i) => i) },
      ],
      attributes: {},
    },
    sink,
    { chunkRows: 100 },
  );
  return sink.bytes();
}

function counting(bytes: Uint8Array) {
  const reads: [number, number][] = [];
  const inner = bytesSource(bytes);
  const source: ByteSource = {
    size: inner.size,
    read: (offset, length) => {
      reads.push([offset, length]);
      return inner.read(offset, length);
    },
  };
  return { source, reads };
}

describe('readAhead', () => {
  it('reads a run of adjacent sections at once and decodes the same values', async () => {
    const bytes = await tableFile();
    const file = await openBaler(bytesSource(bytes));
    const { source, reads } = counting(bytes);
    const chunkSections = file.sections.filter((s) => s.chunk >= 3 && s.chunk <= 5);
    const part = await readDataset(
      { ...file, source: readAhead(source, chunkSections) },
      { rows: { start: 350, end: 520 } },
    );
    expect(part).toEqual(await readDataset(file, { rows: { start: 350, end: 520 } }));
    const first = chunkSections[0]!;
    const last = chunkSections.at(-1)!;
    expect(reads).toEqual([[first.offset, last.offset + last.storedLength - first.offset]]);
  });

  it('never fetches more than its window at once, beyond the section asked for', async () => {
    const bytes = await tableFile();
    const file = await openBaler(bytesSource(bytes));
    const { source, reads } = counting(bytes);
    const sections = file.sections.filter((s) => s.chunk !== 0xffffffff);
    const biggest = Math.max(...sections.map((s) => s.storedLength));
    const stored = sections.reduce((n, s) => n + s.storedLength, 0);
    const whole = await readDataset({ ...file, source: readAhead(source, sections, biggest * 2) });
    expect(whole).toEqual(await readDataset(file));
    expect(reads.length).toBeGreaterThanOrEqual(Math.ceil(stored / (biggest * 2)));
    expect(reads.length).toBeLessThan(sections.length);
    for (const [, length] of reads) expect(length).toBeLessThanOrEqual(biggest * 2);
  });

  it('passes reads of anything else straight through, and leaves short reads for the reader to report', async () => {
    const bytes = await tableFile();
    const file = await openBaler(bytesSource(bytes));
    const { source, reads } = counting(bytes);
    const ahead = readAhead(source, file.sections.slice(0, 4));
    expect(await ahead.read(3, 5)).toEqual(bytes.subarray(3, 8));
    expect(reads).toEqual([[3, 5]]);

    // A source that returns one byte too few: the section asked for comes back short, as it would unwrapped.
    const short: ByteSource = { size: bytes.length, read: async (o, n) => bytes.subarray(o, o + n - 1) };
    const entry = file.sections.find((s) => s.chunk === 9 && s.stream === 1)!;
    const ahead2 = readAhead(short, [entry]);
    expect((await ahead2.read(entry.offset, entry.storedLength)).length).toBe(entry.storedLength - 1);
    await expect(
      readDataset({ ...file, source: ahead2 }, { rows: { start: 900, end: 1000 } }),
    ).rejects.toMatchObject({ _tag: 'Truncated' });
  });
});
