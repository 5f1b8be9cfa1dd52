// Packages the Lambda, uploads it under a content-hash key and creates or updates the stack through a
// change set. The same code deploys into LocalStack (endpoint set) and real AWS (default credential chain).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  type Parameter,
  type Stack,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import {
  CreateBucketCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutPublicAccessBlockCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { buildLambda } from '../build-lambda.ts';
import { clientConfig, type AwsTarget } from '../../specs/support/aws.ts';

export const ROOT = join(import.meta.dirname, '..', '..');
export const CANONICAL_TEMPLATE = join(ROOT, 'template', 'backup-stack.yaml');
export const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

export interface DeployOptions {
  target: AwsTarget;
  environment: EnvironmentName;
  bucketName: string;
  sourceBucket: string;
  sourcePrefix?: string;
  stackName?: string;
  templatePath?: string;
  /** Bucket for the Lambda package; created (encrypted, private) when missing. */
  artifactBucket?: string;
  alarmEmail?: string;
  /** Called as resources complete, for progress bars. */
  onProgress?: (event: DeployProgress) => void;
}

export interface DeployProgress {
  phase: 'build' | 'upload' | 'changeset' | 'execute' | 'done';
  message: string;
  completed?: number;
  total?: number;
}

export interface DeployResult {
  stackName: string;
  stackId: string;
  status: string;
  /** False when the change set had nothing to change. */
  changed: boolean;
  outputs: Record<string, string>;
  codeKey: string;
  artifactBucket: string;
}

export interface FailedResource {
  logicalId: string;
  type: string;
  status: string;
  reason: string;
}

/** A deployment that did not reach a complete state; `failures` name each failed resource and why. */
export class DeployError extends Error {
  override readonly name = 'DeployError';
  constructor(
    message: string,
    readonly failures: FailedResource[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function defaultStackName(environment: string): string {
  return `document-backup-${environment}`;
}

const POLL_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Turns SDK network failures into one line that says what to do. */
export function describeConnectionError(error: unknown, target: AwsTarget): string | undefined {
  const code = (error as { code?: string; cause?: { code?: string } }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  const name = (error as Error).name;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ECONNRESET' || code === 'EHOSTUNREACH') {
    return target.endpoint
      ? `cannot reach ${target.endpoint} (${code}); start LocalStack with \`npm run localstack -- up\` or check --endpoint`
      : `cannot reach AWS in ${target.region} (${code}); check the network and region`;
  }
  if (name === 'CredentialsProviderError') return 'no AWS credentials found; configure the default credential chain or pass --endpoint for LocalStack';
  if (name === 'InvalidClientTokenId' || name === 'UnrecognizedClientException' || name === 'SignatureDoesNotMatch') {
    return `the AWS credentials were rejected (${name}); check them or the profile`;
  }
  return undefined;
}

async function ensureArtifactBucket(s3: S3Client, bucket: string, region: string): Promise<void> {
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

async function objectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw error;
  }
}

export async function describeStack(cfn: CloudFormationClient, stackName: string): Promise<Stack | undefined> {
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    return out.Stacks?.[0];
  } catch (error) {
    if (/does not exist/.test((error as Error).message)) return undefined;
    throw error;
  }
}

/** A stack output the caller cannot go on without; a stack lacking it is named, not passed on as undefined. */
export function requireOutput(deployed: Pick<DeployResult, 'stackName' | 'outputs'>, key: string): string {
  const value = deployed.outputs[key];
  if (!value) throw new Error(`stack ${deployed.stackName} reports no ${key} output (outputs: ${Object.keys(deployed.outputs).join(', ') || 'none'})`);
  return value;
}

function outputsOf(stack: Stack): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of stack.Outputs ?? []) if (o.OutputKey && o.OutputValue !== undefined) out[o.OutputKey] = o.OutputValue;
  return out;
}

const TERMINAL_OK = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);
const IN_PROGRESS = /_IN_PROGRESS$/;

async function failedResources(cfn: CloudFormationClient, stackName: string, since: Date): Promise<FailedResource[]> {
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

async function waitForChangeSet(cfn: CloudFormationClient, stackName: string, changeSetName: string) {
  for (;;) {
    const cs = await cfn.send(new DescribeChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetName }));
    if (cs.Status === 'CREATE_COMPLETE') return { changes: cs.Changes?.length ?? 0, empty: false };
    if (cs.Status === 'FAILED') {
      const reason = cs.StatusReason ?? 'unknown reason';
      if (/didn't contain changes|No updates are to be performed|no changes/i.test(reason)) return { changes: 0, empty: true };
      throw new DeployError(`change set ${changeSetName} failed: ${reason}`);
    }
    await sleep(POLL_MS / 2);
  }
}

async function waitForStack(cfn: CloudFormationClient, stackName: string, since: Date, total: number, onProgress?: DeployOptions['onProgress']): Promise<Stack> {
  const done = new Set<string>();
  for (;;) {
    const stack = await describeStack(cfn, stackName);
    if (!stack?.StackStatus) throw new DeployError(`stack ${stackName} disappeared while deploying`);
    if (onProgress) {
      const page = await cfn.send(new DescribeStackEventsCommand({ StackName: stackName }));
      for (const e of page.StackEvents ?? []) {
        if (e.Timestamp && e.Timestamp >= since && e.LogicalResourceId !== stackName && /_COMPLETE$/.test(e.ResourceStatus ?? '')) {
          done.add(e.LogicalResourceId ?? '');
        }
      }
      onProgress({ phase: 'execute', message: stack.StackStatus, completed: Math.min(done.size, total), total });
    }
    if (!IN_PROGRESS.test(stack.StackStatus)) {
      if (TERMINAL_OK.has(stack.StackStatus)) return stack;
      const failures = await failedResources(cfn, stackName, since);
      throw new DeployError(`stack ${stackName} ended in ${stack.StackStatus}${stack.StackStatusReason ? `: ${stack.StackStatusReason}` : ''}`, failures);
    }
    await sleep(POLL_MS);
  }
}

export async function deployStack(options: DeployOptions): Promise<DeployResult> {
  const { target, onProgress } = options;
  const stackName = options.stackName ?? defaultStackName(options.environment);
  const config = clientConfig(target);
  const cfn = new CloudFormationClient(config);
  const s3 = new S3Client(config);
  try {
    onProgress?.({ phase: 'build', message: 'bundling the Lambda' });
    const bundle = await buildLambda();
    let artifactBucket = options.artifactBucket;
    if (!artifactBucket) {
      const sts = new STSClient(config);
      const { Account } = await sts.send(new GetCallerIdentityCommand({}));
      sts.destroy();
      artifactBucket = `document-backup-artifacts-${Account}-${target.region}`;
    }
    const codeKey = `lambda/backup-${bundle.sha256.slice(0, 16)}.zip`;
    onProgress?.({ phase: 'upload', message: `s3://${artifactBucket}/${codeKey}` });
    await ensureArtifactBucket(s3, artifactBucket, target.region);
    if (!(await objectExists(s3, artifactBucket, codeKey))) {
      await s3.send(new PutObjectCommand({ Bucket: artifactBucket, Key: codeKey, Body: await readFile(bundle.zipPath), ContentType: 'application/zip' }));
    }

    const templateBody = await readFile(options.templatePath ?? CANONICAL_TEMPLATE, 'utf8');
    const parameters: Parameter[] = [
      { ParameterKey: 'Environment', ParameterValue: options.environment },
      { ParameterKey: 'BackupBucketName', ParameterValue: options.bucketName },
      { ParameterKey: 'SourceBucketName', ParameterValue: options.sourceBucket },
      { ParameterKey: 'SourcePrefix', ParameterValue: options.sourcePrefix ?? '' },
      { ParameterKey: 'LambdaCodeBucket', ParameterValue: artifactBucket },
      { ParameterKey: 'LambdaCodeKey', ParameterValue: codeKey },
      { ParameterKey: 'AlarmEmail', ParameterValue: options.alarmEmail ?? '' },
    ];

    let existing = await describeStack(cfn, stackName);
    // A stack whose first create failed cannot be updated; CloudFormation requires deleting it first.
    if (existing?.StackStatus === 'ROLLBACK_COMPLETE' || existing?.StackStatus === 'REVIEW_IN_PROGRESS') {
      await cfn.send(new DeleteStackCommand({ StackName: stackName }));
      while ((existing = await describeStack(cfn, stackName)) && existing.StackStatus !== 'DELETE_COMPLETE') await sleep(POLL_MS);
      existing = undefined;
    }
    if (existing?.StackStatus && IN_PROGRESS.test(existing.StackStatus)) {
      throw new DeployError(`stack ${stackName} is busy (${existing.StackStatus}); wait for it to finish and try again`);
    }
    const changeSetName = `deploy-${Date.now()}`;
    const since = new Date(Date.now() - 1000);
    onProgress?.({ phase: 'changeset', message: `creating change set ${changeSetName}` });
    await cfn.send(
      new CreateChangeSetCommand({
        StackName: stackName,
        ChangeSetName: changeSetName,
        ChangeSetType: existing ? 'UPDATE' : 'CREATE',
        TemplateBody: templateBody,
        Parameters: parameters,
        Capabilities: ['CAPABILITY_IAM'],
        Tags: [
          { Key: 'Environment', Value: options.environment },
          { Key: 'Purpose', Value: 'document-backup' },
          { Key: 'iac-rlhf-amazon', Value: 'true' },
        ],
      }),
    );
    const { changes, empty } = await waitForChangeSet(cfn, stackName, changeSetName);
    let stack: Stack;
    if (empty) {
      stack = (await describeStack(cfn, stackName))!;
    } else {
      await cfn.send(new ExecuteChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetName }));
      stack = await waitForStack(cfn, stackName, since, changes, onProgress);
    }
    onProgress?.({ phase: 'done', message: stack.StackStatus ?? '' });
    return {
      stackName,
      stackId: stack.StackId ?? '',
      status: stack.StackStatus ?? '',
      changed: !empty,
      outputs: outputsOf(stack),
      codeKey,
      artifactBucket,
    };
  } catch (error) {
    if (error instanceof DeployError) throw error;
    const connection = describeConnectionError(error, target);
    if (connection) throw new DeployError(connection, [], { cause: error });
    throw new DeployError(`deploy failed: ${(error as Error).message}`, [], { cause: error });
  } finally {
    cfn.destroy();
    s3.destroy();
  }
}

/** Deletes the stack and waits; retained resources (buckets, key, log group) stay, as in AWS. */
export async function deleteStack(target: AwsTarget, stackName: string): Promise<void> {
  const cfn = new CloudFormationClient(clientConfig(target));
  try {
    if (!(await describeStack(cfn, stackName))) return;
    await cfn.send(new DeleteStackCommand({ StackName: stackName }));
    for (;;) {
      const stack = await describeStack(cfn, stackName);
      if (!stack || stack.StackStatus === 'DELETE_COMPLETE') return;
      if (stack.StackStatus === 'DELETE_FAILED') throw new DeployError(`deleting ${stackName} failed: ${stack.StackStatusReason ?? ''}`);
      await sleep(POLL_MS);
    }
  } finally {
    cfn.destroy();
  }
}
