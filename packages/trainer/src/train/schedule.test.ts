import { describe, expect, it } from 'vitest';
import {
  createEarlyStoppingState,
  createScheduleState,
  type LrSchedule,
  recordForEarlyStopping,
  stepSchedule,
} from './schedule.ts';

describe('learning-rate schedules', () => {
  it('halves the rate on a plateau after `patience` epochs without improvement, down to the floor', () => {
    const schedule: LrSchedule = { kind: 'plateau', factor: 0.5, patience: 2, minLearningRate: 0.2 };
    const state = createScheduleState(1);
    const rates = [1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9].map((loss, i) =>
      stepSchedule(schedule, state, 1, i + 1, 8, loss),
    );
    expect(rates).toEqual([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.25].map((r) => Math.max(r, 0.2)));
  });

  it('follows a cosine from the initial rate to the minimum over the epochs', () => {
    const schedule: LrSchedule = { kind: 'cosine', minLearningRate: 0.1 };
    const state = createScheduleState(1);
    const rates = [1, 2, 3, 4].map((epoch) => stepSchedule(schedule, state, 1, epoch, 4, 0));
    expect(rates[1]).toBeCloseTo(0.55, 10);
    expect(rates[3]).toBeCloseTo(0.1, 10);
    expect(stepSchedule({ kind: 'constant' }, createScheduleState(0.3), 0.3, 1, 4, 0)).toBe(0.3);
  });
});

describe('early stopping', () => {
  it('tracks the best epoch and counts epochs without improvement', () => {
    const state = createEarlyStoppingState();
    expect([3, 2, 2, 2.5, 1].map((loss, i) => recordForEarlyStopping(state, i + 1, loss))).toEqual([
      true,
      true,
      false,
      false,
      true,
    ]);
    expect(state).toEqual({ best: 1, bestEpoch: 5, badEpochs: 0 });
  });
});
