import { defineRule } from '../engine.ts';
import { backupBucket, Findings, num, scenarioValue } from '../helpers.ts';
import { lifecycleRules } from './lifecycle.ts';
import { defaultRetention } from './object-lock.ts';

export const rule = defineRule({
  id: 'S3-BACKUP-OBJECT-LOCK',
  pack: 'backup-stack',
  severity: 'error',
  title: 'The backup bucket has Object Lock with a default retention in days equal to the backup retention, in COMPLIANCE mode in prod',
  rationale:
    'Without Object Lock anything with s3:DeleteObjectVersion destroys the backups that exist for the day a ' +
    'credential leaks or ransomware runs. A retention equal to the expiry keeps every backup version for as long as it is ' +
    'meant to exist and no longer; prod uses COMPLIANCE, which no principal (root included) can lift. ' +
    'No known tool checks this (Security Hub S3.15 only checks that Object Lock is enabled).',
  remediation:
    'Set ObjectLockEnabled: true and ObjectLockConfiguration.Rule.DefaultRetention { Mode, Days } with Days equal to ' +
    'the ExpirationInDays of the bucket-wide lifecycle rule, and Mode COMPLIANCE for Environment prod.',
  resourceTypes: ['AWS::S3::Bucket'],
  template(view) {
    const out = new Findings();
    const bucket = backupBucket(view);
    if (!bucket) return out.list(); // CONTRACT-BUCKETS reports a missing backup bucket
    const id = bucket.logicalId;
    const lock = defaultRetention(bucket.resolved);
    if (!lock?.enabled) out.add(id, 'Properties.ObjectLockEnabled', 'the backup bucket does not enable Object Lock');
    const where = 'Properties.ObjectLockConfiguration.Rule.DefaultRetention';
    if (lock?.mode === undefined || lock.days === undefined) {
      out.add(id, where, 'the backup bucket has no Object Lock default retention (Mode and Days)');
      return out.list();
    }
    if (!lock.inDays) out.add(id, `${where}.Years`, 'the default retention is given in Years; give it in Days, as the backup retention');
    const expiry = (lifecycleRules(bucket.resolved) ?? [])
      .filter((r) => r.enabled && r.wholeBucket)
      .map((r) => num(r.rule['ExpirationInDays']))
      .find((d) => d !== undefined);
    if (lock.inDays && expiry !== undefined && lock.days !== expiry) {
      out.add(id, `${where}.Days`, `the default retention (${lock.days} days) differs from the backup retention (ExpirationInDays ${expiry})`);
    }
    if (scenarioValue(view) === 'prod' && lock.mode !== 'COMPLIANCE') {
      out.add(id, `${where}.Mode`, `prod backups are locked in ${lock.mode} mode, which a principal with s3:BypassGovernanceRetention lifts; use COMPLIANCE`);
    }
    return out.list();
  },
});
export default rule;
