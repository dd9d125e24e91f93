// The decoder's core: open a .baler file from bytes or any ByteSource, read its description, and decode
// all of it, a row range, or chunk after chunk. Platform-free: no Node built-ins, no DOM beyond fetch.
import type { BalerFile, ByteSource, Dataset, FileSummary } from '@baler/format';
import { bytesSource, chunksOverlappingRows, openBaler, readDataset, summarizeFile } from '@baler/format';
import type { DecoderEngine } from './engines/engine.ts';
import { readAhead } from './read-ahead.ts';

export interface OpenOptions {
  /**
   * Runs the file's decoder network (default: the built-in canonical kernels). A non-canonical engine such
   * as onnxruntime is accepted for files that allow it (`decoder.anyOrder`, SPEC.md §11.4: every value
   * stays within its bound under any binary32 engine); other files then throw `Unsupported`.
   */
  engine?: DecoderEngine;
}

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
export async function openBytes(
  input: Uint8Array | ArrayBuffer | ByteSource,
  options: OpenOptions = {},
): Promise<BalerReader> {
  const source =
    input instanceof Uint8Array
      ? bytesSource(input)
      : input instanceof ArrayBuffer
        ? bytesSource(new Uint8Array(input))
        : input;
  const file = await openBaler(source);
  const total = file.metadata.shape[0]!;
  /** Reads rows [start, end) with the sections of their chunks fetched in as few reads as possible. */
  const readRows = (start: number, end: number) => {
    const chunks = new Set(chunksOverlappingRows(file.grid, start, end));
    const sections = file.sections.filter((s) => chunks.has(s.chunk));
    return readDataset(
      { ...file, source: readAhead(source, sections) },
      { rows: { start, end }, ...(options.engine ? { engine: options.engine } : {}) },
    );
  };
  return {
    info: summarizeFile(file),
    file,
    read: (rows) => (rows ? readRows(rows.start, rows.end) : readRows(0, total)),
    async *chunks() {
      const cuts = file.grid.boundaries[0] ?? [0];
      for (let i = 0; i + 1 < cuts.length; i++) {
        const start = cuts[i]!;
        const end = cuts[i + 1]!;
        yield { start, end, data: await readRows(start, end) };
      }
    },
  };
}
