import { describe, expect, it } from 'vitest';
import { adamUpdate, createAdamState } from './adam.ts';

describe('adamUpdate', () => {
  it('moves each parameter by the learning rate on the first step, against the gradient', () => {
    const params = Float32Array.of(1, 1, 1);
    adamUpdate(params, Float32Array.of(0.5, -3, 0), createAdamState(3), 0.01);
    expect(params[0]).toBeCloseTo(0.99, 6);
    expect(params[1]).toBeCloseTo(1.01, 6);
    expect(params[2]).toBe(1);
  });

  it('follows the bias-corrected moment estimates (torch.optim.Adam) over several steps', () => {
    const params = Float32Array.of(0.3);
    const state = createAdamState(1);
    const gradients = [0.2, -0.1, 0.4, 0.05];
    let p = 0.3;
    let m = 0;
    let v = 0;
    gradients.forEach((g, t) => {
      adamUpdate(params, Float32Array.of(g), state, 1e-2);
      m = 0.9 * m + 0.1 * g;
      v = 0.999 * v + 0.001 * g * g;
      p -= (1e-2 * (m / (1 - 0.9 ** (t + 1)))) / (Math.sqrt(v / (1 - 0.999 ** (t + 1))) + 1e-8);
    });
    expect(state.step).toBe(4);
    expect(params[0]).toBeCloseTo(p, 6);
  });
});
