// Where the backup lives: the stack's outputs, or a bucket named directly (the stack may be gone).
import { GetBucketEncryptionCommand, type S3Client } from '@aws-sdk/client-s3';
import { DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { httpStatusOf } from '../../../lambda/src/s3.ts';
import { RestoreInputError, errorMessage, errorName } from './errors.ts';

export interface BackupLocation {
  backupBucket: string;
  /** The stack's key; verify checks every backup object is encrypted with it. */
  kmsKeyArn?: string;
  stackName?: string;
}

/** Reads BackupBucketName and KMSKeyArn from the stack's outputs. */
export async function locateFromStack(cfn: CloudFormationClient, stackName: string): Promise<BackupLocation> {
  let outputs: Record<string, string>;
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = out.Stacks?.[0];
    if (!stack) throw new RestoreInputError(`stack "${stackName}" does not exist; check --stack-name and --region`);
    outputs = Object.fromEntries((stack.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])));
  } catch (err) {
    if (err instanceof RestoreInputError) throw err;
    if (errorName(err) === 'ValidationError' && /does not exist/.test(errorMessage(err))) {
      throw new RestoreInputError(`stack "${stackName}" does not exist; check --stack-name and --region`, { cause: err });
    }
    throw err;
  }
  const backupBucket = outputs['BackupBucketName'];
  if (!backupBucket) throw new RestoreInputError(`stack "${stackName}" has no BackupBucketName output; is it a document-backup stack?`);
  return { backupBucket, stackName, ...(outputs['KMSKeyArn'] ? { kmsKeyArn: outputs['KMSKeyArn'] } : {}) };
}

/** Without a stack: the bucket's default encryption key stands in for the stack's key. */
export async function locateFromBucket(s3: S3Client, backupBucket: string): Promise<BackupLocation> {
  try {
    const enc = await s3.send(new GetBucketEncryptionCommand({ Bucket: backupBucket }));
    const key = enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID;
    return { backupBucket, ...(key?.startsWith('arn:') ? { kmsKeyArn: key } : {}) };
  } catch (err) {
    if (errorName(err) === 'NoSuchBucket') throw new RestoreInputError(`backup bucket "${backupBucket}" does not exist; check --backup-bucket`, { cause: err });
    // No default encryption, or no permission to read it: verify then checks only that objects are SSE-KMS.
    if (httpStatusOf(err) === 404 || httpStatusOf(err) === 403) return { backupBucket };
    throw err;
  }
}
