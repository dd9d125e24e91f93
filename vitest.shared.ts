import { defineConfig } from 'vitest/config';

// Shared by every package's vitest.config.ts. CI runs several packages' suites at once on two cores:
// generous timeouts keep slow-but-correct tests (training, real browser, end to end) from failing on
// contention. Speed targets live in the benchmarks, not in test timeouts.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 60_000 } });
