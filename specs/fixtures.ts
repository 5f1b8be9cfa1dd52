import { test as base, expect } from '@playwright/test';
import { S3Client } from '@aws-sdk/client-s3';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CreateKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { dockerAnswers, modeFromEnvironment, startLocalStack, type LocalStackHandle, type LocalStackMode } from '../scripts/lib/localstack/launcher.ts';
import { clientConfig, DEFAULT_REGION, type AwsTarget } from '../scripts/lib/aws/clients.ts';
import { createBucket, deleteBucket, uniqueName } from '../scripts/lib/aws/resources.ts';
import { createClients } from '../lambda/src/adapter.ts';
import { loadConfig, type BackupConfig } from '../lambda/src/config.ts';
import {
  applyFunctionSettings,
  configureFunction,
  deployTestStack,
  functionSettings,
  removeTestStack,
  type DeployedStack,
  type FunctionChange,
  type FunctionSettings,
  type TestStackOptions,
} from './support/stack.ts';
import { startFaultProxy, type FaultProxy } from '../scripts/lib/fault-proxy.ts';
import { BREAK_GLASS_ROLE } from './support/break-glass.ts';

// One private worker fixture owns LocalStack for the whole run (Playwright's own pattern for servers);
// tests get thin fixtures built on it. Whatever a spec needs of its own (buckets, a fault proxy, a stack whose
// function it reconfigures) comes from a fixture here that removes or restores it after the test, also when
// the test fails: isolation is the fixtures' job, not each spec's.
export interface LocalStackOptions {
  /** Project option: the container project sets 'container'; otherwise the environment's choice, else host. */
  localstackMode: LocalStackMode | undefined;
}

/** Stacks of the worker's own, for specs that change or delete a stack; each one deployed is deleted when the worker ends. */
export interface OwnStacks {
  deploy(options?: TestStackOptions): Promise<DeployedStack>;
}

interface WorkerFixtures extends LocalStackOptions {
  /** Why this worker's mode cannot run here (container mode without a Docker engine), printed once. */
  modeUnavailable: string | undefined;
  localstack: LocalStackHandle;
  target: AwsTarget;
  /** The canonical template deployed once per worker (Environment=dev, BreakGlassRoleName support/break-glass.ts's); specs must not change it. */
  stack: DeployedStack;
  ownStacks: OwnStacks;
  /** A stack of its own (Environment=dev) whose function tests may reconfigure, through `ownFunction` only. */
  ownStack: DeployedStack;
}

/** Unique buckets for one test; each is emptied (every version) and deleted after it. */
export interface SandboxBuckets {
  create(prefix?: string): Promise<string>;
}

/** Buckets, a KMS key and a metrics namespace for one run of the backup core, with its config read the Lambda's way. */
export interface BackupSandbox {
  sourceBucket: string;
  backupBucket: string;
  kmsKeyArn: string;
  /** Unique per test so metric queries only see this test's data points. */
  metricsNamespace: string;
  env(overrides?: Record<string, string | undefined>): Record<string, string | undefined>;
  config(overrides?: Record<string, string | undefined>): BackupConfig;
}

/** The Lambda's own clients (lambda/src/adapter.ts createClients: its retry modes, attempts and sockets), talking to the fault proxy through the factory's base. */
export type LambdaClients = (config: Pick<BackupConfig, 'copyConcurrency' | 'multipartPartConcurrency'>) => ReturnType<typeof createClients>;

/** `ownStack`'s function: changes go through `configure` and are undone after the test. */
export interface OwnFunction {
  name: string;
  configure(change: FunctionChange): Promise<Record<string, string>>;
}

interface TestFixtures {
  /** Auto: skips every test of a project whose LocalStack mode cannot run on this machine, with the reason. */
  skipUnavailableMode: void;
  s3: S3Client;
  cloudwatch: CloudWatchClient;
  sandboxBuckets: SandboxBuckets;
  /** One unique bucket, emptied and deleted after the test. */
  sandboxBucket: string;
  /** A transparent fault proxy in front of LocalStack (seed 6); the test sets its rules. Closed after the test. */
  faultProxy: FaultProxy;
  backupSandbox: BackupSandbox;
  lambdaClients: LambdaClients;
  ownFunction: OwnFunction;
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
  // With a break-glass role: the one principal that may destroy a retained backup version (restore.spec.ts does).
  stack: [async ({ target }, use) => use(await deployTestStack(target, { breakGlassRoleName: BREAK_GLASS_ROLE })), { scope: 'worker', timeout: 240_000 }],
  ownStacks: [
    async ({ target }, use) => {
      const deployed: DeployedStack[] = [];
      try {
        await use({
          async deploy(options = {}) {
            const stack = await deployTestStack(target, { prefix: 'own', ...options });
            deployed.push(stack);
            return stack;
          },
        });
      } finally {
        for (const stack of deployed) await removeTestStack(target, stack);
      }
    },
    { scope: 'worker', timeout: 240_000 },
  ],
  ownStack: [async ({ ownStacks }, use) => use(await ownStacks.deploy({ prefix: 'rel' })), { scope: 'worker', timeout: 240_000 }],
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
  sandboxBuckets: async ({ target }, use) => {
    const buckets: string[] = [];
    try {
      await use({
        async create(prefix = 'sandbox') {
          const name = uniqueName(prefix);
          await createBucket(target, name);
          buckets.push(name);
          return name;
        },
      });
    } finally {
      await Promise.all(buckets.map((name) => deleteBucket(target, name)));
    }
  },
  sandboxBucket: async ({ sandboxBuckets }, use) => use(await sandboxBuckets.create()),
  faultProxy: async ({ localstack }, use) => {
    const proxy = await startFaultProxy({ upstream: localstack.endpoint, seed: 6 });
    try {
      await use(proxy);
    } finally {
      await proxy.close();
    }
  },
  backupSandbox: async ({ target, sandboxBuckets }, use) => {
    const sourceBucket = await sandboxBuckets.create('src');
    const backupBucket = await sandboxBuckets.create('bak');
    const kms = new KMSClient(clientConfig(target));
    const key = await kms.send(new CreateKeyCommand({ Description: 'document-backup spec key' }));
    const kmsKeyArn = key.KeyMetadata!.Arn!;
    const metricsNamespace = uniqueName('DocumentBackupSpec');
    const env = (overrides: Record<string, string | undefined> = {}) => ({
      BACKUP_BUCKET: backupBucket,
      SOURCE_BUCKET: sourceBucket,
      SOURCE_PREFIX: '',
      KMS_KEY_ARN: kmsKeyArn,
      ENVIRONMENT: 'dev',
      METRICS_NAMESPACE: metricsNamespace,
      ...overrides,
    });
    try {
      await use({ sourceBucket, backupBucket, kmsKeyArn, metricsNamespace, env, config: (overrides) => loadConfig(env(overrides)) });
    } finally {
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: kmsKeyArn, PendingWindowInDays: 7 }));
      kms.destroy();
    }
  },
  lambdaClients: async ({ faultProxy, target }, use) => {
    // The factory as handler.ts calls it, with the proxy as the base under its own retry and socket settings
    // (so those are what the specs exercise) and an empty environment: process.env is left alone.
    const made: { destroy(): void }[] = [];
    try {
      await use((config) => {
        const clients = createClients(config, {}, clientConfig({ endpoint: faultProxy.endpoint, region: target.region }));
        made.push(clients.s3, clients.cloudwatch);
        return clients;
      });
    } finally {
      for (const client of made) client.destroy();
    }
  },
  ownFunction: async ({ ownStack, target }, use) => {
    const name = ownStack.outputs['BackupLambdaName']!;
    let original: FunctionSettings | undefined;
    try {
      await use({
        name,
        async configure(change) {
          original ??= await functionSettings(target, name);
          return configureFunction(target, name, change);
        },
      });
    } finally {
      if (original) await applyFunctionSettings(target, name, original);
    }
  },
});

export { expect };
