// The Pareto plots of a sweep: every trial as a point of compression ratio against error and against
// decode speed, with the non-dominated trials (the front) highlighted, connected and labelled.
import { join } from 'node:path';
import {
  clipTo,
  drawAxes,
  drawLegend,
  fit,
  font,
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

export interface ParetoPoint {
  label: string;
  ratio: number;
  error: number;
  decodeMBps: number;
}

export const PARETO_FILES = {
  error: 'pareto-ratio-error.png',
  decodeMBps: 'pareto-ratio-speed.png',
} as const;

/**
 * The non-dominated subset: higher ratio is better; lower error (resp. higher decodeMBps) is better.
 * Sorted along the front by the second axis (error ascending, speed descending), so consecutive points
 * connect into the trade-off curve. Points with a non-finite coordinate are left out.
 */
export function paretoFront(points: ParetoPoint[], axis: 'error' | 'decodeMBps'): ParetoPoint[] {
  // "Better" is larger for both coordinates once error is negated.
  const second = (p: ParetoPoint) => (axis === 'error' ? -p.error : p.decodeMBps);
  const valid = points.filter((p) => Number.isFinite(p.ratio) && Number.isFinite(second(p)));
  const front = valid.filter(
    (p) =>
      !valid.some(
        (q) => q.ratio >= p.ratio && second(q) >= second(p) && (q.ratio > p.ratio || second(q) > second(p)),
      ),
  );
  return front.sort((a, b) => second(b) - second(a) || a.ratio - b.ratio);
}

/**
 * Writes pareto-ratio-error.png and pareto-ratio-speed.png into outDir; returns the paths written.
 * `candidates`, drawn as open circles off the front, are where trained models would have been with their
 * own files when they lost to the classical predictors (plot/sweep.ts candidatePoints).
 */
export async function writeParetoPlots(
  points: ParetoPoint[],
  outDir: string,
  title: string,
  candidates: ParetoPoint[] = [],
): Promise<string[]> {
  return Promise.all(
    (['error', 'decodeMBps'] as const).map((axis) =>
      savePng(drawPareto(points, axis, title, candidates), join(outDir, PARETO_FILES[axis])),
    ),
  );
}

function drawPareto(
  points: ParetoPoint[],
  axis: 'error' | 'decodeMBps',
  title: string,
  candidates: ParetoPoint[],
) {
  const { canvas, ctx } = newFigure(900, 600);
  const xOf = (p: ParetoPoint) => (axis === 'error' ? p.error : p.decodeMBps);
  const finite = (p: ParetoPoint) => Number.isFinite(p.ratio) && Number.isFinite(xOf(p));
  const shown = points.filter(finite);
  const lost = candidates.filter(finite);
  const xs = [...shown, ...lost].map(xOf);
  const ratios = [...shown, ...lost].map((p) => p.ratio);
  const xLog = wantsLog(xs, 1.5);
  const yLog = wantsLog(ratios, 1.5);
  const area: PlotArea = {
    left: 90,
    top: 50,
    width: 770,
    height: 470,
    x: scaleOf(xs, xLog, 0.08),
    y: scaleOf(ratios, yLog, 0.08),
  };
  const front = paretoFront(shown, axis);
  const frontSet = new Set(front);
  drawAxes(ctx, area, {
    title: `${title}: ratio vs ${axis === 'error' ? 'error' : 'decode speed'} (${front.length} of ${shown.length} trials on the front)`,
    xLabel:
      axis === 'error'
        ? `max error (relative for rel/pwrel bounds, else absolute)${xLog ? ', log scale' : ''}`
        : `decode speed, MB/s${xLog ? ' (log scale)' : ''}`,
    yLabel: `compression ratio (honest bytes)${yLog ? ', log scale' : ''}`,
  });
  if (shown.length === 0) {
    ctx.font = font(16);
    ctx.fillStyle = INK;
    ctx.textAlign = 'center';
    ctx.fillText('no finished trials to plot', area.left + area.width / 2, area.top + area.height / 2);
    return canvas;
  }
  ctx.save();
  clipTo(ctx, area);
  const lostColor = SERIES[1]!;
  ctx.strokeStyle = lostColor;
  ctx.lineWidth = 1.5;
  for (const p of lost) {
    ctx.beginPath();
    ctx.arc(px(area, xOf(p)), py(area, p.ratio), 4, 0, 2 * Math.PI);
    ctx.stroke();
  }
  ctx.fillStyle = '#9a9a9a';
  for (const p of shown) {
    if (frontSet.has(p)) continue;
    ctx.beginPath();
    ctx.arc(px(area, xOf(p)), py(area, p.ratio), 3.5, 0, 2 * Math.PI);
    ctx.fill();
  }
  const color = SERIES[axis === 'error' ? 3 : 0]!;
  ctx.strokeStyle = color;
  ctx.lineWidth = 2;
  ctx.beginPath();
  front.forEach((p, i) => {
    const [x, y] = [px(area, xOf(p)), py(area, p.ratio)];
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.stroke();
  ctx.fillStyle = color;
  for (const p of front) {
    ctx.beginPath();
    ctx.arc(px(area, xOf(p)), py(area, p.ratio), 5, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.restore();
  // Labels after the clip is lifted, kept inside the canvas and nudged down when they would overlap.
  ctx.font = font(11);
  ctx.fillStyle = INK;
  ctx.textBaseline = 'bottom';
  const placed: { x: number; y: number; w: number }[] = [];
  // The legend goes to the corner with the fewest markers, front segments and labels under it.
  const avoid = [...shown, ...lost].map((p) => ({ x: px(area, xOf(p)), y: py(area, p.ratio) }));
  for (let i = 1; i < front.length; i++)
    for (let t = 0.1; t < 1; t += 0.1) {
      const [a, b] = [front[i - 1]!, front[i]!];
      avoid.push({
        x: px(area, xOf(a)) * (1 - t) + px(area, xOf(b)) * t,
        y: py(area, a.ratio) * (1 - t) + py(area, b.ratio) * t,
      });
    }
  for (const p of front) {
    const label = fit(ctx, p.label, 180);
    const w = ctx.measureText(label).width;
    let x = px(area, xOf(p)) + 7;
    if (x + w > canvas.width - 4) x = px(area, xOf(p)) - 7 - w;
    let y = py(area, p.ratio) - 5;
    while (placed.some((q) => Math.abs(q.y - y) < 13 && x < q.x + q.w && q.x < x + w)) y += 13;
    placed.push({ x, y, w });
    avoid.push({ x, y: y - 6 }, { x: x + w / 2, y: y - 6 }, { x: x + w, y: y - 6 });
    ctx.textAlign = 'left';
    ctx.fillText(label, x, y);
  }
  drawLegend(
    ctx,
    area,
    [
      { label: 'Pareto front', color, kind: 'line' },
      ...(shown.length > front.length
        ? [{ label: 'dominated trial', color: '#9a9a9a', kind: 'dot' as const }]
        : []),
      ...(lost.length > 0
        ? [{ label: "a model's own file (lost; not written)", color: lostColor, kind: 'dot' as const }]
        : []),
    ],
    avoid,
  );
  return canvas;
}
