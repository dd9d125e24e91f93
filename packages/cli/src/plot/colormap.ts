// Colour maps for images of 2-D data and the colour bars that read them: viridis (perceptually uniform)
// for values, a red-blue diverging map centred on zero for differences. 256-entry lookup tables built
// by interpolating matplotlib's maps at eleven stops, which is indistinguishable at these sizes.
import { createCanvas } from '@napi-rs/canvas';
import { type Context, font, formatNumber, INK, type Scale, ticks } from './chart.ts';
import type { Colormap } from './colour-tables.ts';

export type { Colormap } from './colour-tables.ts';
export { RED_BLUE, VIRIDIS } from './colour-tables.ts';

/** Where `values` is drawn: a rows × cols image (row 0 at the top) scaled into a box of the canvas. */
export interface ImageBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Draws a rows × cols array (row-major) through `map` over [lo, hi], one block of pixels per value with
 * no smoothing, so what is seen is what is stored. NaN and ±Inf are drawn grey.
 */
export function drawImage(
  ctx: Context,
  values: ArrayLike<number>,
  rows: number,
  cols: number,
  box: ImageBox,
  map: Colormap,
  lo: number,
  hi: number,
): void {
  const image = createCanvas(cols, rows);
  const imageCtx = image.getContext('2d');
  const pixels = imageCtx.createImageData(cols, rows);
  const rgba = pixels.data;
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  for (let i = 0; i < rows * cols; i++) {
    const v = values[i]!;
    let r = 160;
    let g = 160;
    let b = 160;
    if (Number.isFinite(v)) {
      const k = 3 * Math.min(255, Math.max(0, Math.round((v - lo) * scale)));
      r = map.lut[k]!;
      g = map.lut[k + 1]!;
      b = map.lut[k + 2]!;
    }
    rgba[4 * i] = r;
    rgba[4 * i + 1] = g;
    rgba[4 * i + 2] = b;
    rgba[4 * i + 3] = 255;
  }
  imageCtx.putImageData(pixels, 0, 0);
  ctx.save();
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(image, box.x, box.y, box.width, box.height);
  ctx.strokeStyle = INK;
  ctx.strokeRect(box.x - 0.5, box.y - 0.5, box.width + 1, box.height + 1);
  ctx.restore();
}

/** A vertical colour bar for [lo, hi] with ticks and a label, `box` being the bar itself. */
export function drawColorbar(
  ctx: Context,
  box: ImageBox,
  map: Colormap,
  lo: number,
  hi: number,
  label: string,
) {
  ctx.save();
  for (let py = 0; py < box.height; py++) {
    const k = 3 * Math.round((1 - py / Math.max(1, box.height - 1)) * 255);
    ctx.fillStyle = `rgb(${map.lut[k]},${map.lut[k + 1]},${map.lut[k + 2]})`;
    ctx.fillRect(box.x, box.y + py, box.width, 1);
  }
  ctx.strokeStyle = INK;
  ctx.strokeRect(box.x - 0.5, box.y - 0.5, box.width + 1, box.height + 1);
  const scale: Scale = { min: lo, max: hi > lo ? hi : lo + 1, log: false };
  ctx.fillStyle = INK;
  ctx.font = font(11);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  let labelX = box.x + box.width + 8;
  for (const t of ticks(scale, Math.max(3, Math.floor(box.height / 45)))) {
    const y = box.y + (1 - (t - scale.min) / (scale.max - scale.min)) * box.height;
    ctx.beginPath();
    ctx.moveTo(box.x + box.width, y);
    ctx.lineTo(box.x + box.width + 4, y);
    ctx.stroke();
    const text = formatNumber(t);
    ctx.fillText(text, box.x + box.width + 6, y);
    labelX = Math.max(labelX, box.x + box.width + 6 + ctx.measureText(text).width + 6);
  }
  ctx.translate(labelX, box.y + box.height / 2);
  ctx.rotate(Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.font = font(12);
  ctx.fillText(label, 0, 0);
  ctx.restore();
}
