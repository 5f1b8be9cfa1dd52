import { defineRule } from '../engine.ts';
import type { RuleFinding } from '../types.ts';
import type { TemplateView, ResolvedResource } from '../../../scripts/lib/cfn/intrinsics.ts';
import { escapeRegExp, referencedIds } from '../../../scripts/lib/cfn/intrinsics.ts';
import {
  ARN_FIELD, actionsOf, asStrings, at, conditionEntries, executionRoleAllowStatements, executionRoleIds, stackFunctions,
  stackKeyOf,
} from '../helpers.ts';
import type { JsonObject } from '../../../scripts/lib/cfn/template.ts';

const ALLOWED_SERVICES = new Set(['s3', 'kms', 'logs', 'sqs', 'cloudwatch', 'xray']);

interface Scope {
  backupBuckets: string[];
  source?: { bucket: string; prefix: string };
  logGroupNames: string[];
}

function scopeOf(view: TemplateView, functions: ResolvedResource[]): Scope {
  const scope: Scope = { backupBuckets: [], logGroupNames: [] };
  const buckets = new Set(view.resources.filter((r) => r.type === 'AWS::S3::Bucket').map((r) => r.logicalId));
  for (const fn of functions) {
    const vars = at(fn.resolved, 'Environment.Variables');
    for (const id of referencedIds(at(vars, 'BACKUP_BUCKET'))) if (buckets.has(id)) scope.backupBuckets.push(`{{Ref:${id}}}`);
    const sourceBucket = at(vars, 'SOURCE_BUCKET');
    const sourcePrefix = at(vars, 'SOURCE_PREFIX');
    if (typeof sourceBucket === 'string' && sourceBucket !== '') scope.source = { bucket: sourceBucket, prefix: typeof sourcePrefix === 'string' ? sourcePrefix : '' };
    const group = at(fn.resolved, 'LoggingConfig.LogGroup');
    if (typeof group === 'string') scope.logGroupNames.push(group);
    scope.logGroupNames.push(`/aws/lambda/{{Ref:${fn.logicalId}}}`);
  }
  return scope;
}

const inBucket = (resource: string, bucket: string) => new RegExp(`^arn:${ARN_FIELD}:s3:::${escapeRegExp(bucket)}(?:$|/)`).test(resource);

function s3Problems(statement: JsonObject, resources: string[], actions: string[], scope: Scope): string[] {
  const write = actions.some((a) => !/^s3:(Get|List)/i.test(a));
  const problems: string[] = [];
  for (const resource of resources) {
    const backup = scope.backupBuckets.some((b) => inBucket(resource, b));
    if (write) {
      if (!backup) problems.push(`s3 writes on ${resource}, outside the backup bucket`);
      continue;
    }
    if (backup) continue;
    const src = scope.source;
    const sourceBucketArn = src ? new RegExp(`^arn:${ARN_FIELD}:s3:::${escapeRegExp(src.bucket)}$`).test(resource) : false;
    const sourceObjects = src ? new RegExp(`^arn:${ARN_FIELD}:s3:::${escapeRegExp(src.bucket)}/${escapeRegExp(src.prefix)}`).test(resource) : false;
    if (sourceObjects) continue;
    if (sourceBucketArn && src) {
      const prefixes = conditionEntries(statement).filter((c) => c.key === 's3:prefix' && /^String(Equals|Like)$/.test(c.operator));
      const scoped = src.prefix === '' || (prefixes.length > 0 && prefixes.every((c) => c.values.every((v) => typeof v === 'string' && v.startsWith(src.prefix))));
      if (!scoped) problems.push(`lists the source bucket beyond the source prefix (add an s3:prefix condition)`);
      continue;
    }
    problems.push(`s3 reads on ${resource}, outside the source bucket/prefix and the backup bucket`);
  }
  return problems;
}

function scopeProblems(view: TemplateView, statement: JsonObject, scope: Scope): string[] {
  const actions = actionsOf(statement);
  const resources = asStrings(statement['Resource']);
  const services = [...new Set(actions.map((a) => (a.includes(':') ? a.split(':')[0]!.toLowerCase() : '*')))];
  const problems: string[] = [];
  for (const service of services) {
    const mine = actions.filter((a) => a.toLowerCase().startsWith(`${service}:`));
    if (!ALLOWED_SERVICES.has(service)) {
      problems.push(`grants ${service === '*' ? 'actions of every service' : `${service} actions`} the function does not need`);
    } else if (service === 's3') {
      problems.push(...s3Problems(statement, resources, mine, scope));
    } else if (service === 'kms') {
      for (const r of resources) if (!stackKeyOf(view, r, true)) problems.push(`kms on ${r}, not the ARN of the stack's key`);
    } else if (service === 'logs') {
      const ok = (r: string) =>
        scope.logGroupNames.some((name) => new RegExp(`^arn:${ARN_FIELD}:logs:${ARN_FIELD}:${ARN_FIELD}:log-group:${escapeRegExp(name)}(?::\\*|:log-stream:[^*]*\\*?)?$`).test(r));
      for (const r of resources) if (!ok(r)) problems.push(`logs on ${r}, not the function's own log group`);
    } else if (service === 'sqs') {
      const queues = view.resources.filter((q) => q.type === 'AWS::SQS::Queue').map((q) => q.logicalId);
      for (const r of resources) if (r.includes('*') || !referencedIds(r).some((id) => queues.includes(id))) problems.push(`sqs on ${r}, not a queue of this stack`);
    }
  }
  return problems;
}

export const rule = defineRule({
  id: 'IAM-BACKUP-ROLE-RESOURCE-SCOPE',
  pack: 'backup-stack',
  severity: 'error',
  title: "The backup role (and the restore verifier's) writes only in the backup bucket, reads only the source bucket/prefix (or its backups), and uses only the stack's key, its own log group and the stack's queue",
  rationale:
    'Least privilege in values, not just shape: each S3 ARN must be inside the bucket the function is configured with (BACKUP_BUCKET, ' +
    'SOURCE_BUCKET/SOURCE_PREFIX), KMS must be the stack key, logs the function\'s log group, SQS a stack queue, and no other services. ' +
    'Each role is held to the configuration of the function(s) it runs: the restore verifier, told no source, may read the backup bucket only. ' +
    'cfn_nag W11/W12 and cdk-nag IAM5 only look for `*`; IAM Access Analyzer policy checks need a deployed account. No static tool compares ARNs with the stack.',
  remediation: 'Scope each statement\'s Resource to the backup bucket, the source bucket/prefix, the stack key, the function\'s log group or the stack\'s queue.',
  resourceTypes: ['AWS::IAM::Role', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Policy', 'AWS::Lambda::Function'],
  template: (view) => {
    // Each role against the configuration of the functions it runs (two functions sharing one: both).
    const functionsByRole = new Map<string, ResolvedResource[]>();
    for (const { fn } of stackFunctions(view)) {
      for (const id of executionRoleIds(view, [fn])) functionsByRole.set(id, [...(functionsByRole.get(id) ?? []), fn]);
    }
    const seen = new Set<string>();
    const out: RuleFinding[] = [];
    for (const functions of functionsByRole.values()) {
      const scope = scopeOf(view, functions);
      for (const { policy, statement, path } of executionRoleAllowStatements(view, functions)) {
        if (seen.has(`${policy.logicalId}|${path}`)) continue;
        seen.add(`${policy.logicalId}|${path}`);
        const problems = scopeProblems(view, statement, scope);
        if (problems.length > 0) out.push({ logicalId: policy.logicalId, path: `${path}.Resource`, message: problems.join('; ') });
      }
    }
    return out;
  },
});
