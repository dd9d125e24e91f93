// Stores a Dataset in a .baler container and reads it back (or any rows of it). This module implements
// the storage methods of SPEC.md §7; v1.0 has `exact`, which keeps every bit of every value.
import type { ChunkGrid } from './chunks.ts';
import { chunkBox, chunksOverlappingRows, regularGrid } from './chunks.ts';
import { CODEC } from './codecs.ts';
import type { ColumnData, Dataset, DType, JsonValue, NumericArray, NumericDType } from './dataset.ts';
import {
  allocateArray,
  arrayToLittleEndianBytes,
  datasetShape,
  dtypeByteSize,
  dtypeOfArray,
  littleEndianBytesToArray,
  shapeSize,
} from './dataset.ts';
import { formatErrors } from './errors.ts';
import type { ByteSink } from './io.ts';
import { SECTION_KIND, sectionLabel } from './layout.ts';
import type { BalerMetadata, ColumnMetadata, ErrorBound } from './metadata.ts';
import type { BalerFile } from './reader.ts';
import { findSections, readSection } from './reader.ts';
import { BalerWriter } from './writer.ts';

/** Values per chunk when the caller does not choose: small enough to stream, large enough to compress. */
export const DEFAULT_CHUNK_VALUES = 1 << 20;

export interface WriteDatasetOptions {
  /** Rows per chunk (tables) or extent of axis 0 per chunk (fields). */
  chunkRows?: number;
  /** Full chunk shape for fields; overrides chunkRows. */
  chunkShape?: number[];
  tool?: string;
  configHash?: string | null;
  source?: string | null;
  model?: JsonValue;
}

export const TOOL_NAME = 'baler 0.1.0';

/** The chunk grid a dataset is written with. */
export function chooseGrid(
  dataset: Dataset,
  options: Pick<WriteDatasetOptions, 'chunkRows' | 'chunkShape'> = {},
): ChunkGrid {
  const shape = datasetShape(dataset);
  const rowValues = Math.max(1, shapeSize(shape.slice(1)));
  const rows = options.chunkRows ?? Math.max(1, Math.floor(DEFAULT_CHUNK_VALUES / rowValues));
  if (dataset.kind === 'table') return regularGrid(shape, [rows, shape[1]!]);
  return regularGrid(shape, options.chunkShape ?? [rows, ...shape.slice(1)]);
}

/** Writes `dataset` losslessly (method `exact`) and returns the file's length in bytes. */
export async function writeExactDataset(
  dataset: Dataset,
  sink: ByteSink,
  options: WriteDatasetOptions = {},
): Promise<number> {
  validateDataset(dataset);
  const grid = chooseGrid(dataset, options);
  const writer = await BalerWriter.start(sink);
  const lossless: ErrorBound = { kind: 'lossless' };
  const chunks = grid.boundaries.reduce((n, cuts) => n * (cuts.length - 1), 1);
  for (let c = 0; c < chunks; c++) {
    const box = chunkBox(grid, c);
    if (dataset.kind === 'table') {
      const [first] = box.start as [number];
      const end = first + box.count[0]!;
      for (let j = 0; j < dataset.columns.length; j++) {
        const column = dataset.columns[j]!;
        await writer.addSection({
          kind: SECTION_KIND.exact,
          chunk: c,
          stream: j,
          ...exactPayload(column.dtype, sliceColumn(column.data, first, end)),
        });
      }
    } else {
      const block = extractBlock(dataset.data, dataset.shape, box.start, box.count);
      await writer.addSection({
        kind: SECTION_KIND.exact,
        chunk: c,
        stream: 0,
        ...exactPayload(dataset.dtype, block),
      });
    }
  }
  const provenance = {
    tool: options.tool ?? TOOL_NAME,
    configHash: options.configHash ?? null,
    source: options.source ?? null,
  };
  const metadata: BalerMetadata =
    dataset.kind === 'table'
      ? {
          kind: 'table',
          shape: [dataset.rowCount, dataset.columns.length],
          columns: dataset.columns.map((c) => ({
            name: c.name,
            dtype: c.dtype,
            method: { name: 'exact' },
            bound: lossless,
          })),
          attributes: dataset.attributes,
          model: options.model ?? null,
          provenance,
        }
      : {
          kind: 'field',
          shape: [...dataset.shape],
          dtype: dataset.dtype,
          method: { name: 'exact' },
          bound: lossless,
          attributes: dataset.attributes,
          model: options.model ?? null,
          provenance,
        };
  return writer.finish(metadata, grid);
}

export interface ReadOptions {
  /** Rows [start, end) of axis 0 (table rows or field frames); all when absent. */
  rows?: { start: number; end: number };
}

/** Decodes the whole dataset, or the rows asked for, reading only the chunks that hold them. */
export async function readDataset(file: BalerFile, options: ReadOptions = {}): Promise<Dataset> {
  const { metadata } = file;
  const total = metadata.shape[0]!;
  const { start, end } = options.rows ?? { start: 0, end: total };
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || end > total) {
    throw formatErrors.badRequest(
      `Rows ${start}:${end} are outside the file's ${total} rows; ask for a range within 0:${total}.`,
    );
  }
  const chunks = chunksOverlappingRows(file.grid, start, end);
  if (metadata.kind === 'table') {
    const rowCount = end - start;
    const out = metadata.columns.map((c) => allocateColumn(c.dtype, rowCount));
    for (const c of chunks) {
      const box = chunkBox(file.grid, c);
      const first = box.start[0]!;
      const count = box.count[0]!;
      const from = Math.max(start, first);
      const to = Math.min(end, first + count);
      for (let j = 0; j < metadata.columns.length; j++) {
        const values = await readExactStream(file, metadata.columns[j]!, c, j, count);
        copyRows(values, from - first, to - first, out[j]!, from - start);
      }
    }
    return {
      kind: 'table',
      rowCount,
      columns: metadata.columns.map((c, j) => ({ name: c.name, dtype: c.dtype, data: out[j]! })),
      attributes: metadata.attributes,
    };
  }
  const shape = [end - start, ...metadata.shape.slice(1)];
  const data = allocateArray(metadata.dtype, shapeSize(shape));
  for (const c of chunks) {
    const box = chunkBox(file.grid, c);
    const column: ColumnMetadata = {
      name: '',
      dtype: metadata.dtype,
      method: metadata.method,
      bound: metadata.bound,
    };
    const block = (await readExactStream(file, column, c, 0, shapeSize(box.count))) as NumericArray;
    insertBlock(block, box.start, box.count, data, shape, start);
  }
  return { kind: 'field', shape, dtype: metadata.dtype, data, attributes: metadata.attributes };
}

async function readExactStream(
  file: BalerFile,
  column: ColumnMetadata,
  chunk: number,
  stream: number,
  count: number,
): Promise<ColumnData> {
  if (column.method.name !== 'exact') throw formatErrors.unsupported('storage method', column.method.name);
  const found = findSections(file, SECTION_KIND.exact, chunk, stream);
  const label = sectionLabel({ kind: SECTION_KIND.exact, chunk, stream });
  if (found.length !== 1)
    throw formatErrors.malformedSection(label, `expected exactly one, found ${found.length}`);
  const entry = found[0]!;
  if (column.dtype !== 'string' && entry.decodedLength !== count * dtypeByteSize(column.dtype)) {
    throw formatErrors.malformedSection(
      label,
      `holds ${entry.decodedLength} bytes, but ${count} ${column.dtype} values need ${count * dtypeByteSize(column.dtype)}`,
    );
  }
  const bytes = await readSection(file, entry);
  return column.dtype === 'string'
    ? decodeStrings(bytes, count, label)
    : littleEndianBytesToArray(bytes, column.dtype);
}

function exactPayload(dtype: DType, data: ColumnData) {
  if (dtype === 'string') return { codec: CODEC.deflate, payload: encodeStrings(data as string[]) };
  const size = dtypeByteSize(dtype);
  return {
    codec: size > 1 ? CODEC.shuffleDeflate : CODEC.deflate,
    elementSize: size,
    payload: arrayToLittleEndianBytes(data as NumericArray),
  };
}

/** Strings: for each value, its UTF-8 byte length as u32 LE, then the bytes (SPEC.md §7.1). */
export function encodeStrings(values: readonly string[]): Uint8Array {
  const encoder = new TextEncoder();
  const encoded = values.map((v) => encoder.encode(v));
  const out = new Uint8Array(encoded.reduce((n, e) => n + 4 + e.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const e of encoded) {
    view.setUint32(at, e.length, true);
    out.set(e, at + 4);
    at += 4 + e.length;
  }
  return out;
}

export function decodeStrings(bytes: Uint8Array, count: number, label: string): string[] {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: string[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 4 > bytes.length)
      throw formatErrors.malformedSection(label, `ends after ${i} of ${count} strings`);
    const length = view.getUint32(at, true);
    if (at + 4 + length > bytes.length)
      throw formatErrors.malformedSection(label, `string ${i} runs past the section`);
    try {
      out.push(decoder.decode(bytes.subarray(at + 4, at + 4 + length)));
    } catch {
      throw formatErrors.malformedSection(label, `string ${i} is not valid UTF-8`);
    }
    at += 4 + length;
  }
  if (at !== bytes.length)
    throw formatErrors.malformedSection(label, `has ${bytes.length - at} bytes after its ${count} strings`);
  return out;
}

function validateDataset(dataset: Dataset): void {
  if (dataset.kind === 'table') {
    for (const column of dataset.columns) {
      if (column.data.length !== dataset.rowCount) {
        throw new RangeError(
          `column "${column.name}" holds ${column.data.length} values, the table has ${dataset.rowCount} rows`,
        );
      }
    }
  } else if (dataset.data.length !== shapeSize(dataset.shape)) {
    throw new RangeError(
      `field data holds ${dataset.data.length} values, its shape [${dataset.shape}] needs ${shapeSize(dataset.shape)}`,
    );
  }
}

function allocateColumn(dtype: DType, length: number): ColumnData {
  return dtype === 'string'
    ? new Array<string>(length).fill('')
    : allocateArray(dtype as NumericDType, length);
}

function sliceColumn(data: ColumnData, start: number, end: number): ColumnData {
  return Array.isArray(data) ? data.slice(start, end) : data.subarray(start, end);
}

function copyRows(src: ColumnData, from: number, to: number, dst: ColumnData, at: number): void {
  if (Array.isArray(src)) {
    for (let i = from; i < to; i++) (dst as string[])[at + i - from] = src[i]!;
  } else {
    (dst as NumericArray).set(src.subarray(from, to) as never, at);
  }
}

/** Copies the block at `start` with extent `count` out of a C-order array of `shape`. */
export function extractBlock(
  data: NumericArray,
  shape: readonly number[],
  start: readonly number[],
  count: readonly number[],
): NumericArray {
  const out = allocateArray(dtypeOfArray(data), shapeSize(count));
  copyBox(
    data,
    shape,
    start,
    out,
    count,
    count.map(() => 0),
    count,
  );
  return out;
}

/** Writes the part of a chunk's block (origin `start`, extent `count`) that falls in rows [row0, row0 + outShape[0]) into `out`. */
function insertBlock(
  block: NumericArray,
  start: readonly number[],
  count: readonly number[],
  out: NumericArray,
  outShape: readonly number[],
  row0: number,
): void {
  const first = Math.max(start[0]!, row0);
  const last = Math.min(start[0]! + count[0]!, row0 + outShape[0]!);
  if (last <= first) return;
  const blockStart = [first - start[0]!, ...count.slice(1).map(() => 0)];
  const outStart = [first - row0, ...start.slice(1)];
  copyBox(block, count, blockStart, out, outShape, outStart, [last - first, ...count.slice(1)]);
}

/** Copies a box of extent `count` from `src` (C order, `srcShape`) at `srcStart` to `dst` at `dstStart`, one contiguous run at a time. */
function copyBox(
  src: NumericArray,
  srcShape: readonly number[],
  srcStart: readonly number[],
  dst: NumericArray,
  dstShape: readonly number[],
  dstStart: readonly number[],
  count: readonly number[],
): void {
  const rank = count.length;
  if (shapeSize(count) === 0) return;
  const runLength = count[rank - 1]!;
  const runs = shapeSize(count.slice(0, -1));
  const index = new Array<number>(rank).fill(0);
  for (let r = 0; r < runs; r++) {
    let from = 0;
    let to = 0;
    for (let d = 0; d < rank; d++) {
      from = from * srcShape[d]! + srcStart[d]! + index[d]!;
      to = to * dstShape[d]! + dstStart[d]! + index[d]!;
    }
    dst.set(src.subarray(from, from + runLength) as never, to);
    for (let d = rank - 2; d >= 0; d--) {
      index[d]!++;
      if (index[d]! < count[d]!) break;
      index[d] = 0;
    }
  }
}
