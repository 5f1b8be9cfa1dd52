// Small AWS resource helpers the CLIs and the specs share: unique names (runs against a shared LocalStack must
// not collide), a bucket made and removed, a stack's physical ids and outputs, and the one stack waiter.
import { randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  type Stack,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { clientConfig, type AwsTarget } from './clients.ts';

/** `<prefix>-<8 hex>`: the one unique-name scheme for buckets, stacks, functions and metric namespaces. */
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

/**
 * Empties a bucket (every version and delete marker, unfinished multipart uploads) and deletes it. A bucket that
 * is not there is not an error; one under Object Lock keeps its retained versions and fails here.
 */
export async function deleteBucket(target: AwsTarget, name: string): Promise<void> {
  const s3 = new S3Client(clientConfig(target));
  try {
    for (;;) {
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket: name, MaxKeys: 1000 }));
      const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key!, VersionId: v.VersionId }));
      if (objects.length === 0) break;
      await s3.send(new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: objects, Quiet: true } }));
    }
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: name }));
    for (const u of uploads.Uploads ?? []) await s3.send(new AbortMultipartUploadCommand({ Bucket: name, Key: u.Key!, UploadId: u.UploadId! }));
    await s3.send(new DeleteBucketCommand({ Bucket: name }));
  } catch (error) {
    if ((error as Error).name !== 'NoSuchBucket') throw error;
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

/** The stack, or undefined when CloudFormation says it does not exist. */
export async function describeStack(cfn: CloudFormationClient, stackName: string): Promise<Stack | undefined> {
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    return out.Stacks?.[0];
  } catch (error) {
    if (/does not exist/.test((error as Error).message)) return undefined;
    throw error;
  }
}

export function stackOutputs(stack: Stack): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of stack.Outputs ?? []) if (o.OutputKey && o.OutputValue !== undefined) out[o.OutputKey] = o.OutputValue;
  return out;
}

export interface FailedResource {
  logicalId: string;
  type: string;
  status: string;
  reason: string;
}

/** The resources that failed since `since`, once each (newest event first), the stack itself left out. */
export async function failedResources(cfn: CloudFormationClient, stackName: string, since: Date): Promise<FailedResource[]> {
  const events: StackEvent[] = [];
  let token: string | undefined;
  do {
    const page = await cfn.send(new DescribeStackEventsCommand({ StackName: stackName, NextToken: token }));
    events.push(...(page.StackEvents ?? []));
    token = page.NextToken;
  } while (token && events.length < 500);
  const seen = new Set<string>();
  const failures: FailedResource[] = [];
  for (const e of events) {
    if (!e.Timestamp || e.Timestamp < since) continue;
    if (!e.ResourceStatus?.endsWith('_FAILED') || !e.LogicalResourceId || seen.has(e.LogicalResourceId)) continue;
    if (e.LogicalResourceId === stackName) continue;
    seen.add(e.LogicalResourceId);
    failures.push({
      logicalId: e.LogicalResourceId,
      type: e.ResourceType ?? '',
      status: e.ResourceStatus,
      reason: e.ResourceStatusReason ?? 'no reason given',
    });
  }
  return failures;
}

export interface WaitForStackOptions {
  /** Events before this are another operation's (progress counts only later ones). */
  since: Date;
  /** When the wait is over; default: the stack is in no *_IN_PROGRESS state. A stack that is gone always ends it. */
  settled?: (status: string) => boolean;
  pollMs?: number;
  /** Give up after this long (default: never; the caller's own deadline applies). */
  timeoutMs?: number;
  /** Called on every poll with the status and how many resources completed since `since`. */
  onPoll?: (status: string, completed: number) => void;
}

export const IN_PROGRESS = /_IN_PROGRESS$/;

/**
 * The one stack waiter (deploy, delete, the specs' fixture stacks): polls the stack until it settles and returns
 * it as last described, or undefined when it no longer exists. Judging the final status is the caller's.
 */
export async function waitForStack(cfn: CloudFormationClient, stackName: string, options: WaitForStackOptions): Promise<Stack | undefined> {
  const settled = options.settled ?? ((status: string) => !IN_PROGRESS.test(status));
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  const completed = new Set<string>();
  for (;;) {
    const stack = await describeStack(cfn, stackName);
    const status = stack?.StackStatus;
    if (!stack || !status) return undefined;
    if (options.onPoll) {
      const page = await cfn.send(new DescribeStackEventsCommand({ StackName: stackName }));
      for (const e of page.StackEvents ?? []) {
        if (e.Timestamp && e.Timestamp >= options.since && e.LogicalResourceId !== stackName && /_COMPLETE$/.test(e.ResourceStatus ?? '')) {
          completed.add(e.LogicalResourceId ?? '');
        }
      }
      options.onPoll(status, completed.size);
    }
    if (settled(status)) return stack;
    if (Date.now() > deadline) throw new Error(`stack ${stackName} did not settle within ${options.timeoutMs} ms (last: ${status})`);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
  }
}
