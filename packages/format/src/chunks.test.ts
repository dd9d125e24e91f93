import { describe, expect, it } from 'vitest';
import {
  chunkBox,
  chunkCount,
  chunksOverlappingRows,
  decodeChunkGrid,
  encodeChunkGrid,
  regularGrid,
} from './chunks.ts';
import { isBalerError } from './errors.ts';

describe('chunk grid', () => {
  it('splits axes into regular pieces with a shorter last piece', () => {
    const grid = regularGrid([10, 7], [4, 7]);
    expect(grid.boundaries).toEqual([
      [0, 4, 8, 10],
      [0, 7],
    ]);
    expect(chunkCount(grid)).toBe(3);
    expect(chunkBox(grid, 2)).toEqual({ index: 2, start: [8, 0], count: [2, 7] });
  });

  it('numbers 3-D blocks in C order and finds those overlapping a row range', () => {
    const grid = regularGrid([5, 6, 7], [2, 4, 7]);
    expect(chunkCount(grid)).toBe(6);
    expect(chunkBox(grid, 3)).toEqual({ index: 3, start: [2, 4, 0], count: [2, 2, 7] });
    expect(chunksOverlappingRows(grid, 1, 3)).toEqual([0, 1, 2, 3]);
    expect(chunksOverlappingRows(grid, 4, 5)).toEqual([4, 5]);
  });

  it('round-trips through its binary form and checks it against the shape', () => {
    const grid = regularGrid([10, 3], [4, 3]);
    expect(decodeChunkGrid(encodeChunkGrid(grid), [10, 3])).toEqual(grid);
    for (const shape of [[11, 3], [10], [10, 4]]) {
      let caught: unknown;
      try {
        decodeChunkGrid(encodeChunkGrid(grid), shape);
      } catch (error) {
        caught = error;
      }
      expect(isBalerError(caught, 'MalformedSection')).toBe(true);
    }
  });

  it('handles an empty axis: no chunks at all', () => {
    const grid = regularGrid([0, 4], [8, 4]);
    expect(chunkCount(grid)).toBe(0);
    expect(decodeChunkGrid(encodeChunkGrid(grid), [0, 4])).toEqual(grid);
  });
});
