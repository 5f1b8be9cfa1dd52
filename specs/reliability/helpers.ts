// Shared setup for the reliability specs: a fault proxy per test in front of the worker's LocalStack,
// SDK clients configured like the Lambda's own (adaptive retry, same attempt counts) but pointed at the
// proxy, and a stack of this suite's own whose function may be reconfigured (the canonical `stack`
// fixture must stay as deployed).
import { randomBytes } from 'node:crypto';
import { S3Client, ListObjectVersionsCommand, PutBucketVersioningCommand, type ObjectVersion } from '@aws-sdk/client-s3';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { test as base, expect } from '../fixtures.ts';
import { clientConfig, type AwsTarget } from '../../scripts/lib/aws/clients.ts';
import { deployTestStack, type DeployedStack } from '../support/stack.ts';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../support/fault-proxy.ts';
import { sumBackupMetrics } from '../../scripts/lib/invoke.ts';

export { expect };

interface ReliabilityWorkerFixtures {
  /** A stack of this suite's own (Environment=dev): specs reconfigure its function, never the canonical one. */
  ownStack: DeployedStack;
}

interface ReliabilityTestFixtures {
  /** A transparent fault proxy in front of LocalStack; rules are set by the test. Closed after the test. */
  faults: FaultProxy;
}

export const test = base.extend<ReliabilityTestFixtures, ReliabilityWorkerFixtures>({
  ownStack: [async ({ target }, use) => use(await deployTestStack(target, { prefix: 'rel' })), { scope: 'worker', timeout: 240_000 }],
  faults: async ({ localstack }, use) => {
    const proxy = await startFaultProxy({ upstream: localstack.endpoint, seed: 6 });
    await use(proxy);
    await proxy.close();
  },
});

/**
 * S3 and CloudWatch clients as the Lambda builds them (lambda/src/adapter.ts createClients: adaptive
 * retry, 8 S3 attempts, 5 CloudWatch attempts, keep-alive sockets), but against `endpoint`.
 */
export function lambdaLikeClients(endpoint: string, region = 'us-east-1') {
  const base = clientConfig({ endpoint, region });
  const s3 = new S3Client({
    ...base,
    retryMode: 'adaptive',
    maxAttempts: 8,
    requestHandler: new NodeHttpHandler({ httpAgent: { maxSockets: 64, keepAlive: true } }),
  });
  const cloudwatch = new CloudWatchClient({ ...base, retryMode: 'adaptive', maxAttempts: 5 });
  return {
    s3,
    cloudwatch,
    destroy() {
      s3.destroy();
      cloudwatch.destroy();
    },
  };
}

export async function enableVersioning(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
}

/** Every object version (not delete markers) under a prefix. */
export async function listVersions(s3: S3Client, bucket: string, prefix: string): Promise<ObjectVersion[]> {
  const versions: ObjectVersion[] = [];
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  do {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, VersionIdMarker: versionMarker }));
    versions.push(...(page.Versions ?? []));
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker);
  return versions;
}

/** How many versions each key has. */
export function versionCounts(versions: ObjectVersion[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of versions) counts.set(v.Key!, (counts.get(v.Key!) ?? 0) + 1);
  return counts;
}

/** Sums of each backup metric in one namespace (unique per test), through GetMetricData. */
export const metricSums = (cloudwatch: CloudWatchClient, namespace: string, environment = 'dev') =>
  sumBackupMetrics(cloudwatch, { namespace, environment, start: new Date(Date.now() - 15 * 60_000), end: new Date(Date.now() + 5 * 60_000) });

export const uniqueNamespace = () => `DocumentBackupReliability/${randomBytes(4).toString('hex')}`;

/**
 * Merges `variables` into the function's environment (undefined removes one), optionally sets its
 * Timeout, and waits until the update is live. Only for ownStack's function.
 */
export async function configureFunction(
  target: AwsTarget,
  functionName: string,
  change: { variables?: Record<string, string | undefined>; timeoutSeconds?: number },
): Promise<Record<string, string>> {
  const lambda = new LambdaClient(clientConfig(target));
  try {
    const current = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    const variables: Record<string, string> = { ...(current.Environment?.Variables ?? {}) };
    for (const [name, value] of Object.entries(change.variables ?? {})) {
      if (value === undefined) delete variables[name];
      else variables[name] = value;
    }
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: functionName,
        Environment: { Variables: variables },
        ...(change.timeoutSeconds ? { Timeout: change.timeoutSeconds } : {}),
      }),
    );
    await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { FunctionName: functionName });
    return variables;
  } finally {
    lambda.destroy();
  }
}

/**
 * Rules for the 10 % transient-fault runs: server errors and dropped connections on S3, plus a few
 * SlowDowns. Rules are tried in order, so each rate is conditional on the earlier rules passing.
 */
export function transientS3Faults(total = 0.1, slowdowns = 5): FaultRule[] {
  const internal = total * 0.6;
  const reset = (total * 0.4) / (1 - internal);
  return [
    // SlowDown is capped: every one makes the adaptive client cut its send rate by 30 %, and early in a run
    // (before it has measured its rate) that can slow it to a crawl. 25 SlowDowns stretch this 500-document
    // run from ~12-15 s to ~40 s; the cap keeps the throttling path exercised without paying for that.
    { name: 'slowdown', match: { service: 's3' }, fault: { kind: 'slowdown' }, rate: total * 0.2, limit: slowdowns },
    { name: 'internal', match: { service: 's3' }, fault: { kind: 'internal' }, rate: internal },
    { name: 'reset', match: { service: 's3' }, fault: { kind: 'reset' }, rate: reset },
  ];
}
