// Packages the Lambda, uploads it under a content-hash key and creates or updates the stack through a
// change set. The same code deploys into LocalStack (endpoint set) and real AWS (default credential chain).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  type Parameter,
  type Stack,
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
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { buildLambda } from '../build-lambda.ts';
import { clientConfig, type AwsTarget } from './aws/clients.ts';
import { describeStack, failedResources, IN_PROGRESS, stackOutputs, waitForStack, type FailedResource } from './aws/resources.ts';
import { parseTemplate, TemplateLoadError, type Template } from './cfn/template.ts';
import { parameterValueProblem } from './parameters.ts';

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

export { describeStack, type FailedResource };

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

/**
 * Input the deployment cannot use (a template that is not one, an endpoint that is not there or not AWS, missing
 * credentials, a source bucket that does not exist, a backup bucket name another stack or account has): found by
 * checkDeployInput before anything is built, uploaded or changed. The CLI exits 2 with its one-line message.
 */
export class DeployInputError extends Error {
  override readonly name = 'DeployInputError';
}

/** The parameters deployStack passes: a template must declare every one of them. */
export const DEPLOY_PARAMETERS = ['Environment', 'BackupBucketName', 'SourceBucketName', 'SourcePrefix', 'LambdaCodeBucket', 'LambdaCodeKey', 'AlarmEmail'] as const;

export function defaultStackName(environment: string): string {
  return `document-backup-${environment}`;
}

const POLL_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Turns SDK network failures (and an endpoint that is not AWS at all) into one line that says what to do. */
export function describeConnectionError(error: unknown, target: AwsTarget): string | undefined {
  const code = (error as { code?: string; cause?: { code?: string } }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  const name = (error as Error).name;
  const where = target.endpoint ?? `AWS in ${target.region}`;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || code === 'EAI_AGAIN') {
    return target.endpoint
      ? `cannot reach ${target.endpoint} (${code}); start LocalStack with \`npm run localstack -- up\` or check --endpoint`
      : `cannot reach AWS in ${target.region} (${code}); check the network and region`;
  }
  if (code === 'ETIMEDOUT' || name === 'TimeoutError') return `${where} did not answer in time; check --endpoint and the network`;
  if (name === 'CredentialsProviderError') return 'no AWS credentials found; configure the default credential chain or pass --endpoint for LocalStack';
  if (name === 'InvalidClientTokenId' || name === 'UnrecognizedClientException' || name === 'SignatureDoesNotMatch' || name === 'ExpiredToken') {
    return `the AWS credentials were rejected (${name}); check them or the profile`;
  }
  // The SDK could not read the answer as an AWS response (a web server, a proxy's error page): its own message is
  // two lines about "the hidden field {error}.$response", which says nothing about the cause.
  if (/Deserialization error|XML parse error/.test((error as Error).message ?? '')) return notAws(target, error);
  return undefined;
}

function notAws(target: AwsTarget, error?: unknown): string {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  const type = (error as { $response?: { headers?: Record<string, string> } } | undefined)?.$response?.headers?.['content-type'];
  const answer = status ? ` (it answered HTTP ${status}${type ? `, ${type.split(';')[0]}` : ''})` : '';
  return target.endpoint
    ? `${target.endpoint} does not answer like AWS${answer}; is it a LocalStack endpoint? check --endpoint`
    : `AWS in ${target.region} did not answer like AWS${answer}; check the network, a proxy in between, and the region`;
}

const statusOf = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/** HeadBucket: 'missing' (404), 'forbidden' (403: someone else's, or not ours to see), else 'exists'. */
async function bucketState(s3: S3Client, bucket: string): Promise<'exists' | 'missing' | 'forbidden'> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return 'exists';
  } catch (error) {
    const status = statusOf(error);
    if (status === 404) return 'missing';
    if (status === 403) return 'forbidden';
    // 301: the bucket exists in another region.
    if (status === 301) return 'exists';
    throw error;
  }
}

/** Every stack that is not deleted, with its outputs and parameters (DescribeStacks without a name, all pages). */
async function allStacks(cfn: CloudFormationClient): Promise<Stack[]> {
  const stacks: Stack[] = [];
  let token: string | undefined;
  do {
    const page = await cfn.send(new DescribeStacksCommand({ NextToken: token }));
    stacks.push(...(page.Stacks ?? []));
    token = page.NextToken;
  } while (token);
  return stacks;
}

/** Stack states deployStack replaces (deletes and creates anew) rather than updates. */
const REPLACED = new Set(['ROLLBACK_COMPLETE', 'REVIEW_IN_PROGRESS']);

export interface CheckedInput {
  templateBody: string;
  template: Template;
  /** The caller's account, from STS. */
  account: string;
}

/**
 * Everything deployStack needs to know is usable, checked before it builds, uploads or changes anything: the
 * template parses and declares the parameters it passes, with values it accepts; the endpoint answers as AWS with
 * credentials (STS GetCallerIdentity); the source bucket exists; the backup bucket name is free or already this
 * stack's; the artifact bucket is not someone else's. Each problem is a DeployInputError with one line.
 */
export async function checkDeployInput(options: DeployOptions): Promise<CheckedInput> {
  const { target } = options;
  const stackName = options.stackName ?? defaultStackName(options.environment);
  const templatePath = options.templatePath ?? CANONICAL_TEMPLATE;

  // 1. What needs no network: the template and the values.
  let templateBody: string;
  try {
    templateBody = await readFile(templatePath, 'utf8');
  } catch (error) {
    throw new DeployInputError(`${templatePath}: cannot read the template (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`);
  }
  let template: Template;
  try {
    template = parseTemplate(templateBody, templatePath, /\.json$/i.test(templatePath) ? 'json' : undefined);
  } catch (error) {
    if (error instanceof TemplateLoadError) throw new DeployInputError(error.message);
    throw error;
  }
  const undeclared = DEPLOY_PARAMETERS.filter((name) => !(name in template.parameters));
  if (undeclared.length > 0) {
    throw new DeployInputError(`${templatePath}: not a template deploy can use: it declares no parameter ${undeclared.join(', ')}`);
  }
  const values: Record<string, string> = {
    Environment: options.environment,
    BackupBucketName: options.bucketName,
    SourceBucketName: options.sourceBucket,
    SourcePrefix: options.sourcePrefix ?? '',
    AlarmEmail: options.alarmEmail ?? '',
    ...(options.artifactBucket ? { LambdaCodeBucket: options.artifactBucket } : {}),
  };
  for (const [name, value] of Object.entries(values)) {
    const problem = parameterValueProblem(name, template.parameters[name]!, value);
    if (problem) throw new DeployInputError(problem);
  }
  if (options.bucketName === options.sourceBucket) {
    throw new DeployInputError(`--bucket-name and --source-bucket are both ${options.bucketName}: backups must go to a bucket of their own`);
  }

  // 2. The endpoint answers as AWS, with credentials: fail fast, instead of waiting on the OS connect timeout.
  const config = clientConfig(target);
  const requestHandler = new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 30_000 });
  const sts = new STSClient({ ...config, requestHandler, maxAttempts: 2 });
  const cfn = new CloudFormationClient({ ...config, requestHandler, maxAttempts: 3 });
  const s3 = new S3Client({ ...config, requestHandler, maxAttempts: 3 });
  try {
    let account: string | undefined;
    try {
      account = (await sts.send(new GetCallerIdentityCommand({}))).Account;
    } catch (error) {
      const line = describeConnectionError(error, target);
      if (line) throw new DeployInputError(line, { cause: error });
      // GetCallerIdentity needs no permission: any other refusal (a 404 page, a 500) is not AWS answering.
      if (statusOf(error) !== undefined) throw new DeployInputError(notAws(target, error), { cause: error });
      throw error;
    }
    // A web server that answers 200 to anything gives the SDK an empty identity.
    if (!account) throw new DeployInputError(notAws(target));

    // 3. The buckets and the other stacks.
    try {
      const source = await bucketState(s3, options.sourceBucket);
      if (source === 'missing') {
        throw new DeployInputError(`--source-bucket ${options.sourceBucket} does not exist${target.endpoint ? ` at ${target.endpoint}` : ''}; create it first or check the name`);
      }
      // 'forbidden': it exists; whether the function may read it is its bucket policy's business, not the deployer's.

      const stacks = await allStacks(cfn);
      const own = stacks.find((s) => s.StackName === stackName);
      for (const other of stacks) {
        if (other.StackName === stackName || /^DELETE_/.test(other.StackStatus ?? '')) continue;
        const output = other.Outputs?.find((o) => o.OutputValue === options.bucketName);
        const parameter = REPLACED.has(other.StackStatus ?? '') ? undefined : other.Parameters?.find((p) => p.ParameterKey === 'BackupBucketName' && p.ParameterValue === options.bucketName);
        if (output || parameter) {
          throw new DeployInputError(
            `--bucket-name ${options.bucketName} is already the ${output ? `${output.OutputKey} of` : 'backup bucket of'} stack ${other.StackName}; choose another name, or pass --stack-name ${other.StackName} to update that stack`,
          );
        }
      }
      const backup = await bucketState(s3, options.bucketName);
      if (backup === 'forbidden') {
        throw new DeployInputError(`--bucket-name ${options.bucketName} is taken (HeadBucket says 403: it belongs to another account); choose another name`);
      }
      if (backup === 'exists') {
        let owned = false;
        if (own && !REPLACED.has(own.StackStatus ?? '')) {
          const resources = (await cfn.send(new DescribeStackResourcesCommand({ StackName: stackName }))).StackResources ?? [];
          owned = resources.some((r) => r.ResourceType === 'AWS::S3::Bucket' && r.PhysicalResourceId === options.bucketName && !/^DELETE_/.test(r.ResourceStatus ?? ''));
        }
        if (!owned) {
          throw new DeployInputError(
            `--bucket-name ${options.bucketName} already exists and is not a bucket of stack ${stackName}; CloudFormation cannot create it: choose another name`,
          );
        }
      }
      const artifactBucket = options.artifactBucket ?? defaultArtifactBucket(account, target.region);
      if ((await bucketState(s3, artifactBucket)) === 'forbidden') {
        throw new DeployInputError(`the artifact bucket ${artifactBucket} belongs to another account or may not be read with these credentials; pass --artifact-bucket with a bucket of yours`);
      }
    } catch (error) {
      const line = error instanceof DeployInputError ? undefined : describeConnectionError(error, target);
      throw line ? new DeployInputError(line, { cause: error }) : error;
    }
    return { templateBody, template, account };
  } finally {
    sts.destroy();
    cfn.destroy();
    s3.destroy();
  }
}

export function defaultArtifactBucket(account: string, region: string): string {
  return `document-backup-artifacts-${account}-${region}`;
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

/** A stack output the caller cannot go on without; a stack lacking it is named, not passed on as undefined. */
export function requireOutput(deployed: Pick<DeployResult, 'stackName' | 'outputs'>, key: string): string {
  const value = deployed.outputs[key];
  if (!value) throw new Error(`stack ${deployed.stackName} reports no ${key} output (outputs: ${Object.keys(deployed.outputs).join(', ') || 'none'})`);
  return value;
}

const TERMINAL_OK = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);

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

/** Waits for the executed change set; a stack that does not end complete is a DeployError naming the failed resources. */
async function waitForDeployment(cfn: CloudFormationClient, stackName: string, since: Date, total: number, onProgress?: DeployOptions['onProgress']): Promise<Stack> {
  const stack = await waitForStack(cfn, stackName, {
    since,
    pollMs: POLL_MS,
    ...(onProgress ? { onPoll: (status: string, completed: number) => onProgress({ phase: 'execute', message: status, completed: Math.min(completed, total), total }) } : {}),
  });
  if (!stack?.StackStatus) throw new DeployError(`stack ${stackName} disappeared while deploying`);
  if (TERMINAL_OK.has(stack.StackStatus)) return stack;
  const failures = await failedResources(cfn, stackName, since);
  throw new DeployError(`stack ${stackName} ended in ${stack.StackStatus}${stack.StackStatusReason ? `: ${stack.StackStatusReason}` : ''}`, failures);
}

const deleted = (status: string) => status === 'DELETE_COMPLETE' || status === 'DELETE_FAILED';

export async function deployStack(options: DeployOptions): Promise<DeployResult> {
  const { target, onProgress } = options;
  const stackName = options.stackName ?? defaultStackName(options.environment);
  const config = clientConfig(target);
  const cfn = new CloudFormationClient(config);
  const s3 = new S3Client(config);
  try {
    // Nothing is built, uploaded or changed before the input is known to be usable. (No progress line for it: it
    // takes a second, and a refusal is then the only line the user sees.)
    const { templateBody, account } = await checkDeployInput(options);
    onProgress?.({ phase: 'build', message: 'bundling the Lambda' });
    const bundle = await buildLambda();
    const artifactBucket = options.artifactBucket ?? defaultArtifactBucket(account, target.region);
    const codeKey = `lambda/backup-${bundle.sha256.slice(0, 16)}.zip`;
    onProgress?.({ phase: 'upload', message: `s3://${artifactBucket}/${codeKey}` });
    await ensureArtifactBucket(s3, artifactBucket, target.region);
    if (!(await objectExists(s3, artifactBucket, codeKey))) {
      await s3.send(new PutObjectCommand({ Bucket: artifactBucket, Key: codeKey, Body: await readFile(bundle.zipPath), ContentType: 'application/zip' }));
    }

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
      await waitForStack(cfn, stackName, { since: new Date(), settled: (status) => status === 'DELETE_COMPLETE', pollMs: POLL_MS });
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
      stack = await waitForDeployment(cfn, stackName, since, changes, onProgress);
    }
    onProgress?.({ phase: 'done', message: stack.StackStatus ?? '' });
    return {
      stackName,
      stackId: stack.StackId ?? '',
      status: stack.StackStatus ?? '',
      changed: !empty,
      outputs: stackOutputs(stack),
      codeKey,
      artifactBucket,
    };
  } catch (error) {
    if (error instanceof DeployError || error instanceof DeployInputError) throw error;
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
    const stack = await waitForStack(cfn, stackName, { since: new Date(), settled: deleted, pollMs: POLL_MS });
    if (stack?.StackStatus === 'DELETE_FAILED') throw new DeployError(`deleting ${stackName} failed: ${stack.StackStatusReason ?? ''}`);
  } finally {
    cfn.destroy();
  }
}
