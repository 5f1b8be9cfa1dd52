import { defineRule } from '../engine.ts';
import { backupBucket, Findings, num } from '../helpers.ts';
import { bucketArns, defaultRetention, denialsOf, policyPlace } from './object-lock.ts';

const REMAINING = 's3:object-lock-remaining-retention-days';

export const rule = defineRule({
  id: 'S3-BACKUP-RETENTION-POLICY',
  pack: 'backup-stack',
  severity: 'error',
  title: 'The backup bucket policy denies every shortening of Object Lock retention: a weaker bucket default, and a version retention below the backup retention',
  rationale:
    'Denying the governance bypass is not enough: s3:PutBucketObjectLockConfiguration lowers the default for every ' +
    'later backup, and a PutObjectRetention or PutObject with a retain-until date shorter than the default locks a ' +
    'version for less. A Deny for everyone (at most a break-glass role excepted) on both, the second with ' +
    `NumericLessThan ${REMAINING} at the default retention, closes them. No known tool checks this.`,
  remediation:
    `Deny s3:PutBucketObjectLockConfiguration on the bucket, and s3:PutObjectRetention and s3:PutObject on its objects when ${REMAINING} ` +
    'is less than the default retention, for Principal \'*\' (at most ArnNotEquals aws:PrincipalArn a break-glass role).',
  resourceTypes: ['AWS::S3::Bucket', 'AWS::S3::BucketPolicy'],
  template(view) {
    const out = new Findings();
    const bucket = backupBucket(view);
    const lock = bucket ? defaultRetention(bucket.resolved) : undefined;
    if (!bucket || lock?.days === undefined) return out.list(); // S3-BACKUP-OBJECT-LOCK reports a missing retention
    const arns = bucketArns(view, bucket);
    const [id, path] = policyPlace(view, bucket);
    if (denialsOf(view, bucket, 's3:PutBucketObjectLockConfiguration', arns.bucket).length === 0) {
      out.add(id, path, `nothing denies s3:PutBucketObjectLockConfiguration on ${bucket.logicalId} to every principal (but a named role)`);
    }
    // A threshold at or above the default refuses every shortening of a version locked by default.
    const belowDefault = (e: { operator: string; key: string; values: unknown[] }) =>
      e.operator === 'NumericLessThan' && e.key === REMAINING && e.values.length === 1 && (num(e.values[0]) ?? 0) >= lock.days!;
    for (const action of ['s3:PutObjectRetention', 's3:PutObject']) {
      const denies = denialsOf(view, bucket, action, arns.object, belowDefault).filter((s) => JSON.stringify(s['Condition'] ?? {}).includes(REMAINING));
      if (denies.length === 0) {
        out.add(id, path, `nothing denies ${action} with ${REMAINING} below the ${lock.days}-day default retention of ${bucket.logicalId} to every principal (but a named role)`);
      }
    }
    return out.list();
  },
});
export default rule;
