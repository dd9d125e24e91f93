// Per-column figures for tables, as the original Baler drew them: the original and reconstructed
// distributions overlaid, and the distribution of the relative difference with its mean and RMS;
// one PNG per column, plus a summary of every column's relative-difference RMS and largest value.
import { join } from 'node:path';
import {
  clipTo,
  drawAxes,
  drawLegend,
  font,
  formatNumber,
  INK,
  newFigure,
  type PlotArea,
  px,
  py,
  SERIES,
  savePng,
  scaleOf,
  wantsLog,
} from './chart.ts';
import {
  finiteRange,
  type Histogram,
  histogram,
  type RelativeDifferenceStats,
  relativeDifferenceStats,
  robustRange,
} from './stats.ts';

export interface ColumnPair {
  name: string;
  original: Float64Array;
  reconstructed: Float64Array;
}

export interface ColumnPlot {
  name: string;
  file: string;
  stats: Omit<RelativeDifferenceStats, 'values'>;
}

/** A file name from a column name: letters, digits, '-', '_' and '.' kept, the rest '_'; index first. */
export function columnFileName(index: number, name: string): string {
  return `column-${String(index).padStart(2, '0')}-${name.replace(/[^\w.-]+/g, '_').slice(0, 60)}.png`;
}

export const SUMMARY_FILE = 'columns-summary.png';

export async function writeColumnPlots(
  columns: ColumnPair[],
  outDir: string,
  options: { bins?: number; onColumn?: (done: number) => void } = {},
): Promise<ColumnPlot[]> {
  const bins = options.bins ?? 80;
  let done = 0;
  // Figures are drawn one after another (canvas work is synchronous) while PNG encodes overlap.
  return Promise.all(
    columns.map(async (column, index) => {
      const stats = relativeDifferenceStats(column.original, column.reconstructed);
      const canvas = drawColumn(column, stats, bins);
      const file = await savePng(canvas, join(outDir, columnFileName(index, column.name)));
      options.onColumn?.(++done);
      const { values: _, ...summary } = stats;
      return { name: column.name, file, stats: summary };
    }),
  );
}

function drawColumn(column: ColumnPair, stats: RelativeDifferenceStats, bins: number) {
  const { canvas, ctx } = newFigure(1100, 440);
  ctx.fillStyle = INK;
  ctx.font = font(16, 'bold');
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillText(column.name, 20, 12);

  // Left: both distributions on the same bins, over both ranges so that no reconstructed value falls
  // outside; log bins when the data span decades above zero, log counts when a peak dwarfs the tails.
  const a = finiteRange(column.original);
  const b = finiteRange(column.reconstructed);
  const range: [number, number] = a && b ? [Math.min(a[0], b[0]), Math.max(a[1], b[1])] : (a ?? b ?? [0, 1]);
  const logBins = range[0] > 0 && range[1] / range[0] >= 100;
  const before = histogram(column.original, range[0], range[1], bins, logBins);
  const after = histogram(column.reconstructed, range[0], range[1], bins, logBins);
  const peak = Math.max(1, ...before.counts, ...after.counts);
  const logCounts = peak >= 30 * median(before.counts.filter((c) => c > 0));
  const left: PlotArea = {
    left: 90,
    top: 70,
    width: 400,
    height: 290,
    x: { min: before.edges[0]!, max: before.edges.at(-1)!, log: before.log },
    // Headroom above the peak keeps the legend off the bars.
    y: logCounts ? { min: 0.5, max: peak * 8, log: true } : { min: 0, max: peak * 1.3, log: false },
  };
  drawAxes(ctx, left, {
    title: 'distribution',
    xLabel: `${column.name}${before.log ? ' (log bins)' : ''}`,
    yLabel: `entries per bin${logCounts ? ' (log scale)' : ''}`,
  });
  ctx.save();
  clipTo(ctx, left);
  drawBars(ctx, left, before, SERIES[0]!);
  drawSteps(ctx, left, after, SERIES[3]!);
  ctx.restore();
  drawLegend(ctx, left, [
    { label: 'original', color: SERIES[0]!, kind: 'box' },
    { label: 'reconstructed', color: SERIES[3]!, kind: 'line' },
  ]);
  note(ctx, left, outsideNote(after, 'reconstructed'));

  // Right: the relative difference, symmetric around 0; outliers past the axis are counted in a note.
  const spread = robustRange(stats.values) ?? [0, 0];
  const central = Math.max(Math.abs(spread[0]), Math.abs(spread[1]));
  // The full range unless a few values lie far beyond the rest (a tiny original's relative difference).
  const edge = stats.maxAbs <= 2 * central ? stats.maxAbs : central;
  const relative = histogram(stats.values, -edge, edge, bins, false);
  const right: PlotArea = {
    left: 640,
    top: 70,
    width: 420,
    height: 290,
    x: { min: relative.edges[0]!, max: relative.edges.at(-1)!, log: false },
    y: { min: 0, max: Math.max(1, ...relative.counts) * 1.45, log: false },
  };
  drawAxes(ctx, right, {
    title: 'relative difference',
    xLabel: '(reconstructed − original) / original',
    yLabel: 'entries per bin',
  });
  ctx.save();
  clipTo(ctx, right);
  drawBars(ctx, right, relative, SERIES[2]!);
  ctx.restore();
  const lines = [
    `mean ${formatNumber(stats.mean, 4)}`,
    `RMS ${formatNumber(stats.rms, 4)}`,
    `max |rel.| ${formatNumber(stats.maxAbs, 3)}`,
    `n ${stats.values.length.toLocaleString('en-US')}`,
  ];
  if (stats.maxAbs === 0) lines.push('every value exact');
  if (stats.skippedZero > 0)
    lines.push(`${stats.skippedZero.toLocaleString('en-US')} zero originals left out`);
  if (stats.skippedNonFinite > 0)
    lines.push(`${stats.skippedNonFinite.toLocaleString('en-US')} non-finite left out`);
  statsBox(ctx, right, lines);
  note(ctx, right, outsideNote(relative, 'values'));
  return canvas;
}

/** A count's height; empty bins sit on the axis, also on a log scale where 0 has no place. */
function countY(area: PlotArea, count: number): number {
  return count > 0 ? py(area, count) : area.top + area.height;
}

function median(values: Float64Array): number {
  if (values.length === 0) return 0;
  const sorted = values.slice().sort();
  return sorted[Math.floor(sorted.length / 2)]!;
}

function drawBars(ctx: ReturnType<typeof newFigure>['ctx'], area: PlotArea, h: Histogram, color: string) {
  ctx.fillStyle = color;
  ctx.globalAlpha = 0.45;
  const base = area.top + area.height;
  for (let i = 0; i < h.counts.length; i++) {
    if (h.counts[i] === 0) continue;
    const x0 = px(area, h.edges[i]!);
    const x1 = px(area, h.edges[i + 1]!);
    const y = countY(area, h.counts[i]!);
    ctx.fillRect(x0, y, Math.max(1, x1 - x0), base - y);
  }
  ctx.globalAlpha = 1;
}

function drawSteps(ctx: ReturnType<typeof newFigure>['ctx'], area: PlotArea, h: Histogram, color: string) {
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  const base = area.top + area.height;
  ctx.moveTo(px(area, h.edges[0]!), base);
  for (let i = 0; i < h.counts.length; i++) {
    const y = countY(area, h.counts[i]!);
    ctx.lineTo(px(area, h.edges[i]!), y);
    ctx.lineTo(px(area, h.edges[i + 1]!), y);
  }
  ctx.lineTo(px(area, h.edges.at(-1)!), base);
  ctx.stroke();
}

function statsBox(ctx: ReturnType<typeof newFigure>['ctx'], area: PlotArea, lines: string[]) {
  ctx.save();
  ctx.font = font(12);
  const width = Math.max(...lines.map((l) => ctx.measureText(l).width)) + 16;
  const x = area.left + area.width - width - 8;
  const y = area.top + 8;
  ctx.fillStyle = 'rgba(255,255,255,0.9)';
  ctx.strokeStyle = '#bbb';
  ctx.fillRect(x, y, width, lines.length * 17 + 8);
  ctx.strokeRect(x + 0.5, y + 0.5, width, lines.length * 17 + 8);
  ctx.fillStyle = INK;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  lines.forEach((line, i) => {
    ctx.fillText(line, x + 8, y + 6 + 17 * i);
  });
  ctx.restore();
}

function outsideNote(h: Histogram, what: string): string {
  const parts = [];
  if (h.below > 0) parts.push(`${h.below.toLocaleString('en-US')} below`);
  if (h.above > 0) parts.push(`${h.above.toLocaleString('en-US')} above`);
  return parts.length > 0 ? `${what} outside the axis: ${parts.join(', ')}` : '';
}

function note(ctx: ReturnType<typeof newFigure>['ctx'], area: PlotArea, text: string) {
  if (!text) return;
  ctx.save();
  ctx.fillStyle = '#666';
  ctx.font = font(11);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillText(text, area.left, area.top + area.height + 48);
  ctx.restore();
}

/** One bar chart of every column's relative-difference RMS (bars) and largest |value| (dots), log scale. */
export async function writeColumnSummary(
  plots: ColumnPlot[],
  outDir: string,
  title: string,
): Promise<string> {
  const n = plots.length;
  const { canvas, ctx } = newFigure(Math.max(900, 160 + 34 * n), 520);
  const values = plots
    .flatMap((p) => [p.stats.rms, p.stats.maxAbs])
    .filter((v) => v > 0 && Number.isFinite(v));
  // Log only when the columns differ by decades; otherwise bars from 0 compare honestly.
  const log = wantsLog(values, 1.5);
  const top = Math.max(0, ...values);
  const area: PlotArea = {
    left: 90,
    top: 60,
    width: canvas.width - 130,
    height: 300,
    x: { min: 0, max: Math.max(1, n), log: false },
    // Headroom above the highest mark keeps the legend clear of the data.
    y: log
      ? scaleOf([...values, top * 10], true, 0.05)
      : { min: 0, max: top > 0 ? top * 1.35 : 1, log: false },
  };
  drawAxes(ctx, area, {
    title: `${title}: relative difference per column`,
    yLabel: `|relative difference|${log ? ' (log scale)' : ''}`,
    xTicks: false,
  });
  const slot = area.width / Math.max(1, n);
  ctx.save();
  clipTo(ctx, area);
  plots.forEach((p, i) => {
    const x = area.left + slot * i;
    if (p.stats.rms > 0) {
      ctx.fillStyle = SERIES[0]!;
      ctx.globalAlpha = 0.7;
      const y = countY(area, p.stats.rms);
      ctx.fillRect(x + slot * 0.2, y, slot * 0.6, area.top + area.height - y);
      ctx.globalAlpha = 1;
    }
    if (p.stats.maxAbs > 0) {
      ctx.fillStyle = SERIES[3]!;
      ctx.beginPath();
      ctx.arc(x + slot / 2, py(area, p.stats.maxAbs), 4, 0, 2 * Math.PI);
      ctx.fill();
    }
  });
  ctx.restore();
  ctx.fillStyle = INK;
  ctx.font = font(11);
  plots.forEach((p, i) => {
    ctx.save();
    ctx.translate(area.left + slot * (i + 0.5), area.top + area.height + 8);
    ctx.rotate(-Math.PI / 4);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    const exact = p.stats.maxAbs === 0 ? ' (exact)' : '';
    ctx.fillText(`${p.name}${exact}`, 0, 0);
    ctx.restore();
  });
  drawLegend(ctx, area, [
    { label: 'RMS of relative difference', color: SERIES[0]!, kind: 'box' },
    { label: 'max |relative difference|', color: SERIES[3]!, kind: 'dot' },
  ]);
  return savePng(canvas, join(outDir, SUMMARY_FILE));
}
