import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-server.ts'],
    // Real servers and JVMs: generous bounds, but every wait inside a test is bounded too.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: a JVM ensemble per worker would starve the machine.
    pool: 'forks',
    poolOptions: { forks: { minForks: 1, maxForks: 2 } },
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
})
