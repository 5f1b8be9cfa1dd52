// Stacks for the specs: the canonical stack deployed into LocalStack with unique names (runs against a shared,
// external LocalStack do not collide), removed again, and the deployed function's settings changed and put back.
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { deleteStack, deployStack, type EnvironmentName, type DeployResult } from '../../scripts/lib/deploy.ts';
import { clientConfig, type AwsTarget } from '../../scripts/lib/aws/clients.ts';
import { createBucket, deleteBucket, physicalIdsOf, uniqueName } from '../../scripts/lib/aws/resources.ts';

export interface DeployedStack extends DeployResult {
  environment: EnvironmentName;
  sourceBucket: string;
  backupBucket: string;
  /** Logical id -> physical id, read from CloudFormation (never from the template). */
  physicalIds: Record<string, string>;
}

export interface TestStackOptions {
  environment?: EnvironmentName;
  prefix?: string;
  sourcePrefix?: string;
  /** Another template than the canonical one (the upgrade spec deploys the previous release's). */
  templatePath?: string;
  /** A built Lambda zip instead of today's code (the previous release's, for the upgrade spec). */
  lambdaZip?: string;
  /** The role the backup bucket policy excepts from its Object Lock denials (the object-lock spec). */
  breakGlassRoleName?: string;
}

export async function deployTestStack(target: AwsTarget, options: TestStackOptions = {}): Promise<DeployedStack> {
  const prefix = options.prefix ?? 'dbs';
  const environment = options.environment ?? 'dev';
  const sourceBucket = uniqueName(`${prefix}-source`);
  const backupBucket = uniqueName(`${prefix}-backup`);
  await createBucket(target, sourceBucket);
  const result = await deployStack({
    target,
    environment,
    bucketName: backupBucket,
    sourceBucket,
    ...(options.sourcePrefix ? { sourcePrefix: options.sourcePrefix } : {}),
    ...(options.templatePath ? { templatePath: options.templatePath } : {}),
    ...(options.lambdaZip ? { lambdaZip: options.lambdaZip } : {}),
    ...(options.breakGlassRoleName ? { breakGlassRoleName: options.breakGlassRoleName } : {}),
    stackName: uniqueName(`${prefix}-stack`),
  });
  return { ...result, environment, sourceBucket, backupBucket, physicalIds: await physicalIdsOf(target, result.stackName) };
}

/**
 * Deletes a test stack (already deleted is fine) and the source bucket made for it. What the template retains
 * (the backup bucket under Object Lock, the key, the log group) stays, as it would in AWS.
 */
export async function removeTestStack(target: AwsTarget, stack: Pick<DeployedStack, 'stackName' | 'sourceBucket'>): Promise<void> {
  await deleteStack(target, stack.stackName);
  await deleteBucket(target, stack.sourceBucket);
}

/** What a spec may change on a deployed function: environment variables (undefined removes one) and its Timeout. */
export interface FunctionChange {
  variables?: Record<string, string | undefined>;
  timeoutSeconds?: number;
}

export interface FunctionSettings {
  variables: Record<string, string>;
  timeoutSeconds: number;
}

export async function functionSettings(target: AwsTarget, functionName: string): Promise<FunctionSettings> {
  const lambda = new LambdaClient(clientConfig(target));
  try {
    const current = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    return { variables: { ...(current.Environment?.Variables ?? {}) }, timeoutSeconds: current.Timeout ?? 3 };
  } finally {
    lambda.destroy();
  }
}

/** Sets the function's variables (whole) and Timeout, and waits until the update is live. */
export async function applyFunctionSettings(target: AwsTarget, functionName: string, settings: FunctionSettings): Promise<void> {
  const lambda = new LambdaClient(clientConfig(target));
  try {
    await lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: functionName, Environment: { Variables: settings.variables }, Timeout: settings.timeoutSeconds }),
    );
    await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { FunctionName: functionName });
  } finally {
    lambda.destroy();
  }
}

/** Merges `change` into the function's current settings, waits until live, and returns the variables now set. */
export async function configureFunction(target: AwsTarget, functionName: string, change: FunctionChange): Promise<Record<string, string>> {
  const current = await functionSettings(target, functionName);
  const variables = { ...current.variables };
  for (const [name, value] of Object.entries(change.variables ?? {})) {
    if (value === undefined) delete variables[name];
    else variables[name] = value;
  }
  await applyFunctionSettings(target, functionName, { variables, timeoutSeconds: change.timeoutSeconds ?? current.timeoutSeconds });
  return variables;
}
