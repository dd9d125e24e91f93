import { describe, expect, it } from 'vitest';
import { runFuzz } from './fuzz.ts';

describe('corruption fuzz', () => {
  it('ends 10,000 damaged files in a typed error or the exact original data', async () => {
    const counts = await runFuzz(10_000, 20261124);
    expect(counts.failures.slice(0, 5)).toEqual([]);
    expect(counts.crashes).toBe(0);
    expect(counts.wrongData).toBe(0);
    expect(counts.cases).toBe(10_000);
    // The damage must actually be detected most of the time, or the fuzzer is not biting.
    expect(counts.typedErrors).toBeGreaterThan(8_000);
  }, 120_000);
});
