import { describe, expect, it } from 'vitest';
import { Prng } from './prng.ts';

describe('Prng', () => {
  it('gives the same sequence for the same seed and different ones for nearby seeds', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const first = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(first);
    for (const v of first) expect(v >= 0 && v < 1).toBe(true);
  });

  it('continues from a saved state', () => {
    const a = new Prng(7);
    a.next();
    const resumed = Prng.fromState(a.state);
    expect(resumed.next()).toBe(a.next());
  });

  it('shuffles into a permutation', () => {
    const values = Uint32Array.from({ length: 100 }, (_, i) => i);
    new Prng(1).shuffle(values);
    expect([...values].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...values]).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
