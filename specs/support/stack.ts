// Deploys the canonical stack into LocalStack for the integration specs, with unique names so runs
// against a shared (external) LocalStack do not collide.
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { deployStack, type EnvironmentName, type DeployResult } from '../../scripts/lib/deploy.ts';
import { clientConfig, type AwsTarget } from './aws.ts';

export interface DeployedStack extends DeployResult {
  environment: EnvironmentName;
  sourceBucket: string;
  backupBucket: string;
  /** Logical id -> physical id, read from CloudFormation (never from the template). */
  physicalIds: Record<string, string>;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function createBucket(target: AwsTarget, name: string): Promise<void> {
  const s3 = new S3Client(clientConfig(target));
  try {
    await s3.send(new CreateBucketCommand({ Bucket: name }));
  } finally {
    s3.destroy();
  }
}

export async function physicalIdsOf(target: AwsTarget, stackName: string): Promise<Record<string, string>> {
  const cfn = new CloudFormationClient(clientConfig(target));
  try {
    const out = await cfn.send(new DescribeStackResourcesCommand({ StackName: stackName }));
    const ids: Record<string, string> = {};
    for (const r of out.StackResources ?? []) if (r.LogicalResourceId && r.PhysicalResourceId) ids[r.LogicalResourceId] = r.PhysicalResourceId;
    return ids;
  } finally {
    cfn.destroy();
  }
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
