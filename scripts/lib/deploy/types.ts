// The deploy library's vocabulary: options, progress, results, its two errors and the stack's parameters.
import { join } from 'node:path';
import type { AwsTarget } from '../aws/clients.ts';
import type { FailedResource } from '../aws/resources.ts';

export const ROOT = join(import.meta.dirname, '..', '..', '..');
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
  /** A built Lambda zip to deploy instead of bundling lambda/src (the upgrade spec deploys a previous release's). */
  lambdaZip?: string;
  /** Bucket for the Lambda package; created (encrypted, private) when missing. */
  artifactBucket?: string;
  alarmEmail?: string;
  /** The template's BreakGlassRoleName; not passed at all when absent, so templates without the parameter deploy too. */
  breakGlassRoleName?: string;
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

/** What deploy's change sets acknowledge (the template creates IAM roles and policies); the gate's change set says the same. */
export const DEPLOY_CAPABILITIES = ['CAPABILITY_IAM'] as const;

export function defaultStackName(environment: string): string {
  return `document-backup-${environment}`;
}

export function defaultArtifactBucket(account: string, region: string): string {
  return `document-backup-artifacts-${account}-${region}`;
}
