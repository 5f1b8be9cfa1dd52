import { test as base, expect } from '@playwright/test';
import { S3Client } from '@aws-sdk/client-s3';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { startLocalStack, type LocalStackHandle } from './support/localstack.ts';
import { clientConfig, DEFAULT_REGION, type AwsTarget } from './support/aws.ts';
import { deployTestStack, type DeployedStack } from './support/stack.ts';

// One private worker fixture owns LocalStack for the whole run (Playwright's own pattern for servers);
// tests get thin fixtures built on it.
interface WorkerFixtures {
  localstack: LocalStackHandle;
  target: AwsTarget;
  /** The canonical template deployed once per worker (Environment=dev); specs must not change it. */
  stack: DeployedStack;
}

interface TestFixtures {
  s3: S3Client;
  cloudwatch: CloudWatchClient;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  localstack: [
    async ({}, use) => {
      const handle = await startLocalStack();
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
