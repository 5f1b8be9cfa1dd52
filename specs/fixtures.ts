import { test as base, expect } from '@playwright/test';
import { S3Client } from '@aws-sdk/client-s3';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { dockerAnswers, modeFromEnvironment, startLocalStack, type LocalStackHandle, type LocalStackMode } from '../scripts/lib/localstack/launcher.ts';
import { clientConfig, DEFAULT_REGION, type AwsTarget } from '../scripts/lib/aws/clients.ts';
import { deployTestStack, type DeployedStack } from './support/stack.ts';

// One private worker fixture owns LocalStack for the whole run (Playwright's own pattern for servers);
// tests get thin fixtures built on it.
export interface LocalStackOptions {
  /** Project option: the container project sets 'container'; otherwise the environment's choice, else host. */
  localstackMode: LocalStackMode | undefined;
}

interface WorkerFixtures extends LocalStackOptions {
  /** Why this worker's mode cannot run here (container mode without a Docker engine), printed once. */
  modeUnavailable: string | undefined;
  localstack: LocalStackHandle;
  target: AwsTarget;
  /** The canonical template deployed once per worker (Environment=dev); specs must not change it. */
  stack: DeployedStack;
}

interface TestFixtures {
  /** Auto: skips every test of a project whose LocalStack mode cannot run on this machine, with the reason. */
  skipUnavailableMode: void;
  s3: S3Client;
  cloudwatch: CloudWatchClient;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  localstackMode: [undefined, { scope: 'worker', option: true }],
  modeUnavailable: [
    async ({ localstackMode }, use) => {
      let reason: string | undefined;
      if (localstackMode === 'container' && !(await dockerAnswers())) {
        reason = `no Docker engine answers at ${process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'}: container mode cannot run here`;
        process.stderr.write(`[container] skipped: ${reason}\n`);
      }
      await use(reason);
    },
    { scope: 'worker' },
  ],
  skipUnavailableMode: [
    async ({ modeUnavailable }, use) => {
      test.skip(modeUnavailable !== undefined, modeUnavailable);
      await use();
    },
    { auto: true },
  ],
  localstack: [
    async ({ localstackMode, modeUnavailable }, use) => {
      // Also here, not only in the auto fixture: beforeAll hooks reach worker fixtures without it.
      test.skip(modeUnavailable !== undefined, modeUnavailable);
      // Host unless a project or the environment says otherwise: `npm test` runs container mode as a project of its own.
      const handle = await startLocalStack({ mode: localstackMode ?? modeFromEnvironment() ?? 'host' });
      try {
        await use(handle);
      } finally {
        await handle.stop();
      }
    },
    { scope: 'worker', timeout: 240_000 },
  ],
  target: [async ({ localstack }, use) => use({ endpoint: localstack.endpoint, region: DEFAULT_REGION }), { scope: 'worker' }],
  stack: [async ({ target }, use) => use(await deployTestStack(target)), { scope: 'worker', timeout: 240_000 }],
  s3: async ({ target }, use) => {
    const client = new S3Client(clientConfig(target));
    await use(client);
    client.destroy();
  },
  cloudwatch: async ({ target }, use) => {
    const client = new CloudWatchClient(clientConfig(target));
    await use(client);
    client.destroy();
  },
});

export { expect };
