// Small AWS resource helpers the CLIs and the specs share: unique names (runs against a shared LocalStack must
// not collide), a bucket, a stack's physical ids.
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { clientConfig, type AwsTarget } from './clients.ts';

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
