// Loss curves of a model directory written by `baler train`: training and validation loss per epoch
// from training-log.jsonl, the best epoch marked, and the learning rate the schedule gave each epoch.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type EpochRecord, MODEL_DIR_FILES } from '@baler/trainer';
import { UsageError } from '../usage.ts';
import {
  clipTo,
  drawAxes,
  drawLegend,
  type LegendEntry,
  newFigure,
  type PlotArea,
  px,
  py,
  SERIES,
  savePng,
  scaleOf,
  wantsLog,
} from './chart.ts';

export const LOSS_FILE = 'loss.png';

/** Reads a model directory's training log; a missing or damaged log is the user's to fix (exit 2). */
export async function readTrainingLog(modelDir: string): Promise<EpochRecord[]> {
  const path = join(modelDir, MODEL_DIR_FILES.log);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new UsageError(`${path}: no such file; --model takes a directory written by 'baler train'.`);
    throw error;
  }
  const records = text
    .split('\n')
    .map((line, i) => [line.trim(), i + 1] as const)
    .filter(([line]) => line !== '')
    .map(([line, number]) => {
      let record: Partial<EpochRecord>;
      try {
        record = JSON.parse(line);
      } catch {
        throw new UsageError(`${path}:${number} is not valid JSON; the training log is damaged.`);
      }
      if (typeof record.epoch !== 'number' || typeof record.loss !== 'number')
        throw new UsageError(
          `${path}:${number} has no numeric "epoch" and "loss"; is this a Baler training log?`,
        );
      return record as EpochRecord;
    });
  if (records.length === 0)
    throw new UsageError(`${path} holds no epochs yet; train for at least one epoch.`);
  return records;
}

/** The epoch with the lowest validation loss, or the lowest training loss when there is no validation. */
export function bestEpoch(log: EpochRecord[]): EpochRecord {
  const key = (r: EpochRecord) => r.validationLoss ?? r.loss;
  return log.reduce((best, r) => (key(r) < key(best) ? r : best));
}

export async function writeLossPlot(log: EpochRecord[], outDir: string, title: string): Promise<string> {
  const { canvas, ctx } = newFigure(900, 680);
  const epochs = log.map((r) => r.epoch);
  const validation = log.filter((r) => r.validationLoss !== null);
  const losses = [...log.map((r) => r.loss), ...validation.map((r) => r.validationLoss!)];
  const logLoss = wantsLog(losses, 1);
  const x = scaleOf(epochs, false, 0.02);
  const top: PlotArea = { left: 90, top: 50, width: 770, height: 380, x, y: scaleOf(losses, logLoss, 0.05) };
  const best = bestEpoch(log);
  drawAxes(ctx, top, {
    title: `${title}: loss per epoch (best at epoch ${best.epoch})`,
    yLabel: `loss (MSE of normalized values)${logLoss ? ', log scale' : ''}`,
  });
  ctx.save();
  clipTo(ctx, top);
  ctx.strokeStyle = '#888';
  ctx.setLineDash([5, 4]);
  ctx.beginPath();
  ctx.moveTo(px(top, best.epoch), top.top);
  ctx.lineTo(px(top, best.epoch), top.top + top.height);
  ctx.stroke();
  ctx.setLineDash([]);
  line(ctx, top, log, (r) => r.loss, SERIES[0]!);
  line(ctx, top, validation, (r) => r.validationLoss!, SERIES[1]!);
  ctx.restore();
  const legend: LegendEntry[] = [{ label: 'training loss', color: SERIES[0]!, kind: 'line' }];
  if (validation.length > 0) legend.push({ label: 'validation loss', color: SERIES[1]!, kind: 'line' });
  legend.push({ label: `best epoch (${best.epoch})`, color: '#888', kind: 'dashed' });
  const drawn = [...log.map((r) => r.loss), ...validation.map((r) => r.validationLoss!)];
  const epochsDrawn = [...log, ...validation].map((r) => r.epoch);
  drawLegend(
    ctx,
    top,
    legend,
    drawn.map((v, i) => ({ x: px(top, epochsDrawn[i]!), y: py(top, v) })),
  );

  const rates = log.map((r) => r.learningRate);
  const logRate = wantsLog(rates, 1);
  const bottom: PlotArea = {
    left: 90,
    top: 480,
    width: 770,
    height: 130,
    x,
    y: scaleOf(rates, logRate, 0.1),
  };
  drawAxes(ctx, bottom, { title: 'learning rate', xLabel: 'epoch', yLabel: 'learning rate' });
  ctx.save();
  clipTo(ctx, bottom);
  line(ctx, bottom, log, (r) => r.learningRate, SERIES[2]!);
  ctx.restore();
  return savePng(canvas, join(outDir, LOSS_FILE));
}

function line(
  ctx: ReturnType<typeof newFigure>['ctx'],
  area: PlotArea,
  records: EpochRecord[],
  value: (r: EpochRecord) => number,
  color: string,
) {
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = 2;
  ctx.beginPath();
  records.forEach((r, i) => {
    const [x, y] = [px(area, r.epoch), py(area, value(r))];
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.stroke();
  // Markers too when there are few epochs, so a one- or two-epoch run still shows its points.
  if (records.length <= 30)
    for (const r of records) {
      ctx.beginPath();
      ctx.arc(px(area, r.epoch), py(area, value(r)), 3, 0, 2 * Math.PI);
      ctx.fill();
    }
}
