// The stack a load run or a benchmark backs up through: deployed like any other (scripts/lib/deploy.ts), with
// what the template configured for the function read back, never changed.
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { clientConfig, type AwsTarget } from '../aws/clients.ts';
import { createBucket, uniqueName } from '../aws/resources.ts';
import { deployStack, requireOutput, type EnvironmentName, type DeployOptions } from '../deploy.ts';

export interface LoadStack {
  target: AwsTarget;
  environment: EnvironmentName;
  stackName: string;
  functionName: string;
  logGroupName: string;
  sourceBucket: string;
  backupBucket: string;
  kmsKeyArn: string;
  /** What the template configured for this environment (read back from the function, never changed). */
  copyConcurrency: number;
  timeoutSeconds: number;
  memorySizeMB: number;
  /** NODE_OPTIONS the template gives the function (its V8 heap limits), read back from the deployed function. */
  nodeOptions?: string;
  deployMs: number;
}

export async function deployLoadStack(
  target: AwsTarget,
  opts: { environment: EnvironmentName; sourceBucket?: string; stackName?: string; onProgress?: DeployOptions['onProgress'] },
): Promise<LoadStack> {
  const started = performance.now();
  const sourceBucket = opts.sourceBucket ?? uniqueName('load-source');
  if (!opts.sourceBucket) await createBucket(target, sourceBucket);
  const backupBucket = uniqueName('load-backup');
  const deployed = await deployStack({
    target,
    environment: opts.environment,
    bucketName: backupBucket,
    sourceBucket,
    stackName: opts.stackName ?? uniqueName(`load-${opts.environment}`),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  const functionName = requireOutput(deployed, 'BackupLambdaName');
  const lambda = new LambdaClient(clientConfig(target));
  try {
    // Read-only: what CloudFormation configured; the load run never changes the function behind its back.
    const fn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    return {
      target,
      environment: opts.environment,
      stackName: deployed.stackName,
      functionName,
      logGroupName: requireOutput(deployed, 'BackupLogGroupName'),
      sourceBucket,
      backupBucket: deployed.outputs['BackupBucketName'] ?? backupBucket,
      kmsKeyArn: requireOutput(deployed, 'KMSKeyArn'),
      copyConcurrency: Number(fn.Environment?.Variables?.['COPY_CONCURRENCY'] ?? 16),
      timeoutSeconds: fn.Timeout ?? 0,
      memorySizeMB: fn.MemorySize ?? 0,
      ...(fn.Environment?.Variables?.['NODE_OPTIONS'] !== undefined ? { nodeOptions: fn.Environment.Variables['NODE_OPTIONS'] } : {}),
      deployMs: performance.now() - started,
    };
  } finally {
    lambda.destroy();
  }
}
