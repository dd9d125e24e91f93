import { describe, expect, it } from 'vitest';
import { defaultFrames, frameFileName, frameLayout } from './field.ts';

describe('frameLayout', () => {
  it('cuts frames along the first axis and images the last two, drawing the first slice of middle axes', () => {
    expect(frameLayout([60, 50, 40])).toEqual({
      frames: 60,
      rows: 50,
      cols: 40,
      frameStride: 2000,
      sliceText: '[k, :, :]',
    });
    expect(frameLayout([3, 2, 10, 12])).toMatchObject({
      frames: 3,
      rows: 10,
      cols: 12,
      frameStride: 240,
      sliceText: '[k, 0, :, :]',
    });
    expect(frameLayout([40, 60])).toMatchObject({ frames: 1, rows: 40, cols: 60 });
    expect(() => frameLayout([5])).toThrow(/two axes/);
  });
});

describe('defaultFrames and frameFileName', () => {
  it('takes every frame up to 60, else 60 evenly spaced from the first to the last', () => {
    expect(defaultFrames(3)).toEqual([0, 1, 2]);
    const frames = defaultFrames(1000);
    expect(frames).toHaveLength(60);
    expect([frames[0], frames.at(-1)]).toEqual([0, 999]);
    expect(frames.every((k, i) => i === 0 || k > frames[i - 1]!)).toBe(true);
  });

  it('pads frame numbers so that names sort in frame order', () => {
    expect(frameFileName(7, 60)).toBe('frame-07.png');
    expect(frameFileName(7, 1000)).toBe('frame-007.png');
    expect(frameFileName(0, 1)).toBe('frame-0.png');
  });
});
