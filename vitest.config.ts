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
    // Vitest's default on 2 cores is one worker (CPUs - 1): every file ran after the other, most of
    // them waiting on anvil and child processes. Two keep both cores busy.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
