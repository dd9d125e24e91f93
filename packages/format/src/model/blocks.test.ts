import { describe, expect, it } from 'vitest';
import { blockCount, blockGrid, predictionsFromBlocks, splitBlockCodes } from './blocks.ts';

describe('block geometry (SPEC.md §7.3.1)', () => {
  it('cuts edge blocks short: ⌈extent / block⌉ blocks per axis', () => {
    expect(blockGrid([7, 10, 14], [2, 4, 4])).toEqual([4, 3, 4]);
    expect(blockCount([7, 10, 14], [2, 4, 4])).toBe(48);
    expect(blockCount([0, 10], [1, 4])).toBe(0);
  });

  it('predicts each value from its block’s output at its position within the full block shape', () => {
    // Extent 3 × 5 in blocks of 2 × 2: a 2 × 3 grid, the last row and column of blocks cut short.
    const outputs = 5; // one spare output, so `output` = 1 shifts the window
    const blocks = 6;
    const out = Float32Array.from({ length: blocks * outputs }, (_, k) => k);
    const center = Float64Array.from({ length: blocks }, (_, g) => 1000 * g);
    const spread = new Float64Array(blocks).fill(0.5);
    const p = predictionsFromBlocks(
      { name: 'block-model', output: 1 },
      out,
      outputs,
      center,
      spread,
      [3, 5],
      [2, 2],
    );
    const expected = (y: number, x: number) => {
      const g = Math.floor(y / 2) * 3 + Math.floor(x / 2);
      const c = (y % 2) * 2 + (x % 2);
      return 1000 * g + 0.5 * (g * outputs + 1 + c);
    };
    for (let y = 0; y < 3; y++) for (let x = 0; x < 5; x++) expect(p[y * 5 + x]).toBe(expected(y, x));
  });

  it('rejects a block that needs more outputs than the network has', () => {
    const out = new Float32Array(4);
    expect(() =>
      predictionsFromBlocks(
        { name: 'block-model', output: 1 },
        out,
        4,
        new Float64Array(1),
        new Float64Array(1),
        [2, 2],
        [2, 2],
      ),
    ).toThrow(expect.objectContaining({ _tag: 'MalformedMetadata' }));
  });

  it('splits codes into float32 latents and binary64 centres and spreads', () => {
    const codes = Int32Array.of(1, -2, 30, 4, 5, 6, -7, 8);
    const { input, center, spread } = splitBlockCodes(codes, 2, 0.1, {
      shape: [1, 2],
      centerStep: 0.25,
      spreadStep: 0.01,
    });
    expect(Array.from(input)).toEqual([
      Math.fround(0.1),
      Math.fround(-0.2),
      Math.fround(0.5),
      Math.fround(0.6),
    ]);
    expect(Array.from(center)).toEqual([7.5, -1.75]);
    expect(Array.from(spread)).toEqual([4 * 0.01, 8 * 0.01]);
  });
});
