// Packages the Lambda, uploads it under a content-hash key and creates or updates the stack through a
// change set. The same code deploys into LocalStack (endpoint set) and real AWS (default credential chain).
import { readFile } from 'node:fs/promises';
import { CloudFormationClient, CreateChangeSetCommand, DeleteStackCommand, DescribeChangeSetCommand, ExecuteChangeSetCommand, type Parameter, type Stack } from '@aws-sdk/client-cloudformation';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { buildLambda, zipBundle } from '../build-lambda.ts';
import { clientConfig, type AwsTarget } from './aws/clients.ts';
import { describeStack, failedResources, IN_PROGRESS, stackOutputs, waitForStack, type FailedResource } from './aws/resources.ts';
import { checkDeployInput, describeConnectionError } from './deploy/input.ts';
import { ensureArtifactBucket, objectExists, templateSource } from './deploy/artifacts.ts';
import { defaultArtifactBucket, DEPLOY_CAPABILITIES, DeployError, DeployInputError, defaultStackName, type DeployOptions, type DeployResult } from './deploy/types.ts';

// The library's one import for callers: its vocabulary and its input checks are re-exported.
export * from './deploy/types.ts';
export { checkDeployInput, describeConnectionError, type CheckedInput } from './deploy/input.ts';
export { describeStack, type FailedResource };
export { templateSource, MAX_TEMPLATE_BODY_BYTES } from './deploy/artifacts.ts';

const POLL_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
    const { templateBody, template, account } = await checkDeployInput(options);
    onProgress?.({ phase: 'build', message: options.lambdaZip ? `using ${options.lambdaZip}` : 'bundling the Lambda' });
    const bundle = options.lambdaZip ? await zipBundle(options.lambdaZip) : await buildLambda();
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
      ...(options.breakGlassRoleName === undefined ? [] : [{ ParameterKey: 'BreakGlassRoleName', ParameterValue: options.breakGlassRoleName }]),
    ];

    let existing = await describeStack(cfn, stackName);
    // A stack whose first create failed cannot be updated; CloudFormation requires deleting it first.
    if (existing?.StackStatus === 'ROLLBACK_COMPLETE' || existing?.StackStatus === 'REVIEW_IN_PROGRESS') {
      await cfn.send(new DeleteStackCommand({ StackName: stackName }));
      await waitForStack(cfn, stackName, { since: new Date(), settled: (status) => status === 'DELETE_COMPLETE', pollMs: POLL_MS });
      existing = undefined;
    }
    // Not given: a stack that has a break-glass role keeps it (the Default, none, would silently drop the exception).
    if (options.breakGlassRoleName === undefined && 'BreakGlassRoleName' in template.parameters && existing?.Parameters?.some((p) => p.ParameterKey === 'BreakGlassRoleName')) {
      parameters.push({ ParameterKey: 'BreakGlassRoleName', UsePreviousValue: true });
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
        ...(await templateSource(s3, artifactBucket, target.region, templateBody)),
        Parameters: parameters,
        Capabilities: [...DEPLOY_CAPABILITIES],
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

