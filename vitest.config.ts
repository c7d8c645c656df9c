import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    globalSetup: ['tests/fixtures/global-setup.ts'],
    reporters: ['default', './tests/fixtures/summary-reporter.ts'],
    // Two cores: PGlite instances and app servers are heavy; keep parallelism modest.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
