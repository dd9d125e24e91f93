import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ParetoPoint, paretoFront, writeParetoPlots } from './pareto.ts';
import { pngSize } from './png-size.ts';

const point = (label: string, ratio: number, error: number, decodeMBps: number): ParetoPoint => ({
  label,
  ratio,
  error,
  decodeMBps,
});

// a: best error, slow; b: better ratio at more error; c: dominated by b on both error and speed;
// d: fastest; e: ties a on ratio with more error (dominated on the error axis only).
const POINTS = [
  point('a', 3, 1e-5, 10),
  point('b', 6, 1e-4, 30),
  point('c', 5, 2e-4, 20),
  point('d', 4, 1e-3, 90),
  point('e', 3, 1e-4, 50),
  point('nan', Number.NaN, 1e-6, 100),
];

describe('paretoFront', () => {
  it('keeps the trials no other trial beats on ratio and error, ordered by error', () => {
    expect(paretoFront(POINTS, 'error').map((p) => p.label)).toEqual(['a', 'b']);
  });

  it('keeps the trials no other trial beats on ratio and decode speed, fastest first', () => {
    expect(paretoFront(POINTS, 'decodeMBps').map((p) => p.label)).toEqual(['d', 'b']);
  });

  it('keeps exact duplicates together and returns nothing for no points', () => {
    expect(paretoFront([point('x', 2, 1, 1), point('y', 2, 1, 1)], 'error')).toHaveLength(2);
    expect(paretoFront([], 'error')).toEqual([]);
  });
});

describe('writeParetoPlots', () => {
  it('writes the two PNGs, also when no trial finished', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baler-pareto-'));
    try {
      const written = await writeParetoPlots(POINTS, dir, 'test sweep');
      expect(written).toEqual([join(dir, 'pareto-ratio-error.png'), join(dir, 'pareto-ratio-speed.png')]);
      expect(pngSize(await readFile(written[0]!))).toEqual({ width: 900, height: 600 });
      expect(await writeParetoPlots([], dir, 'empty')).toHaveLength(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
