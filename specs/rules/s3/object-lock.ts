// Shared reading of S3 Object Lock: a bucket's default retention and the bucket-policy Denies that protect it
// (used by S3-OBJECT-LOCK-LIFECYCLE, S3-OBJECT-LOCK-BYPASS-DENIED, S3-BACKUP-OBJECT-LOCK, S3-BACKUP-RETENTION-POLICY).
import type { Json, JsonObject } from '../../../scripts/lib/cfn/template.ts';
import type { ResolvedResource, TemplateView } from '../../../scripts/lib/cfn/intrinsics.ts';
import { actionCovers, at, bool, bucketPoliciesOf, conditionEntries, isAnyone, num, resourceCovers, statementsOf } from '../helpers.ts';

export interface DefaultRetention {
  /** ObjectLockEnabled: true on the bucket (without it CloudFormation cannot apply a configuration). */
  enabled: boolean;
  mode: string | undefined;
  /** The retention in days (Years counted as 365 days), when the rule gives one. */
  days: number | undefined;
  /** True when the rule is given in Days (the unit the backup retention uses). */
  inDays: boolean;
}

/** The bucket's Object Lock default retention, or undefined when it has neither ObjectLockEnabled nor a configuration. */
export function defaultRetention(properties: JsonObject): DefaultRetention | undefined {
  const enabled = bool(properties['ObjectLockEnabled']) === true;
  const config = properties['ObjectLockConfiguration'];
  if (!enabled && config === undefined) return undefined;
  const mode = at(properties, 'ObjectLockConfiguration.Rule.DefaultRetention.Mode');
  const days = num(at(properties, 'ObjectLockConfiguration.Rule.DefaultRetention.Days'));
  const years = num(at(properties, 'ObjectLockConfiguration.Rule.DefaultRetention.Years'));
  return {
    enabled,
    mode: typeof mode === 'string' ? mode : undefined,
    days: days ?? (years === undefined ? undefined : years * 365),
    inDays: days !== undefined,
  };
}

const PRINCIPAL_EXCEPTION = /^(ArnNotEquals|ArnNotLike|StringNotEquals|StringNotLike)$/;

/**
 * True for a condition that only names principals the Deny does not apply to (a break-glass role). A value with a
 * wildcard (`*`, `arn:aws:iam::*:role/*`) names no one in particular and could except everyone: not an exception.
 */
export function isPrincipalException(entry: { operator: string; key: string; values: readonly Json[] }): boolean {
  if (!PRINCIPAL_EXCEPTION.test(entry.operator) || (entry.key !== 'aws:principalarn' && entry.key !== 'aws:userid')) return false;
  return entry.values.length > 0 && entry.values.every((v) => typeof v === 'string' && !/[*?]/.test(v));
}

/**
 * Deny statements of the bucket's policies that apply to everyone for `action` on `arn`, whose conditions are
 * principal exceptions or pass `accept` (every condition of a statement must be one or the other).
 */
export function denialsOf(
  view: TemplateView,
  bucket: ResolvedResource,
  action: string,
  arn: string,
  accept: (entry: ReturnType<typeof conditionEntries>[number]) => boolean = () => false,
): JsonObject[] {
  return bucketPoliciesOf(view, bucket.logicalId)
    .flatMap((p) => statementsOf(p.resolved['PolicyDocument'], 'Properties.PolicyDocument').map((s) => s.statement))
    .filter((s) => s['Effect'] === 'Deny' && isAnyone(s['Principal']) && actionCovers(s, action) && resourceCovers(s, arn))
    .filter((s) => conditionEntries(s).every((e) => isPrincipalException(e) || accept(e)));
}

/** Where a finding about a bucket's policy goes: its first policy, else the bucket itself. */
export function policyPlace(view: TemplateView, bucket: ResolvedResource): [string, string] {
  const policy = bucketPoliciesOf(view, bucket.logicalId)[0];
  return policy ? [policy.logicalId, 'Properties.PolicyDocument'] : [bucket.logicalId, ''];
}

/** The bucket's ARN and an object ARN in it, as the view resolves them. */
export function bucketArns(view: TemplateView, bucket: ResolvedResource): { bucket: string; object: string } {
  const arn = String(view.resolve({ 'Fn::GetAtt': [bucket.logicalId, 'Arn'] }));
  return { bucket: arn, object: `${arn}/backups/example` };
}
