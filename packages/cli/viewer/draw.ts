// Canvas drawings of the viewer: a histogram with the error bound as a band, a frame of a field in
// viridis, and its colour bar. Plain 2D canvas; sizes are in CSS pixels scaled for the screen's density.
import type { ErrorBound, NumericArray } from '@baler/format';
import type { Histogram } from '../src/plot/stats.ts';
import { colourIndex, VIRIDIS } from './colormap.ts';
import { boundAt, format } from './stats.ts';

const INK = '#1d2733';
const BAR = '#2c718e';
const BAND = 'rgba(230, 120, 20, 0.35)';

function context(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const scale = globalThis.devicePixelRatio || 1;
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  canvas.style.aspectRatio = `${width} / ${height}`;
  const g = canvas.getContext('2d')!;
  g.setTransform(scale, 0, 0, scale, 0, 0);
  g.clearRect(0, 0, width, height);
  g.font = '12px system-ui, sans-serif';
  return g;
}

/**
 * Bars of decoded values; behind each bar, a band as wide as the bin plus the bound on either side: where
 * the originals of that bin's values may lie. A bound far narrower than a bin leaves no visible band.
 */
export function drawHistogram(canvas: HTMLCanvasElement, h: Histogram, bound: ErrorBound): void {
  const width = 640;
  const height = 240;
  const g = context(canvas, width, height);
  const left = 48;
  const right = width - 12;
  const top = 12;
  const bottom = height - 36;
  const peak = Math.max(1, ...h.counts);
  const bins = h.counts.length;
  const binPixels = (right - left) / bins;
  const y = (count: number) => bottom - (count / peak) * (bottom - top);
  // A bound wider than the data's range would paint over the axes: keep the bands inside the plot.
  g.save();
  g.beginPath();
  g.rect(left, top, right - left, bottom - top);
  g.clip();
  for (let i = 0; i < bins; i++) {
    const count = h.counts[i]!;
    if (count === 0) continue;
    const from = h.edges[i]!;
    const to = h.edges[i + 1]!;
    // Bins are equal in (linear or log) position; the bound widens a bin by its own pixels per value.
    const perValue = binPixels / (to - from);
    const x = left + i * binPixels;
    g.fillStyle = BAND;
    const bandFrom = x - boundAt(bound, from) * perValue;
    const bandTo = x + binPixels + boundAt(bound, to) * perValue;
    g.fillRect(bandFrom, y(count), bandTo - bandFrom, bottom - y(count));
    g.fillStyle = BAR;
    g.fillRect(x, y(count), Math.max(1, binPixels - 0.5), bottom - y(count));
  }
  g.restore();
  g.strokeStyle = INK;
  g.fillStyle = INK;
  g.beginPath();
  g.moveTo(left, top);
  g.lineTo(left, bottom);
  g.lineTo(right, bottom);
  g.stroke();
  g.textAlign = 'left';
  g.fillText(format(h.edges[0]!), left, bottom + 16);
  g.textAlign = 'right';
  g.fillText(format(h.edges[bins]!), right, bottom + 16);
  g.textAlign = 'center';
  g.fillText(h.log ? 'decoded value (log scale)' : 'decoded value', (left + right) / 2, bottom + 30);
  g.textAlign = 'right';
  g.fillText(String(peak), left - 6, top + 10);
  g.fillText('0', left - 6, bottom);
}

/** A rows × cols slice as an image, nearest-neighbour scaled to fit `maxWidth` × `maxHeight` CSS pixels. */
export function drawFrame(
  canvas: HTMLCanvasElement,
  data: NumericArray,
  rows: number,
  cols: number,
  min: number,
  max: number,
): void {
  const image = new ImageData(cols, rows);
  for (let i = 0; i < rows * cols; i++) {
    const c = colourIndex(Number(data[i]!), min, max) * 3;
    image.data[i * 4] = VIRIDIS[c]!;
    image.data[i * 4 + 1] = VIRIDIS[c + 1]!;
    image.data[i * 4 + 2] = VIRIDIS[c + 2]!;
    image.data[i * 4 + 3] = Number.isFinite(Number(data[i]!)) ? 255 : 0;
  }
  // The canvas holds the data at one pixel per value; CSS scales it up without smoothing.
  canvas.width = cols;
  canvas.height = rows;
  canvas.style.aspectRatio = `${cols} / ${rows}`;
  canvas.getContext('2d')!.putImageData(image, 0, 0);
}

/** A vertical colour bar for [min, max] with its ends and middle labelled. */
export function drawColourBar(canvas: HTMLCanvasElement, min: number, max: number): void {
  const width = 96;
  const height = 320;
  const g = context(canvas, width, height);
  const top = 8;
  const bottom = height - 8;
  for (let py = top; py < bottom; py++) {
    const c = Math.round(((bottom - py) / (bottom - top)) * 255) * 3;
    g.fillStyle = `rgb(${VIRIDIS[c]}, ${VIRIDIS[c + 1]}, ${VIRIDIS[c + 2]})`;
    g.fillRect(4, py, 20, 1);
  }
  g.strokeStyle = INK;
  g.strokeRect(4, top, 20, bottom - top);
  g.fillStyle = INK;
  g.textAlign = 'left';
  g.fillText(format(max), 30, top + 10);
  g.fillText(format((min + max) / 2), 30, (top + bottom) / 2 + 4);
  g.fillText(format(min), 30, bottom);
}
