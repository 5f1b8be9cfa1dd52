// What deployStack checks before it builds, uploads or changes anything: the template, the endpoint (there, and
// AWS), the credentials, the source bucket, and that the backup bucket name is not someone else's.
import { readFile } from 'node:fs/promises';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { CloudFormationClient, DescribeStackResourcesCommand, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { clientConfig, type AwsTarget } from '../aws/clients.ts';
import { parseTemplate, TemplateLoadError, type Template } from '../cfn/template.ts';
import { parameterValueProblem } from '../parameters.ts';
import { CANONICAL_TEMPLATE, defaultArtifactBucket, DEPLOY_PARAMETERS, DeployInputError, defaultStackName, type DeployOptions } from './types.ts';


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
    ...(options.breakGlassRoleName === undefined ? {} : { BreakGlassRoleName: options.breakGlassRoleName }),
  };
  if (options.breakGlassRoleName !== undefined && !('BreakGlassRoleName' in template.parameters)) {
    throw new DeployInputError(`${templatePath}: a break-glass role was given, but the template declares no parameter BreakGlassRoleName`);
  }
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

