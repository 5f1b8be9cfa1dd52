// Finds the parts of a document-backup stack in one resolved view, by their relationships rather than
// by logical id, so the backup-stack rules work on any template built to the same contract.
import type { ResolvedResource, TemplateView } from '../../../scripts/lib/cfn/intrinsics.ts';
import { at, isObject, isRefTo, targetOf } from '../helpers.ts';

export const T = {
  bucket: 'AWS::S3::Bucket',
  bucketPolicy: 'AWS::S3::BucketPolicy',
  key: 'AWS::KMS::Key',
  alias: 'AWS::KMS::Alias',
  fn: 'AWS::Lambda::Function',
  permission: 'AWS::Lambda::Permission',
  invokeConfig: 'AWS::Lambda::EventInvokeConfig',
  url: 'AWS::Lambda::Url',
  logGroup: 'AWS::Logs::LogGroup',
  rule: 'AWS::Events::Rule',
  queue: 'AWS::SQS::Queue',
  queuePolicy: 'AWS::SQS::QueuePolicy',
  alarm: 'AWS::CloudWatch::Alarm',
  role: 'AWS::IAM::Role',
  topic: 'AWS::SNS::Topic',
} as const;

/** The environment variable through which the function learns its target bucket. */
export const BACKUP_BUCKET_VARS = ['BACKUP_BUCKET', 'BACKUP_BUCKET_NAME', 'TARGET_BUCKET'];
export const SOURCE_BUCKET_VARS = ['SOURCE_BUCKET', 'SOURCE_BUCKET_NAME'];
export const KEY_VARS = ['KMS_KEY_ARN', 'KMS_KEY_ID', 'BACKUP_KMS_KEY_ARN', 'KMS_KEY'];

export function envVars(fn: ResolvedResource): Record<string, unknown> {
  const vars = at(fn.resolved, 'Environment.Variables');
  return isObject(vars) ? vars : {};
}

/** The backup function: the function that is told a backup bucket, else the only function. */
export function backupFunction(view: TemplateView): ResolvedResource | undefined {
  const fns = view.resources.filter((r) => r.type === T.fn);
  return (
    fns.find((f) => BACKUP_BUCKET_VARS.some((v) => envVars(f)[v] !== undefined)) ??
    fns.find((f) => f.logicalId === 'BackupFunction') ??
    (fns.length === 1 ? fns[0] : undefined)
  );
}

/** The backup bucket: named in the function's environment, else named by the BackupBucketName parameter. */
export function backupBucket(view: TemplateView): ResolvedResource | undefined {
  const fn = backupFunction(view);
  if (fn) {
    for (const name of BACKUP_BUCKET_VARS) {
      const target = targetOf(view, envVars(fn)[name] as never, [T.bucket]);
      if (target) return target;
    }
  }
  const buckets = view.resources.filter((r) => r.type === T.bucket);
  return (
    buckets.find((b) => JSON.stringify(b.properties['BucketName'] ?? null) === JSON.stringify({ Ref: 'BackupBucketName' })) ??
    buckets.find((b) => b.logicalId === 'BackupBucket')
  );
}

/** The bucket the backup bucket writes its server access logs to, when it is one of this stack. */
export function logBucket(view: TemplateView): ResolvedResource | undefined {
  const backup = backupBucket(view);
  if (!backup) return undefined;
  return targetOf(view, at(backup.resolved, 'LoggingConfiguration.DestinationBucketName'), [T.bucket]);
}

/** Events rules with a schedule that target `fn`. */
export function schedulesOf(view: TemplateView, fn: ResolvedResource): ResolvedResource[] {
  return view.resources.filter((r) => {
    if (r.type !== T.rule || r.resolved['ScheduleExpression'] === undefined) return false;
    const targets = r.resolved['Targets'];
    return Array.isArray(targets) && targets.some((t) => isObject(t) && targetOf(view, t['Arn'], [T.fn])?.logicalId === fn.logicalId);
  });
}

/** The resource `value` refers to by Ref or GetAtt Arn, if it has one of `types`. */
export function pointsAt(view: TemplateView, value: unknown, ...types: string[]): ResolvedResource | undefined {
  return targetOf(view, value as never, types);
}

/** True when `value` is the full ARN of a KMS key of this stack (GetAtt Arn, or the same ARN built with Sub). */
export function isStackKeyArn(view: TemplateView, value: unknown): ResolvedResource | undefined {
  if (typeof value !== 'string') return undefined;
  return view.resources.find(
    (r) =>
      r.type === T.key &&
      (value === view.resolve({ 'Fn::GetAtt': [r.logicalId, 'Arn'] }) ||
        value === `arn:{{AWS::Partition}}:kms:{{AWS::Region}}:{{AWS::AccountId}}:key/{{Ref:${r.logicalId}}}`),
  );
}

/** Why a KMS key reference is not the full ARN of a stack key, in a few words. */
export function describeKeyValue(view: TemplateView, value: unknown): string {
  if (value === undefined || value === null) return 'no key is named';
  if (typeof value !== 'string') return 'the key cannot be resolved';
  if (/alias\/aws\//.test(value)) return `${value} is an AWS managed key`;
  if (/alias\//.test(value)) return `${value} is an alias, not the key ARN (an alias can be repointed)`;
  const alias = view.resources.find((r) => r.type === T.alias && isRefTo(view, value as never, r.logicalId));
  if (alias) return `!Ref ${alias.logicalId} is an alias, not the key ARN (an alias can be repointed)`;
  const keyRef = view.resources.find((r) => r.type === T.key && isRefTo(view, value as never, r.logicalId));
  if (keyRef) return `${value} is the key id of ${keyRef.logicalId}; use its full ARN (!GetAtt ${keyRef.logicalId}.Arn)`;
  return `${value} is not a KMS key of this stack`;
}

// ---------------------------------------------------------------- policy reading

/** Bucket policies of this view whose Bucket is the given bucket. */
export function bucketPoliciesOf(view: TemplateView, bucketId: string): ResolvedResource[] {
  return view.resources.filter((r) => r.type === T.bucketPolicy && isRefTo(view, r.resolved['Bucket'] as never, bucketId));
}

/** Queue policies of this view that list the given queue. */
export function queuePoliciesOf(view: TemplateView, queueId: string): ResolvedResource[] {
  return view.resources.filter(
    (r) => r.type === T.queuePolicy && Array.isArray(r.resolved['Queues']) && r.resolved['Queues'].some((q) => isRefTo(view, q, queueId)),
  );
}

/** Shell-style match of an IAM pattern (`*`, `?`) against a concrete string, case-sensitive unless told. */
export function globMatch(pattern: string, text: string, ignoreCase = false): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, ignoreCase ? 'is' : 's');
  return re.test(text);
}

const asList = (value: unknown): unknown[] => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]);

export function strings(value: unknown): string[] {
  return asList(value).filter((v): v is string => typeof v === 'string');
}

/** True when the statement's Action list grants (or denies) `action`. */
export function actionCovers(statement: Record<string, unknown>, action: string): boolean {
  return strings(statement['Action']).some((a) => globMatch(a, action, true));
}

/** True when some Resource entry of the statement matches `arn`. */
export function resourceCovers(statement: Record<string, unknown>, arn: string): boolean {
  return strings(statement['Resource']).some((r) => r === arn || globMatch(r, arn));
}

/** True when the principal is everyone: `*` or `{AWS: '*'}`. */
export function isAnyone(principal: unknown): boolean {
  if (principal === '*') return true;
  return isObject(principal) && strings(principal['AWS']).includes('*');
}

/** True when the principal is exactly the AWS service `name` (e.g. `events`, `logging.s3`), however the suffix is spelled. */
export function isServicePrincipal(principal: unknown, name: string): boolean {
  if (!isObject(principal)) return false;
  const keys = Object.keys(principal);
  const services = strings(principal['Service']);
  return (
    keys.length === 1 &&
    services.length > 0 &&
    services.every((s) => s === `${name}.amazonaws.com` || s === `${name}.{{AWS::URLSuffix}}`)
  );
}

/** The values a statement's Condition gives `key`, with the operator each one sits under. */
export function conditionValues(statement: Record<string, unknown>, key: string): Array<{ operator: string; values: unknown[] }> {
  const condition = statement['Condition'];
  if (!isObject(condition)) return [];
  const out: Array<{ operator: string; values: unknown[] }> = [];
  for (const [operator, block] of Object.entries(condition)) {
    if (!isObject(block)) continue;
    for (const [k, v] of Object.entries(block)) {
      if (k.toLowerCase() === key.toLowerCase()) out.push({ operator, values: asList(v) });
    }
  }
  return out;
}

export interface DeadLetterUse {
  queueId: string;
  /** Which kind of resource sends failures there. */
  kind: 'lambda' | 'events' | 'sqs' | 'invoke-config';
  byId: string;
}

/** Every queue of the view that some resource uses as its dead-letter queue or on-failure destination. */
export function deadLetterUses(view: TemplateView): DeadLetterUse[] {
  const out: DeadLetterUse[] = [];
  const note = (value: unknown, kind: DeadLetterUse['kind'], byId: string) => {
    const q = targetOf(view, value as never, [T.queue], ['Arn']);
    if (q) out.push({ queueId: q.logicalId, kind, byId });
  };
  for (const r of view.resources) {
    if (r.type === T.fn) note(at(r.resolved, 'DeadLetterConfig.TargetArn'), 'lambda', r.logicalId);
    if (r.type === T.invokeConfig) note(at(r.resolved, 'DestinationConfig.OnFailure.Destination'), 'invoke-config', r.logicalId);
    if (r.type === T.queue) {
      let redrive = r.resolved['RedrivePolicy'];
      if (typeof redrive === 'string') {
        try { redrive = JSON.parse(redrive); } catch { redrive = undefined; }
      }
      note(at(redrive as never, 'deadLetterTargetArn'), 'sqs', r.logicalId);
    }
    if (r.type === T.rule) {
      const targets = r.resolved['Targets'];
      if (Array.isArray(targets)) for (const t of targets) note(at(t, 'DeadLetterConfig.Arn'), 'events', r.logicalId);
    }
  }
  return out;
}
