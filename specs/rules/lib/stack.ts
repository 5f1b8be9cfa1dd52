// The parts of a document-backup stack in one resolved view, found by their relationships rather than by
// logical id, so the rules work on any template built to the same contract. The one definition of the
// backup function (and of the restore verifier) lives here.
import type { ResolvedResource, TemplateView } from '../../../scripts/lib/cfn/intrinsics.ts';
import { at, isObject } from './values.ts';
import { isRefTo, targetOf } from './references.ts';
import { isAllow, policiesOfRoles, statementsOf, type PolicyDocumentRef } from './policies.ts';
import type { JsonObject } from '../../../scripts/lib/cfn/template.ts';
import { BACKUP_BUCKET_VARS, envVars, findBackupFunction, findVerifierFunction } from '../../../scripts/lib/cfn/functions.ts';

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

export { BACKUP_BUCKET_VARS, SOURCE_BUCKET_VARS, KEY_VARS, envVars } from '../../../scripts/lib/cfn/functions.ts';

const functionsOf = (view: TemplateView) => view.resources.filter((r) => r.type === T.fn);

/** The backup function (scripts/lib/cfn/functions.ts says which). */
export const backupFunction = (view: TemplateView): ResolvedResource | undefined => findBackupFunction(functionsOf(view));

/** The restore verifier function, when the stack has one. */
export const verifierFunction = (view: TemplateView): ResolvedResource | undefined => findVerifierFunction(functionsOf(view));

/** A function with a part in the contract, and how findings name it. */
export interface StackFunction {
  fn: ResolvedResource;
  kind: 'backup' | 'verifier';
  /** `the backup function` or `the restore verifier`. */
  what: string;
}

/** The stack's functions: the backup function and, when the stack has one, the restore verifier. */
export function stackFunctions(view: TemplateView): StackFunction[] {
  const out: StackFunction[] = [];
  const backup = backupFunction(view);
  if (backup) out.push({ fn: backup, kind: 'backup', what: 'the backup function' });
  const verifier = verifierFunction(view);
  if (verifier) out.push({ fn: verifier, kind: 'verifier', what: 'the restore verifier' });
  return out;
}

/** The backup bucket: named in the function's environment, else named by the BackupBucketName parameter. */
export function backupBucket(view: TemplateView): ResolvedResource | undefined {
  const fn = backupFunction(view);
  if (fn) {
    for (const name of BACKUP_BUCKET_VARS) {
      const target = targetOf(view, envVars(fn)[name], [T.bucket]);
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

/** Execution roles (logical ids of stack roles) of the given functions. */
export function executionRoleIds(view: TemplateView, functions: readonly ResolvedResource[]): string[] {
  const roles = new Set(view.resources.filter((r) => r.type === T.role).map((r) => r.logicalId));
  const out = new Set<string>();
  for (const fn of functions) {
    const role = fn.resolved['Role'];
    if (typeof role !== 'string') continue;
    const m = /^\{\{GetAtt:([A-Za-z0-9]+)\.Arn\}\}$/.exec(role) ?? /:role\/(?:.*\/)?\{\{Ref:([A-Za-z0-9]+)\}\}$/.exec(role);
    if (m && roles.has(m[1]!)) out.add(m[1]!);
  }
  return [...out];
}

/** The logical ids of the execution role(s) of the backup function. */
export function backupRoleIds(view: TemplateView): string[] {
  const fn = backupFunction(view);
  return fn ? executionRoleIds(view, [fn]) : [];
}

/** The logical ids of the execution role(s) of the restore verifier. */
export function verifierRoleIds(view: TemplateView): string[] {
  const fn = verifierFunction(view);
  return fn ? executionRoleIds(view, [fn]) : [];
}

/**
 * The Allow statements of every identity policy of the functions' execution roles (inline, attached or
 * pointing at them), each once even when two functions share a role.
 */
export function executionRoleAllowStatements(view: TemplateView, functions: readonly ResolvedResource[]): Array<{ policy: PolicyDocumentRef; statement: JsonObject; path: string }> {
  return policiesOfRoles(view, executionRoleIds(view, functions)).flatMap((policy) =>
    statementsOf(policy.document, policy.path)
      .filter(({ statement }) => isAllow(statement))
      .map(({ statement, path }) => ({ policy, statement, path })),
  );
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
    const q = targetOf(view, value, [T.queue], ['Arn']);
    if (q) out.push({ queueId: q.logicalId, kind, byId });
  };
  for (const r of view.resources) {
    if (r.type === T.fn) note(at(r.resolved, 'DeadLetterConfig.TargetArn'), 'lambda', r.logicalId);
    if (r.type === T.invokeConfig) note(at(r.resolved, 'DestinationConfig.OnFailure.Destination'), 'invoke-config', r.logicalId);
    if (r.type === T.queue) {
      let redrive: unknown = r.resolved['RedrivePolicy'];
      if (typeof redrive === 'string') {
        try {
          redrive = JSON.parse(redrive);
        } catch {
          redrive = undefined;
        }
      }
      note(at(redrive, 'deadLetterTargetArn'), 'sqs', r.logicalId);
    }
    if (r.type === T.rule) {
      const targets = r.resolved['Targets'];
      if (Array.isArray(targets)) for (const t of targets) note(at(t, 'DeadLetterConfig.Arn'), 'events', r.logicalId);
    }
  }
  return out;
}
