// Learning-rate schedules and early stopping, as small state machines whose state is plain JSON so
// that a checkpoint can hold them and a resumed run makes the same decisions.

export type LrSchedule =
  | { kind: 'constant' }
  /** Multiply the rate by `factor` after `patience` epochs without improvement of the monitored loss. */
  | { kind: 'plateau'; factor: number; patience: number; minLearningRate: number }
  /** Cosine from the initial rate down to `minLearningRate` over all epochs. */
  | { kind: 'cosine'; minLearningRate: number };

export interface ScheduleState {
  learningRate: number;
  /** Best monitored loss so far (plateau). */
  best: number;
  /** Epochs since `best` improved (plateau). */
  badEpochs: number;
}

/** Improvements smaller than this fraction of the best loss do not count (as in PyTorch's default). */
export const IMPROVEMENT = 1e-4;

export function createScheduleState(learningRate: number): ScheduleState {
  return { learningRate, best: Number.POSITIVE_INFINITY, badEpochs: 0 };
}

/**
 * Updates the schedule after `epoch` (1-based) of `epochs` with the monitored loss; returns the learning
 * rate for the next epoch.
 */
export function stepSchedule(
  schedule: LrSchedule,
  state: ScheduleState,
  initialRate: number,
  epoch: number,
  epochs: number,
  monitored: number,
): number {
  switch (schedule.kind) {
    case 'plateau':
      if (monitored < state.best * (1 - IMPROVEMENT)) {
        state.best = monitored;
        state.badEpochs = 0;
      } else if (++state.badEpochs > schedule.patience) {
        state.learningRate = Math.max(schedule.minLearningRate, state.learningRate * schedule.factor);
        state.badEpochs = 0;
      }
      break;
    case 'cosine': {
      const progress = Math.min(1, epoch / Math.max(1, epochs));
      state.learningRate =
        schedule.minLearningRate +
        ((initialRate - schedule.minLearningRate) * (1 + Math.cos(Math.PI * progress))) / 2;
      break;
    }
    default:
      break;
  }
  return state.learningRate;
}

export interface EarlyStoppingState {
  best: number;
  bestEpoch: number;
  badEpochs: number;
}

export function createEarlyStoppingState(): EarlyStoppingState {
  return { best: Number.POSITIVE_INFINITY, bestEpoch: 0, badEpochs: 0 };
}

/** Records the epoch's monitored loss; returns whether it is the best so far. */
export function recordForEarlyStopping(state: EarlyStoppingState, epoch: number, monitored: number): boolean {
  if (monitored < state.best * (1 - IMPROVEMENT) || (state.bestEpoch === 0 && Number.isFinite(monitored))) {
    state.best = monitored;
    state.bestEpoch = epoch;
    state.badEpochs = 0;
    return true;
  }
  state.badEpochs += 1;
  return false;
}
