// AWS::S3::Bucket properties that LocalStack 4.14 ignores on create and cannot update: each assertion
// here fails without scripts/localstack-ext's cfn_s3_bucket patch.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  GetBucketAclCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLoggingCommand,
  GetBucketOwnershipControlsCommand,
  GetPublicAccessBlockCommand,
  type LifecycleRule,
} from '@aws-sdk/client-s3';
import { test, expect } from '../../fixtures.ts';
import { clientConfig } from '../../../scripts/lib/aws/clients.ts';
import { uniqueName } from '../../../scripts/lib/aws/resources.ts';
import { createStack, deleteStack, updateStack } from './helpers.ts';

test.describe.configure({ mode: 'serial' });

const TEMPLATE = 's3-bucket.yaml';
let stackName: string;
let outputs: Record<string, string>;
let cfn: CloudFormationClient;

test.beforeAll(async ({ target }) => {
  cfn = new CloudFormationClient(clientConfig(target));
  stackName = uniqueName('lsx-bucket');
  outputs = await createStack(cfn, stackName, TEMPLATE, { Environment: 'dev' });
});

test.afterAll(async () => {
  if (!cfn) return; // beforeAll never ran: the project's LocalStack mode cannot run here (skipped, reason printed)
  await deleteStack(cfn, stackName).catch(() => {});
  cfn.destroy();
});

function rule(rules: LifecycleRule[] | undefined, id: string): LifecycleRule {
  const found = rules?.find((r) => r.ID === id);
  expect(found, `lifecycle rule ${id}`).toBeDefined();
  return found as LifecycleRule;
}

test('BucketEncryption: default encryption is aws:kms with the stack key and a bucket key', async ({ s3 }) => {
  const res = await s3.send(new GetBucketEncryptionCommand({ Bucket: outputs.DataBucketName }));
  const [sse] = res.ServerSideEncryptionConfiguration?.Rules ?? [];
  expect(sse?.ApplyServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'aws:kms', KMSMasterKeyID: outputs.KeyArn });
  expect(sse?.BucketKeyEnabled).toBe(true);
});

test('PublicAccessBlockConfiguration: each bucket gets exactly its configured blocks', async ({ s3 }) => {
  const data = await s3.send(new GetPublicAccessBlockCommand({ Bucket: outputs.DataBucketName }));
  expect(data.PublicAccessBlockConfiguration).toEqual({
    BlockPublicAcls: true,
    BlockPublicPolicy: true,
    IgnorePublicAcls: true,
    RestrictPublicBuckets: true,
  });
  // S3 blocks everything on new buckets by default: only a partial configuration shows it was applied.
  const logs = await s3.send(new GetPublicAccessBlockCommand({ Bucket: outputs.LogBucketName }));
  expect(logs.PublicAccessBlockConfiguration).toEqual({
    BlockPublicAcls: true,
    BlockPublicPolicy: false,
    IgnorePublicAcls: true,
    RestrictPublicBuckets: false,
  });
});

test('OwnershipControls: each bucket gets its own object ownership', async ({ s3 }) => {
  const data = await s3.send(new GetBucketOwnershipControlsCommand({ Bucket: outputs.DataBucketName }));
  expect(data.OwnershipControls?.Rules).toEqual([{ ObjectOwnership: 'BucketOwnerEnforced' }]);
  const logs = await s3.send(new GetBucketOwnershipControlsCommand({ Bucket: outputs.LogBucketName }));
  expect(logs.OwnershipControls?.Rules).toEqual([{ ObjectOwnership: 'BucketOwnerPreferred' }]);
});

test('LoggingConfiguration: access logs go to the log bucket under the prefix', async ({ s3 }) => {
  const res = await s3.send(new GetBucketLoggingCommand({ Bucket: outputs.DataBucketName }));
  expect(res.LoggingEnabled).toMatchObject({ TargetBucket: outputs.LogBucketName, TargetPrefix: 'access-logs/data/' });
});

test('no AccessControl: the bucket is private, as on AWS (4.14 makes it public-read)', async ({ s3 }) => {
  const acl = await s3.send(new GetBucketAclCommand({ Bucket: outputs.LogBucketName }));
  const publicGrants = (acl.Grants ?? []).filter((g) => g.Grantee?.URI?.includes('AllUsers'));
  expect(publicGrants).toEqual([]);
});

test('LifecycleConfiguration: CloudFormation rule shapes map to the S3 API shapes', async ({ s3 }) => {
  const { Rules: rules } = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: outputs.DataBucketName }));
  expect(rules).toHaveLength(3);
  const expire = rule(rules, 'Expire');
  expect(expire.Status).toBe('Enabled');
  expect(expire.Expiration?.Days).toBe(30);
  expect(expire.NoncurrentVersionExpiration?.NoncurrentDays).toBe(7);
  expect(expire.AbortIncompleteMultipartUpload?.DaysAfterInitiation).toBe(1);
  expect(expire.Transitions ?? []).toEqual([]);
  const reports = rule(rules, 'Reports');
  expect(reports.Filter?.Prefix).toBe('reports/');
  expect(reports.Expiration?.Days).toBe(7);
  expect(rule(rules, 'DeleteMarkers').Expiration?.ExpiredObjectDeleteMarker).toBe(true);
});

test('update: an Environment parameter change reaches the lifecycle rules', async ({ s3 }) => {
  await updateStack(cfn, stackName, TEMPLATE, { Environment: 'prod' });
  const { Rules: rules } = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: outputs.DataBucketName }));
  const expire = rule(rules, 'Expire');
  expect(expire.Expiration?.Days).toBe(365);
  expect(expire.NoncurrentVersionExpiration?.NoncurrentDays).toBe(30);
  expect(expire.Transitions).toEqual([{ Days: 90, StorageClass: 'GLACIER' }]);
  // Unchanged configuration survives the update.
  const enc = await s3.send(new GetBucketEncryptionCommand({ Bucket: outputs.DataBucketName }));
  expect(enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID).toBe(outputs.KeyArn);
});
