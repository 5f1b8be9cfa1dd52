import { defineConfig } from '@playwright/test';

const ci = !!process.env.CI;

// Playwright is only the test runner here: no browser is launched by any spec.
export default defineConfig({
  forbidOnly: ci,
  retries: 0,
  // One worker: the LocalStack-backed projects share a single embedded LocalStack per worker,
  // and two cores cannot run two of them side by side.
  workers: 1,
  reporter: ci
    ? [['list'], ['junit', { outputFile: 'test-results/junit.xml' }]]
    : [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  timeout: 120_000,
  expect: { timeout: 10_000 },
  projects: [
    {
      name: 'static',
      testDir: 'specs',
      // Anchored at specs/: a bare 'lambda/**' glob would also match specs/rules/lambda/.
      testMatch: /specs\/(compliance|rules|matrix)\/.*\.spec\.ts$/,
    },
    {
      name: 'integration',
      testDir: 'specs',
      testMatch: /specs\/(lambda|integration|reliability)\/.*\.spec\.ts$/,
      timeout: 300_000,
    },
  ],
});
