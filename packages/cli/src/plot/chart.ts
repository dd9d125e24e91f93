// The drawing kit every Baler figure is made with: a canvas (@napi-rs/canvas: Skia, shipped as a prebuilt
// npm package, so nothing downloads at install time), plot areas with linear or log axes, nice ticks,
// legends, and PNG output. Figures compose these; nothing here knows about Baler data.
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { type Canvas, createCanvas, GlobalFonts, type SKRSContext2D } from '@napi-rs/canvas';

export type Context = SKRSContext2D;

// The figures carry their own font (DejaVu Sans from an npm package), so labels render the same on a
// machine with no system fonts at all, where Skia would otherwise draw no text.
const FAMILY = 'Baler DejaVu Sans';
const require = createRequire(import.meta.url);
for (const weight of [400, 700])
  GlobalFonts.registerFromPath(
    require.resolve(`@fontsource/dejavu-sans/files/dejavu-sans-latin-${weight}-normal.woff2`),
    FAMILY,
  );

export const FONT = `"${FAMILY}", DejaVu Sans, sans-serif`;
export const INK = '#222';
export const GRID = '#e4e4e4';
/** Matplotlib's tab10: distinct, colour-blind-tolerable series colours. */
export const SERIES = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2'];

export function font(px: number, weight: 'normal' | 'bold' = 'normal'): string {
  return `${weight === 'bold' ? 'bold ' : ''}${px}px ${FONT}`;
}

/** A white canvas of `width` × `height` pixels. */
export function newFigure(width: number, height: number): { canvas: Canvas; ctx: Context } {
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  return { canvas, ctx };
}

/** Encodes off the main thread (Skia's encoder runs on libuv's pool) and writes the PNG. */
export async function savePng(canvas: Canvas, path: string): Promise<string> {
  await writeFile(path, await canvas.encode('png'));
  return path;
}

export interface Scale {
  min: number;
  max: number;
  log: boolean;
}

/** A data → pixel mapping over a rectangle of the canvas. */
export interface PlotArea {
  left: number;
  top: number;
  width: number;
  height: number;
  x: Scale;
  y: Scale;
}

export function px(area: PlotArea, x: number): number {
  return area.left + fraction(area.x, x) * area.width;
}

export function py(area: PlotArea, y: number): number {
  return area.top + (1 - fraction(area.y, y)) * area.height;
}

function fraction(scale: Scale, v: number): number {
  if (scale.log)
    return (Math.log10(v) - Math.log10(scale.min)) / (Math.log10(scale.max) - Math.log10(scale.min));
  return (v - scale.min) / (scale.max - scale.min);
}

/**
 * A scale covering the finite values (positive ones for a log scale), padded by `pad` of its span so
 * markers at the edges stay inside. A single value gets a span around it.
 */
export function scaleOf(values: ArrayLike<number>, log: boolean, pad = 0.05): Scale {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v) || (log && v <= 0)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min > max) return log ? { min: 0.1, max: 10, log } : { min: 0, max: 1, log };
  if (log) {
    const [lo, hi] =
      min === max ? [Math.log10(min) - 1, Math.log10(max) + 1] : [Math.log10(min), Math.log10(max)];
    const span = hi - lo;
    return { min: 10 ** (lo - pad * span), max: 10 ** (hi + pad * span), log };
  }
  if (min === max) {
    const half = min === 0 ? 1 : Math.abs(min) * 0.5;
    return { min: min - half, max: max + half, log };
  }
  const span = max - min;
  return { min: min - pad * span, max: max + pad * span, log };
}

/** Whether values span enough decades (all positive) that a log scale reads better. */
export function wantsLog(values: ArrayLike<number>, decades = 2): boolean {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (v <= 0) return false;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return min <= max && max / min >= 10 ** decades;
}

/** Tick positions: 1-2-5 steps on a linear scale, powers of ten (with 2 and 5 when few) on a log scale. */
export function ticks(scale: Scale, target = 6): number[] {
  if (scale.log) {
    const lo = Math.ceil(Math.log10(scale.min) - 1e-9);
    const hi = Math.floor(Math.log10(scale.max) + 1e-9);
    const decades = hi - lo + 1;
    const step = Math.max(1, Math.ceil(decades / target));
    const out: number[] = [];
    for (let e = lo; e <= hi; e += step) out.push(Number(`1e${e}`));
    if (out.length >= 3) return out;
    const fine: number[] = [];
    for (let e = lo - 1; e <= hi; e++)
      for (const m of [1, 2, 5]) {
        const v = Number(`${m}e${e}`);
        if (v >= scale.min && v <= scale.max) fine.push(v);
      }
    // Less than a decade: 1-2-5 steps are too coarse, so tick it like a linear axis.
    return fine.length >= 3 ? fine : ticks({ ...scale, log: false }, target).filter((v) => v > 0);
  }
  const span = scale.max - scale.min;
  if (!(span > 0)) return [scale.min];
  const raw = span / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const out: number[] = [];
  // Multiples of the step, rounded so that 3 × 0.2 is 0.6 and not 0.6000000000000001.
  for (let k = Math.ceil(scale.min / step - 1e-9); k * step <= scale.max + step * 1e-9; k++)
    out.push(k === 0 ? 0 : Number((k * step).toPrecision(12)));
  return out;
}

/** A short label: plain for moderate magnitudes, exponent form (1e-4, 2.5e6) otherwise. */
export function formatNumber(v: number, digits = 3): string {
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(digits)));
  const [m, e] = v.toExponential(digits - 1).split('e');
  return `${String(Number(m))}e${Number(e)}`;
}

export interface AxesOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  grid?: boolean;
  /** False when the caller labels the x axis itself (e.g. with category names). */
  xTicks?: boolean;
}

/** Frame, grid, ticks with labels, axis titles and the plot title around `area`. */
export function drawAxes(ctx: Context, area: PlotArea, options: AxesOptions = {}): void {
  const { left, top, width, height } = area;
  const xTicks = options.xTicks === false ? [] : ticks(area.x, Math.max(3, Math.floor(width / 90)));
  const yTicks = ticks(area.y, Math.max(3, Math.floor(height / 50)));
  ctx.save();
  if (options.grid !== false) {
    ctx.strokeStyle = GRID;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const t of xTicks) {
      const x = Math.round(px(area, t)) + 0.5;
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
    }
    for (const t of yTicks) {
      const y = Math.round(py(area, t)) + 0.5;
      ctx.moveTo(left, y);
      ctx.lineTo(left + width, y);
    }
    ctx.stroke();
  }
  ctx.strokeStyle = INK;
  ctx.fillStyle = INK;
  ctx.lineWidth = 1;
  ctx.strokeRect(left + 0.5, top + 0.5, width, height);
  ctx.font = font(12);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.beginPath();
  for (const t of xTicks) {
    const x = Math.round(px(area, t)) + 0.5;
    ctx.moveTo(x, top + height);
    ctx.lineTo(x, top + height + 5);
    ctx.fillText(formatNumber(t), x, top + height + 7);
  }
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of yTicks) {
    const y = Math.round(py(area, t)) + 0.5;
    ctx.moveTo(left - 5, y);
    ctx.lineTo(left, y);
    ctx.fillText(formatNumber(t), left - 7, y);
  }
  ctx.stroke();
  ctx.font = font(13);
  if (options.xLabel) {
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.fillText(options.xLabel, left + width / 2, top + height + 26);
  }
  if (options.yLabel) {
    ctx.save();
    ctx.translate(left - maxTickWidth(ctx, yTicks) - 16, top + height / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.fillText(options.yLabel, 0, 0);
    ctx.restore();
  }
  if (options.title) {
    ctx.font = font(14, 'bold');
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.fillText(fit(ctx, options.title, width + 40), left + width / 2, top - 8);
  }
  ctx.restore();
}

function maxTickWidth(ctx: Context, values: number[]): number {
  ctx.save();
  ctx.font = font(12);
  const w = Math.max(0, ...values.map((v) => ctx.measureText(formatNumber(v)).width));
  ctx.restore();
  return w;
}

/** Shortens `text` with an ellipsis until it fits in `maxWidth` pixels at the current font. */
export function fit(ctx: Context, text: string, maxWidth: number): string {
  if (ctx.measureText(text).width <= maxWidth) return text;
  let cut = text.length;
  while (cut > 1 && ctx.measureText(`${text.slice(0, cut)}…`).width > maxWidth) cut--;
  return `${text.slice(0, cut)}…`;
}

/** Clips drawing to the plot area, so lines and bars past the axes never spill onto the labels. */
export function clipTo(ctx: Context, area: PlotArea): void {
  ctx.beginPath();
  ctx.rect(area.left, area.top, area.width, area.height);
  ctx.clip();
}

export interface LegendEntry {
  label: string;
  color: string;
  kind: 'line' | 'box' | 'dot' | 'dashed';
}

/**
 * A legend box in the top-right corner inside the plot area, or, given the pixel positions of what is
 * drawn (`avoid`), in whichever corner covers the fewest of them.
 */
export function drawLegend(
  ctx: Context,
  area: PlotArea,
  entries: LegendEntry[],
  avoid: { x: number; y: number }[] = [],
): void {
  ctx.save();
  ctx.font = font(12);
  const lineHeight = 18;
  const textWidth = Math.max(...entries.map((e) => ctx.measureText(e.label).width));
  const boxWidth = textWidth + 40;
  const boxHeight = entries.length * lineHeight + 8;
  const right = area.left + area.width - boxWidth - 8;
  const bottom = area.top + area.height - boxHeight - 8;
  const corners = [
    [right, area.top + 8],
    [area.left + 8, area.top + 8],
    [right, bottom],
    [area.left + 8, bottom],
  ] as const;
  const covered = ([x, y]: readonly [number, number]) =>
    avoid.filter((p) => p.x >= x - 6 && p.x <= x + boxWidth + 6 && p.y >= y - 6 && p.y <= y + boxHeight + 6)
      .length;
  const [x0, y0] = corners.reduce((best, c) => (covered(c) < covered(best) ? c : best));
  ctx.fillStyle = 'rgba(255,255,255,0.85)';
  ctx.strokeStyle = '#bbb';
  ctx.fillRect(x0, y0, boxWidth, boxHeight);
  ctx.strokeRect(x0 + 0.5, y0 + 0.5, boxWidth, boxHeight);
  entries.forEach((entry, i) => {
    const y = y0 + 4 + lineHeight * i + lineHeight / 2;
    ctx.strokeStyle = entry.color;
    ctx.fillStyle = entry.color;
    ctx.lineWidth = 2;
    if (entry.kind === 'box') {
      ctx.globalAlpha = 0.5;
      ctx.fillRect(x0 + 8, y - 6, 20, 12);
      ctx.globalAlpha = 1;
      ctx.strokeRect(x0 + 8, y - 6, 20, 12);
    } else if (entry.kind === 'dot') {
      ctx.beginPath();
      ctx.arc(x0 + 18, y, 4, 0, 2 * Math.PI);
      ctx.fill();
    } else {
      ctx.setLineDash(entry.kind === 'dashed' ? [5, 3] : []);
      ctx.beginPath();
      ctx.moveTo(x0 + 8, y);
      ctx.lineTo(x0 + 28, y);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.fillStyle = INK;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillText(entry.label, x0 + 34, y);
  });
  ctx.restore();
}
