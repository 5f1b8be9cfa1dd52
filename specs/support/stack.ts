// Deploys the canonical stack into LocalStack for the integration specs, with unique names so runs
// against a shared (external) LocalStack do not collide.
import { deployStack, type EnvironmentName, type DeployResult } from '../../scripts/lib/deploy.ts';
import type { AwsTarget } from '../../scripts/lib/aws/clients.ts';
import { createBucket, physicalIdsOf, uniqueName } from '../../scripts/lib/aws/resources.ts';

export interface DeployedStack extends DeployResult {
  environment: EnvironmentName;
  sourceBucket: string;
  backupBucket: string;
  /** Logical id -> physical id, read from CloudFormation (never from the template). */
  physicalIds: Record<string, string>;
}

export async function deployTestStack(
  target: AwsTarget,
  options: { environment?: EnvironmentName; prefix?: string; sourcePrefix?: string } = {},
): Promise<DeployedStack> {
  const prefix = options.prefix ?? 'dbs';
  const environment = options.environment ?? 'dev';
  const sourceBucket = uniqueName(`${prefix}-source`);
  const backupBucket = uniqueName(`${prefix}-backup`);
  await createBucket(target, sourceBucket);
  const result = await deployStack({
    target,
    environment,
    bucketName: backupBucket,
    sourceBucket,
    ...(options.sourcePrefix ? { sourcePrefix: options.sourcePrefix } : {}),
    stackName: uniqueName(`${prefix}-stack`),
  });
  return { ...result, environment, sourceBucket, backupBucket, physicalIds: await physicalIdsOf(target, result.stackName) };
}
