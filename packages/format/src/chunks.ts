// The chunk grid (SPEC.md §6): for each dimension, the boundaries where chunks split it. Chunks are the
// cells of that grid, numbered in C order. A table splits only its rows; a field may split every axis.
// A grid covers the array exactly once by construction, so no reader can be led to leave holes.
import { formatErrors } from './errors.ts';
import { getUint64, LIMITS, setUint64 } from './layout.ts';

export interface ChunkGrid {
  /** boundaries[d] = [0, b1, ..., shape[d]], strictly increasing (just [0] for an empty axis). */
  boundaries: number[][];
}

export interface ChunkBox {
  index: number;
  start: number[];
  count: number[];
}

/** A grid that splits each axis into pieces of at most `chunkShape[d]` (the last may be shorter). */
export function regularGrid(shape: readonly number[], chunkShape: readonly number[]): ChunkGrid {
  return {
    boundaries: shape.map((extent, d) => {
      const step = Math.max(1, Math.floor(chunkShape[d] ?? extent));
      const cuts = [0];
      for (let at = step; at < extent; at += step) cuts.push(at);
      if (extent > 0) cuts.push(extent);
      return cuts;
    }),
  };
}

export function chunkCount(grid: ChunkGrid): number {
  let n = 1;
  for (const cuts of grid.boundaries) n *= cuts.length - 1;
  return n;
}

/** The position and extent of chunk `index` (C order over the grid). */
export function chunkBox(grid: ChunkGrid, index: number): ChunkBox {
  const rank = grid.boundaries.length;
  const start = new Array<number>(rank);
  const count = new Array<number>(rank);
  let rest = index;
  for (let d = rank - 1; d >= 0; d--) {
    const cuts = grid.boundaries[d]!;
    const n = cuts.length - 1;
    const i = rest % n;
    rest = Math.floor(rest / n);
    start[d] = cuts[i]!;
    count[d] = cuts[i + 1]! - cuts[i]!;
  }
  return { index, start, count };
}

/** Indices of the chunks that hold any of rows [first, end) of axis 0, in C order. */
export function chunksOverlappingRows(grid: ChunkGrid, first: number, end: number): number[] {
  const rows = grid.boundaries[0] ?? [0];
  const perRow = chunkCount({ boundaries: grid.boundaries.slice(1) });
  const result: number[] = [];
  for (let i = 0; i + 1 < rows.length; i++) {
    if (rows[i + 1]! <= first || rows[i]! >= end) continue;
    for (let j = 0; j < perRow; j++) result.push(i * perRow + j);
  }
  return result;
}

export function encodeChunkGrid(grid: ChunkGrid): Uint8Array {
  let size = 4;
  for (const cuts of grid.boundaries) size += 4 + cuts.length * 8;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, grid.boundaries.length, true);
  let at = 4;
  for (const cuts of grid.boundaries) {
    view.setUint32(at, cuts.length - 1, true);
    at += 4;
    for (const cut of cuts) {
      setUint64(view, at, cut);
      at += 8;
    }
  }
  return bytes;
}

/** Decodes the chunk index and checks it against the array's shape from the metadata. */
export function decodeChunkGrid(bytes: Uint8Array, shape: readonly number[]): ChunkGrid {
  const section = 'section "chunk-index"';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (at: number, n: number) => {
    if (at + n > bytes.length)
      throw formatErrors.malformedSection(section, `ends at byte ${bytes.length}, needs ${at + n}`);
  };
  need(0, 4);
  const rank = view.getUint32(0, true);
  if (rank !== shape.length) {
    throw formatErrors.malformedSection(
      section,
      `has rank ${rank} but the metadata shape has rank ${shape.length}`,
    );
  }
  const boundaries: number[][] = [];
  let at = 4;
  for (let d = 0; d < rank; d++) {
    need(at, 4);
    const pieces = view.getUint32(at, true);
    at += 4;
    const extent = shape[d]!;
    const maxPieces = Math.max(extent, 0);
    if (pieces > maxPieces || (extent > 0 && pieces === 0)) {
      throw formatErrors.malformedSection(
        section,
        `axis ${d} of extent ${extent} cannot have ${pieces} chunks`,
      );
    }
    need(at, (pieces + 1) * 8);
    const cuts: number[] = [];
    for (let i = 0; i <= pieces; i++) {
      const cut = getUint64(view, at, `chunk boundary ${i} of axis ${d}`);
      at += 8;
      const previous = cuts[i - 1];
      if ((i === 0 && cut !== 0) || (previous !== undefined && cut <= previous)) {
        throw formatErrors.malformedSection(section, `boundaries of axis ${d} must rise strictly from 0`);
      }
      cuts.push(cut);
    }
    if (cuts[pieces] !== extent) {
      throw formatErrors.malformedSection(
        section,
        `axis ${d} ends at ${cuts[pieces]}, not at its extent ${extent}`,
      );
    }
    boundaries.push(cuts);
  }
  if (at !== bytes.length)
    throw formatErrors.malformedSection(section, `has ${bytes.length - at} trailing bytes`);
  const grid = { boundaries };
  if (chunkCount(grid) > LIMITS.maxSections) {
    throw formatErrors.absurdSize('the chunk count', chunkCount(grid), LIMITS.maxSections);
  }
  return grid;
}
