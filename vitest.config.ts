import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "packages/**/src/**/*.test.ts",
      "apps/indexer/test/**/*.test.ts",
      "apps/console/e2e/**/*.test.ts",
    ],
    // Each test file that needs a chain starts its own anvil on a free port, so files may run
    // in parallel; forks (not threads) so a crashed worker cannot leave anvil attached to us.
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
