// The artifact bucket deploys go through: the Lambda zip and, when it is too large to go inline, the template.
import { createHash } from 'node:crypto';
import { CreateBucketCommand, HeadBucketCommand, HeadObjectCommand, PutBucketEncryptionCommand, PutObjectCommand, PutPublicAccessBlockCommand, type S3Client } from '@aws-sdk/client-s3';

export async function ensureArtifactBucket(s3: S3Client, bucket: string, region: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== 404) throw error;
  }
  await s3.send(
    new CreateBucketCommand({
      Bucket: bucket,
      ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
    }),
  );
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: bucket,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    }),
  );
  await s3.send(
    new PutPublicAccessBlockCommand({
      Bucket: bucket,
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    }),
  );
}

export async function objectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw error;
  }
}

/** CloudFormation takes at most this many bytes of template inline (TemplateBody). */
export const MAX_TEMPLATE_BODY_BYTES = 51_200;

/**
 * How a template reaches CloudFormation: inline when it fits, else from the artifact bucket by URL (as
 * `aws cloudformation deploy --s3-bucket` does), content-addressed so an unchanged template is uploaded once.
 * LocalStack maps an S3 URL onto its own S3, so nothing leaves the machine.
 */
export async function templateSource(s3: S3Client, bucket: string, region: string, body: string): Promise<{ TemplateBody: string } | { TemplateURL: string }> {
  if (Buffer.byteLength(body) <= MAX_TEMPLATE_BODY_BYTES) return { TemplateBody: body };
  const key = `templates/backup-stack-${createHash('sha256').update(body).digest('hex').slice(0, 16)}.yaml`;
  if (!(await objectExists(s3, bucket, key))) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/x-yaml' }));
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return { TemplateURL: `https://${bucket}.s3.${region}.${suffix}/${key}` };
}

