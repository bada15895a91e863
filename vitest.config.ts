import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Stops the whole run, with one message, when a tool the tests need is missing.
    globalSetup: ["test/global-setup.ts"],
    // Git and SQLite work is real in these tests; two cores are the budget.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    restoreMocks: true,
  },
});
