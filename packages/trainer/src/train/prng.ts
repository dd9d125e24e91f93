// A small seeded pseudo-random generator whose whole state is one 32-bit word, so that training can
// shuffle, split and initialise reproducibly and a checkpoint can store exactly where the sequence stands.
// Mulberry32: fast, passes the statistical tests that matter for shuffling, and trivial to port.

export class Prng {
  /** The generator's state; save it to continue the same sequence later. */
  state: number;

  constructor(seed: number) {
    // Mix the seed so that nearby seeds (0, 1, 2…) give unrelated sequences.
    this.state = hashSeed(seed);
  }

  /** A float in [0, 1) with 32 random bits. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A uniform float in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** A uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Shuffles `values` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: number }>(values: T): T {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const v = values[i]!;
      values[i] = values[j]!;
      values[j] = v;
    }
    return values;
  }

  /** A generator that continues from a saved {@link state}. */
  static fromState(state: number): Prng {
    const prng = new Prng(0);
    prng.state = state | 0;
    return prng;
  }
}

function hashSeed(seed: number): number {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a whole number, got ${seed}`);
  // splitmix-style finaliser over the low and high 32 bits.
  let h = (seed % 4294967296) ^ Math.imul(Math.floor(seed / 4294967296), 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}
