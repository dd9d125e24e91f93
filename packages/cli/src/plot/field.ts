// The figure of the Baler paper for fields: original, reconstructed and their difference side by side,
// each with its colour bar, one PNG per frame (a slice along the first axis). Original and reconstructed
// share one colour scale and the difference one symmetric scale across all frames drawn, so that frames
// compare with each other when stepped through in the HTML index.
import { join } from 'node:path';
import type { Field } from '@baler/format';
import { font, formatNumber, INK, newFigure, savePng } from './chart.ts';
import { drawColorbar, drawImage, RED_BLUE, VIRIDIS } from './colormap.ts';
import { finiteRange, maxAbsDifference, toFloat64 } from './stats.ts';

/** How a field is cut into images: frames along axis 0, each a rows × cols slice of the last two axes. */
export interface FrameLayout {
  frames: number;
  rows: number;
  cols: number;
  /** Values between consecutive frames (the frame's first slice is drawn when there are middle axes). */
  frameStride: number;
  /** How the slice is described in captions, e.g. "[k, :, :]" or "[k, 0, :, :]". */
  sliceText: string;
}

export function frameLayout(shape: number[]): FrameLayout {
  if (shape.length < 2) throw new RangeError('a field image needs at least two axes');
  if (shape.length === 2)
    return { frames: 1, rows: shape[0]!, cols: shape[1]!, frameStride: 0, sliceText: '[:, :]' };
  const rows = shape.at(-2)!;
  const cols = shape.at(-1)!;
  const middle = shape.slice(1, -2);
  return {
    frames: shape[0]!,
    rows,
    cols,
    frameStride: shape.slice(1).reduce((a, b) => a * b, 1),
    sliceText: `[k, ${middle.map(() => '0, ').join('')}:, :]`,
  };
}

/** The default frames: all of them up to `limit`, else `limit` evenly spaced ones including the last. */
export function defaultFrames(count: number, limit = 60): number[] {
  if (count <= limit) return Array.from({ length: count }, (_, k) => k);
  return [...new Set(Array.from({ length: limit }, (_, i) => Math.round((i * (count - 1)) / (limit - 1))))];
}

export function frameFileName(frame: number, frames: number): string {
  return `frame-${String(frame).padStart(String(Math.max(1, frames - 1)).length, '0')}.png`;
}

export interface FieldPlotResult {
  files: string[];
  frames: number[];
  /** The largest |reconstructed − original| in each frame drawn. */
  maxAbsDifference: number[];
}

const IMAGE = 300;

/**
 * Writes one frame figure per entry of `frames` into outDir. `original` and `reconstructed` must have the
 * same shape (checked by the caller).
 */
export async function writeFieldFrames(
  original: Field,
  reconstructed: Field,
  outDir: string,
  frames: number[],
  onFrame: (done: number) => void = () => {},
): Promise<FieldPlotResult> {
  const layout = frameLayout(original.shape);
  const size = layout.rows * layout.cols;
  const source = toFloat64(original.data);
  const decoded = toFloat64(reconstructed.data);
  const slice = (data: Float64Array, k: number) =>
    data.subarray(k * layout.frameStride, k * layout.frameStride + size);
  let lo = Infinity;
  let hi = -Infinity;
  let diffMax = 0;
  const frameDiffs = frames.map((k) => {
    const range = finiteRange(slice(source, k));
    if (range) [lo, hi] = [Math.min(lo, range[0]), Math.max(hi, range[1])];
    const d = maxAbsDifference(slice(source, k), slice(decoded, k));
    diffMax = Math.max(diffMax, d);
    return d;
  });
  if (!(lo <= hi)) [lo, hi] = [0, 1];
  const diffLimit = diffMax > 0 ? diffMax : 1;
  const scale = IMAGE / Math.max(layout.rows, layout.cols);
  // Very thin slices are stretched to at least 60 px so that they and their colour bars stay readable.
  const w = Math.max(60, Math.round(layout.cols * scale));
  const h = Math.max(60, Math.round(layout.rows * scale));
  const panelWidth = IMAGE + 150;
  const files: string[] = [];
  const pending: Promise<string>[] = [];
  const difference = new Float64Array(size);
  for (const [i, k] of frames.entries()) {
    const { canvas, ctx } = newFigure(40 + 3 * panelWidth, h + 110);
    ctx.fillStyle = INK;
    ctx.font = font(15, 'bold');
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    const sliceText = layout.sliceText.replace('k', String(k));
    ctx.fillText(
      `${layout.frames > 1 ? `frame ${k} (of ${layout.frames}), slice ${sliceText}` : `slice ${sliceText}`}: max |difference| ${formatNumber(frameDiffs[i]!)}`,
      40,
      14,
    );
    const a = slice(source, k);
    const b = slice(decoded, k);
    for (let j = 0; j < size; j++) difference[j] = b[j]! - a[j]!;
    const panels = [
      { title: 'original', values: a, map: VIRIDIS, lo, hi, label: 'value' },
      { title: 'reconstructed', values: b, map: VIRIDIS, lo, hi, label: 'value' },
      {
        title: 'difference (reconstructed − original)',
        values: difference,
        map: RED_BLUE,
        lo: -diffLimit,
        hi: diffLimit,
        label: 'difference',
      },
    ];
    panels.forEach((panel, p) => {
      const x = 40 + p * panelWidth;
      const y = 70;
      ctx.fillStyle = INK;
      ctx.font = font(13);
      ctx.textAlign = 'center';
      ctx.textBaseline = 'bottom';
      ctx.fillText(panel.title, x + w / 2, y - 8);
      drawImage(
        ctx,
        panel.values,
        layout.rows,
        layout.cols,
        { x, y, width: w, height: h },
        panel.map,
        panel.lo,
        panel.hi,
      );
      drawColorbar(
        ctx,
        { x: x + w + 12, y, width: 16, height: h },
        panel.map,
        panel.lo,
        panel.hi,
        panel.label,
      );
    });
    ctx.fillStyle = '#555';
    ctx.font = font(11);
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillText(
      `${layout.rows} × ${layout.cols} values, row 0 at the top${frames.length > 1 ? `; colour scales shared by the ${frames.length} frames drawn` : ''}`,
      40,
      70 + h + 14,
    );
    const file = join(outDir, frameFileName(k, layout.frames));
    files.push(file);
    pending.push(savePng(canvas, file));
    // A few encodes in flight keep both cores busy without holding every frame's pixels at once.
    if (pending.length >= 4) await Promise.all(pending.splice(0));
    onFrame(i + 1);
  }
  await Promise.all(pending);
  return { files, frames, maxAbsDifference: frameDiffs };
}
