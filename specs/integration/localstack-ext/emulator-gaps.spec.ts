// No silent emulator gaps: what LocalStack cannot do fails loudly instead of succeeding without doing it.
// CFN_IGNORE_UNSUPPORTED_RESOURCE_TYPES=0 and S3_SKIP_KMS_KEY_VALIDATION=0 in every mode; the extension's
// cfn_resource_catalog patch makes the first usable offline (without it every resource type is "unsupported").
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { test, expect } from '../../fixtures.ts';
import { clientConfig } from '../../../scripts/lib/aws/clients.ts';
import { uniqueName } from '../../../scripts/lib/aws/resources.ts';
import { createStack, deleteStack } from './helpers.ts';

test('a template with a resource type LocalStack lacks is refused, naming the type', async ({ target }) => {
  const cfn = new CloudFormationClient(clientConfig(target));
  const stackName = uniqueName('unsupported');
  try {
    const failure = await createStack(cfn, stackName, 'unsupported.yaml').then(() => '', (e: Error) => e.message);
    expect(failure, 'the stack did not complete').toMatch(/^stack \S+ is \w*(FAILED|ROLLBACK\w*), expected CREATE_COMPLETE/);
    expect(failure).toContain('AWS::Glue::Database');
    expect(failure).not.toContain('AWS::SQS::Queue'); // the supported type is not blamed
  } finally {
    await deleteStack(cfn, stackName).catch(() => {});
    cfn.destroy();
  }
});

test('S3 refuses a put encrypted with a KMS key that does not exist', async ({ target, s3, sandboxBucket: bucket }) => {
  const put = s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: 'doc.txt',
      Body: 'x',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: `arn:aws:kms:${target.region}:000000000000:key/00000000-0000-4000-8000-000000000000`,
    }),
  );
  await expect(put).rejects.toThrow(/KMS|key/i);
});
