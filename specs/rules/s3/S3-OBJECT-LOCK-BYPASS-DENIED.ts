import { defineRule } from '../engine.ts';
import { Findings } from '../helpers.ts';
import { bucketArns, defaultRetention, denialsOf, policyPlace } from './object-lock.ts';

export const rule = defineRule({
  id: 'S3-OBJECT-LOCK-BYPASS-DENIED',
  pack: 'generic',
  severity: 'error',
  title: 'A bucket with Object Lock has a bucket policy that denies s3:BypassGovernanceRetention to everyone (at most a named role excepted)',
  rationale:
    'GOVERNANCE retention is lifted by any principal holding s3:BypassGovernanceRetention (AdministratorAccess has it) ' +
    'that sends x-amz-bypass-governance-retention: a leaked admin credential deletes the locked versions. Only a Deny ' +
    'in the bucket policy holds against identity policies. COMPLIANCE buckets need it too: a put may still ask for ' +
    'GOVERNANCE per object. AWS Backup Vault Lock is the managed equivalent; no linter checks the bucket policy.',
  remediation:
    'Add a Deny of s3:BypassGovernanceRetention on the bucket\'s objects for Principal \'*\', conditioned at most on ' +
    'ArnNotEquals aws:PrincipalArn (a break-glass role).',
  resourceTypes: ['AWS::S3::Bucket', 'AWS::S3::BucketPolicy'],
  template(view) {
    const out = new Findings();
    for (const bucket of view.resources.filter((r) => r.type === 'AWS::S3::Bucket')) {
      if (!defaultRetention(bucket.resolved)?.enabled) continue;
      if (denialsOf(view, bucket, 's3:BypassGovernanceRetention', bucketArns(view, bucket).object).length > 0) continue;
      const [id, path] = policyPlace(view, bucket);
      out.add(id, path, `nothing denies s3:BypassGovernanceRetention on the objects of ${bucket.logicalId} to every principal (but a named role)`);
    }
    return out.list();
  },
});
export default rule;
