import { defineRule } from '../engine.ts';
import { at, num, Findings } from '../helpers.ts';
import { lifecycleRules } from './lifecycle.ts';

export const rule = defineRule({
  id: 'S3-LIFECYCLE',
  pack: 'generic',
  severity: 'warning',
  title: 'Every bucket has enabled, bucket-wide lifecycle rules that expire objects, expire noncurrent versions (if versioned) and abort incomplete multipart uploads',
  rationale:
    'Without expiry a backup or log bucket grows (and bills) forever; versioned buckets keep every overwritten version; ' +
    'abandoned multipart uploads are billed but invisible. Security Hub S3.10/S3.13 and Control Tower CT.S3.PR.3/6 ' +
    'check that a lifecycle exists; checkov CKV2_AWS_61 and CKV_AWS_300 are Terraform-only. No tool checks the contents.',
  remediation: 'Add an enabled, bucket-wide lifecycle rule with expiration, NoncurrentVersionExpiration (if versioned) and AbortIncompleteMultipartUpload.',
  resourceTypes: ['AWS::S3::Bucket'],
  resource(resource, ctx) {
    const { view } = ctx;
    const out = new Findings();
    const rules = lifecycleRules(resource.resolved);
    const active = (rules ?? []).filter((r) => r.enabled && r.wholeBucket);
    if (!rules || !rules.some((r) => r.enabled)) {
      out.add(resource.logicalId, 'Properties.LifecycleConfiguration', 'bucket has no enabled lifecycle rule');
      return out.list();
    }
    const has = (test: (rule: Record<string, unknown>) => boolean) => active.some((r) => test(r.rule));
    if (!has((r) => (num(r['ExpirationInDays'] as never) ?? 0) > 0 || typeof r['ExpirationDate'] === 'string')) {
      out.add(resource.logicalId, 'Properties.LifecycleConfiguration.Rules', 'no enabled bucket-wide rule expires current objects (ExpirationInDays)');
    }
    if (
      at(resource.resolved, 'VersioningConfiguration.Status') === 'Enabled' &&
      !has((r) => (num(at(r as never, 'NoncurrentVersionExpiration.NoncurrentDays')) ?? num(r['NoncurrentVersionExpirationInDays'] as never) ?? 0) > 0)
    ) {
      out.add(resource.logicalId, 'Properties.LifecycleConfiguration.Rules', 'versioned bucket: no enabled bucket-wide rule expires noncurrent versions (NoncurrentVersionExpiration)');
    }
    if (!has((r) => (num(at(r as never, 'AbortIncompleteMultipartUpload.DaysAfterInitiation')) ?? 0) > 0)) {
      out.add(resource.logicalId, 'Properties.LifecycleConfiguration.Rules', 'no enabled bucket-wide rule aborts incomplete multipart uploads (AbortIncompleteMultipartUpload)');
    }
    return out.list();
  },
});
export default rule;
