import { describe, expect, it } from 'vitest';
import { newFigure } from './chart.ts';
import { pngSize } from './png-size.ts';

describe('pngSize', () => {
  it('reads the size from the IHDR chunk of an encoded canvas', async () => {
    const { canvas } = newFigure(123, 45);
    expect(pngSize(await canvas.encode('png'))).toEqual({ width: 123, height: 45 });
  });

  it('refuses bytes that are not a PNG', () => {
    expect(() => pngSize(new TextEncoder().encode('GIF89a, not a png at all....'))).toThrow(/not a PNG/);
  });
});
