// The decoder's core: open a .baler file from bytes or any ByteSource, read its description, and decode
// all of it, a row range, or chunk after chunk. Platform-free: no Node built-ins, no DOM beyond fetch.
import type { BalerFile, ByteSource, Dataset, FileSummary } from '@baler/format';
import { bytesSource, openBaler, readDataset, summarizeFile } from '@baler/format';

export interface BalerReader {
  /** What the file holds and its honest byte breakdown. */
  readonly info: FileSummary;
  /** The validated container (metadata, section table, chunk grid). */
  readonly file: BalerFile;
  /** Decodes every row, or rows [start, end) of the first axis, fetching only the chunks that hold them. */
  read(rows?: { start: number; end: number }): Promise<Dataset>;
  /** Decodes the file chunk row by chunk row, for streaming through data larger than memory. */
  chunks(): AsyncGenerator<{ start: number; end: number; data: Dataset }>;
}

/** Opens a .baler file held in memory or behind any ByteSource. Throws the format's typed BalerErrors. */
export async function openBytes(input: Uint8Array | ArrayBuffer | ByteSource): Promise<BalerReader> {
  const source =
    input instanceof Uint8Array
      ? bytesSource(input)
      : input instanceof ArrayBuffer
        ? bytesSource(new Uint8Array(input))
        : input;
  const file = await openBaler(source);
  return {
    info: summarizeFile(file),
    file,
    read: (rows) => readDataset(file, rows ? { rows } : {}),
    async *chunks() {
      const cuts = file.grid.boundaries[0] ?? [0];
      for (let i = 0; i + 1 < cuts.length; i++) {
        const start = cuts[i]!;
        const end = cuts[i + 1]!;
        yield { start, end, data: await readDataset(file, { rows: { start, end } }) };
      }
    },
  };
}
